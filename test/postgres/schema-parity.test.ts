/**
 * One migration set, one schema: the same tables, columns, nullability and
 * indexes on SQLite and PostgreSQL, and the same JS values read back from the
 * same writes (ids as numbers, times as ISO-8601 UTC strings, flags as 0/1).
 */
import { sql } from 'kysely'
import pg from 'pg'
import { describe, expect, it, onTestFinished } from 'vitest'
import { UserType, createRolloutService, openDatabase, type HaloDatabase } from '../../src/index.js'
import { setup, type EngineName, type Setup } from '../support/engines.js'
import { TABLES } from '../support/fixtures.js' // every table of the migrations, the rollup included

/**
 * What only PostgreSQL has, on purpose: the transaction of each event (migration 0005), which the
 * event feed fences its reads on there, and of each audit record (0008), which the audit sealer
 * fences on; SQLite gives out ids in commit order and needs neither.
 */
const POSTGRES_ONLY = {
  columns: ['session_events.tx', 'config_audit.audit_tx', 'session_closures.audit_tx', 'cc_reviews.audit_tx'],
  index: 'session_events_key',
}
/** The audit chain's own tables (migration 0008), checked for their keys like the others. */
const AUDIT_TABLES = ['audit_chain', 'audit_seals', 'audit_backfill']
/** Who the database authenticated differs by engine on purpose: PostgreSQL's session_user, SQLite's OS user. */
const IDENTITY = ['authenticated_as', 'resolved_authenticated_as']

/** `value` with every authenticated identity (a view's `authenticatedAs`, `resolvedAuthenticatedAs`) read as set or unset. */
function identified(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value), (k, v) => ((k === 'authenticatedAs' || k === 'resolvedAuthenticatedAs') && v !== null ? 'identity' : v))
}

async function columnsOf(handle: HaloDatabase) {
  const tables = await handle.db.introspection.getTables()
  const out: Record<string, Record<string, { nullable: boolean; autoIncrement: boolean }>> = {}
  for (const t of tables) {
    if (!(TABLES as readonly string[]).includes(t.name)) continue
    // SQLite's `integer primary key` is the rowid: never null, though its introspection says nullable
    const rowid = (c: { isAutoIncrementing: boolean }) => handle.engineName === 'sqlite' && c.isAutoIncrementing
    out[t.name] = Object.fromEntries(
      t.columns
        .filter((c) => !POSTGRES_ONLY.columns.includes(`${t.name}.${c.name}`))
        .map((c) => [c.name, { nullable: c.isNullable && !rowid(c), autoIncrement: c.isAutoIncrementing }]),
    )
  }
  return out
}

/** Index name -> its columns, for the indexes the migration names (not the engines' own unique/PK indexes). */
async function namedIndexes(handle: HaloDatabase): Promise<Record<string, string>> {
  if (handle.engineName === 'sqlite') {
    const rows = await sql<{ name: string; tbl: string }>`select name, tbl_name as tbl from sqlite_master where type = 'index' and sql is not null`.execute(
      handle.db,
    )
    const out: Record<string, string> = {}
    for (const r of rows.rows) {
      const cols = await sql<{ name: string }>`select name from pragma_index_info(${r.name}) order by seqno`.execute(handle.db)
      out[r.name] = `${r.tbl}(${cols.rows.map((c) => c.name).join(',')})`
    }
    return out
  }
  const rows = await sql<{ name: string; def: string }>`
    select i.relname as name, t.relname || '(' || string_agg(a.attname, ',' order by k.ord) || ')' as def
    from pg_index x
    join pg_class i on i.oid = x.indexrelid
    join pg_class t on t.oid = x.indrelid
    join pg_namespace n on n.oid = t.relnamespace
    cross join lateral unnest(x.indkey) with ordinality as k(attnum, ord)
    join pg_attribute a on a.attrelid = t.oid and a.attnum = k.attnum
    where n.nspname = current_schema() and not x.indisprimary and not exists (select 1 from pg_constraint c where c.conindid = x.indexrelid)
    group by i.relname, t.relname`.execute(handle.db)
  return Object.fromEntries(rows.rows.filter((r) => r.name !== POSTGRES_ONLY.index).map((r) => [r.name, r.def]))
}

/** Unique constraints as sets of columns per table (names differ by engine; what they cover must not). */
async function uniqueKeys(handle: HaloDatabase): Promise<string[]> {
  if (handle.engineName === 'sqlite') {
    const out: string[] = []
    for (const table of [...TABLES, ...AUDIT_TABLES]) {
      const list = await sql<{ name: string; unique: number; origin: string }>`select name, "unique", origin from pragma_index_list(${table})`.execute(
        handle.db,
      )
      for (const ix of list.rows.filter((r) => r.unique === 1)) {
        const cols = await sql<{ name: string }>`select name from pragma_index_info(${ix.name}) order by seqno`.execute(handle.db)
        out.push(`${table}(${cols.rows.map((c) => c.name).join(',')})`)
      }
      // an integer primary key is the rowid: no index, but unique all the same
      const pk = await sql<{ name: string; pk: number }>`select name, pk from pragma_table_info(${table}) where pk > 0 order by pk`.execute(handle.db)
      if (!list.rows.some((r) => r.origin === 'pk') && pk.rows.length > 0) out.push(`${table}(${pk.rows.map((c) => c.name).join(',')})`)
    }
    return out.sort()
  }
  const rows = await sql<{ def: string }>`
    select t.relname || '(' || string_agg(a.attname, ',' order by k.ord) || ')' as def
    from pg_constraint c
    join pg_class t on t.oid = c.conrelid
    join pg_namespace n on n.oid = t.relnamespace
    cross join lateral unnest(c.conkey) with ordinality as k(attnum, ord)
    join pg_attribute a on a.attrelid = t.oid and a.attnum = k.attnum
    where n.nspname = current_schema() and c.contype in ('u', 'p') and t.relname <> all(${['kysely_migration', 'kysely_migration_lock']})
    group by c.oid, t.relname`.execute(handle.db)
  // unique indexes that back no constraint (a partial one: the idempotency key where there is one)
  const indexes = await sql<{ def: string }>`
    select t.relname || '(' || string_agg(a.attname, ',' order by k.ord) || ')' as def
    from pg_index x
    join pg_class t on t.oid = x.indrelid
    join pg_namespace n on n.oid = t.relnamespace
    cross join lateral unnest(x.indkey) with ordinality as k(attnum, ord)
    join pg_attribute a on a.attrelid = t.oid and a.attnum = k.attnum
    where n.nspname = current_schema() and x.indisunique and not exists (select 1 from pg_constraint c where c.conindid = x.indexrelid)
    group by x.indexrelid, t.relname`.execute(handle.db)
  return [...rows.rows, ...indexes.rows].map((r) => r.def).sort()
}

/** The same story on any engine: flags, sessions, early ends up to the cap (a review), a goodbye, a resolve, a sweep. */
async function story(t: Setup): Promise<void> {
  await t.config.set('early_end_mitra_enabled', true, { actor: 'ops', note: 'on' })
  await t.config.set('early_end_mitra_daily_cap', 2, { actor: 'ops' })
  await t.config.set('early_end_mitra_over_cap_action', 'allow', { actor: 'ops' })
  await createRolloutService(t.handle, { clock: t.clock }).add(['m-1', 'm-2'], { actor: 'ops', note: 'pilot' })
  const ids: number[] = []
  for (let i = 0; i < 4; i++) ids.push((await t.closures.openSession({ customerId: `c-${i}`, mitraId: 'm-1', durationMinutes: 30 })).id)
  await t.closures.initiateEarlyEnd(ids[0]!, UserType.MITRA, { actorId: 'm-1', reason: 'customer_left', idempotencyKey: 'k-0' })
  await t.closures.initiateEarlyEnd(ids[1]!, UserType.MITRA, { actorId: 'm-1', reason: 'other', note: 'ü ñ 日本 "quoted" \'x\'' })
  await t.closures.initiateEarlyEnd(ids[2]!, UserType.MITRA, { actorId: 'm-1', reason: 'customer_abusive' })
  await t.closures.postGoodbye(ids[0]!, UserType.CUSTOMER, { actorId: 'c-0', message: 'bye 👋' })
  const [review] = await t.reviews.list()
  await t.reviews.resolve(review!.id, { outcome: 'warned', note: 'talked to them', actor: 'cc-1' })
  t.clock.set('2026-11-24T04:00:00Z')
  await t.closures.sweep()
}

async function rowsOf(handle: HaloDatabase) {
  const out: Record<string, unknown[]> = {}
  for (const table of TABLES) {
    if (table === 'closure_daily_counts') {
      // no id: in key order, sorted here (the engines collate text differently)
      const key = (r: Record<string, unknown>) => [r.business_day, r.mitra_id, r.initiated_by, r.reason].join('\u0000')
      const rows = (await handle.db.selectFrom(table).selectAll().execute()) as Record<string, unknown>[]
      out[table] = rows.sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0))
      continue
    }
    const order = table === 'mitra_daily_counts' || table === 'rollout_cohort' ? 'mitra_id' : table === 'app_config' ? 'key' : 'id'
    const rows = (await handle.db
      .selectFrom(table)
      .selectAll()
      .orderBy(order as never)
      .execute()) as Record<string, unknown>[]
    out[table] = rows.map(({ tx: _tx, audit_tx: _auditTx, ...row }) => {
      for (const c of IDENTITY) if (c in row) row[c] = row[c] === null ? null : 'identity'
      return row
    })
  }
  return out
}

async function fresh(engine: EngineName): Promise<Setup> {
  const t = await setup(engine, { now: '2026-11-24T03:00:00.000Z' })
  onTestFinished(t.cleanup)
  return t
}

describe('SQLite and PostgreSQL from one migration set', () => {
  it('have the same tables, columns, nullability and auto-increment ids', async () => {
    const [lite, post] = [await fresh('sqlite'), await fresh('postgres')]
    const [a, b] = [await columnsOf(lite.handle), await columnsOf(post.handle)]
    expect(Object.keys(a).sort()).toEqual([...TABLES].sort())
    expect(b).toEqual(a)
    expect(a.session_closures!.reason_note).toEqual({ nullable: true, autoIncrement: false })
    expect(a.sessions!.id).toEqual({ nullable: false, autoIncrement: true })
  })

  it.each(['sqlite', 'postgres'] as const)(
    'refuse a flag row without a key on %s (SQLite lets a text primary key be NULL unless told not to)',
    async (engine) => {
      const t = await fresh(engine)
      await expect(
        t.handle.db
          .insertInto('app_config')
          .values({ key: null as never, value: 'true', updated_at: '2026-11-24T03:00:00.000Z', updated_by: 'x' })
          .execute(),
      ).rejects.toThrow(/NOT NULL|null value/i)
    },
  )

  it('have the same named indexes and the same unique keys', async () => {
    const [lite, post] = [await fresh('sqlite'), await fresh('postgres')]
    const [a, b] = [await namedIndexes(lite.handle), await namedIndexes(post.handle)]
    expect(Object.keys(a).length).toBeGreaterThan(5)
    expect(b).toEqual(a)
    const [ua, ub] = [await uniqueKeys(lite.handle), await uniqueKeys(post.handle)]
    expect(ua).toContain('session_closures(session_id)')
    expect(ua).toContain('cc_reviews(mitra_id,business_day,trigger)')
    expect(ub).toEqual(ua)
  })

  it('read back identical JS values, row for row, after the same writes', async () => {
    const [lite, post] = [await fresh('sqlite'), await fresh('postgres')]
    await story(lite)
    await story(post)
    const [a, b] = [await rowsOf(lite.handle), await rowsOf(post.handle)]
    expect(b).toEqual(a)
    // and strictly: same JS types, not merely equal-looking
    for (const table of TABLES) {
      a[table]!.forEach((row, i) => {
        for (const [k, v] of Object.entries(row as object)) expect(typeof (b[table]![i] as Record<string, unknown>)[k], `${table}.${k}`).toBe(typeof v)
      })
    }
    const closures = a.session_closures as { id: unknown; over_cap: unknown; created_at: unknown; finalized_at: unknown }[]
    expect(closures.length).toBe(4)
    expect(typeof closures[0]!.id).toBe('number')
    expect(closures.map((c) => c.over_cap)).toEqual([0, 0, 1, 0])
    expect(closures[0]!.created_at).toBe('2026-11-24T03:00:00.000Z')
    // the library's own views agree too
    expect(identified(await post.closures.getSession(1))).toEqual(identified(await lite.closures.getSession(1)))
    expect(identified(await post.reviews.list())).toEqual(identified(await lite.reviews.list()))
    expect(identified(await post.config.history())).toEqual(identified(await lite.config.history()))
  })

  it('gives UTC ISO strings on PostgreSQL whatever the server or session time zone', async () => {
    const post = await fresh('postgres')
    const name = new URL(post.target).pathname.slice(1)
    const admin = new pg.Client({ connectionString: post.target })
    await admin.connect()
    await admin.query(`alter database ${name} set timezone = 'Asia/Kolkata'`)
    await admin.end()
    const h = await openDatabase(post.target)
    onTestFinished(() => h.close())
    const { rows } = await sql<{ tz: string; t: string; n: number; b: number }>`
      select current_setting('TimeZone') as tz, ${'2026-11-24T03:00:00.123Z'}::timestamptz as t, count(*) as n, true as b from sessions`.execute(h.db)
    expect(rows[0]).toEqual({ tz: 'Asia/Kolkata', t: '2026-11-24T03:00:00.123Z', n: 0, b: 1 })
  })
})
