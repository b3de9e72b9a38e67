/**
 * Issue 12: the library inside the backend's own database. Everything it creates lives in its own
 * schema (`?schema=halo` in the URL, or `openDatabase(url, { schema })`), beside a `public` schema that
 * already holds the backend's own `sessions` and `app_config` with other columns, which stay untouched;
 * and it works on the backend's own `pg.Pool`, which `close()` leaves open.
 */
import pg from 'pg'
import { describe, expect, it, onTestFinished } from 'vitest'
import {
  checkInvariants,
  createClosureService,
  createConfigStore,
  createReportService,
  fixedClock,
  migrateToLatest,
  openDatabase,
  UserType,
  type HaloDatabase,
} from '../../src/index.js'
import { emptyDatabase } from '../support/engines.js'
import { cli } from '../cli/support/cli.js'

const NOW = '2026-11-24T03:00:00Z'

/** An empty database whose public schema holds the backend's own tables of the same names, with rows. */
async function backendDatabase(): Promise<{ url: string; admin: pg.Client; publicState: () => Promise<unknown> }> {
  const url = await emptyDatabase('postgres')
  const admin = new pg.Client({ connectionString: url })
  await admin.connect()
  onTestFinished(() => admin.end())
  await admin.query(`create table public.sessions (id uuid primary key, title text not null, opened timestamptz not null default now())`)
  await admin.query(`insert into public.sessions (id, title) values ('00000000-0000-0000-0000-000000000001', 'the backend''s own chat')`)
  await admin.query(`create table public.app_config (name text primary key, enabled boolean not null)`)
  await admin.query(`insert into public.app_config values ('early_end_mitra_enabled', false), ('dark_mode', true)`)
  const publicState = async () => {
    const tables = await admin.query(`select table_name, column_name, data_type from information_schema.columns where table_schema = 'public' order by 1, 2`)
    const sessions = await admin.query(`select id, title from public.sessions order by id`)
    const config = await admin.query(`select * from public.app_config order by name`)
    return { tables: tables.rows, sessions: sessions.rows, config: config.rows }
  }
  return { url, admin, publicState }
}

async function useLibrary(h: HaloDatabase): Promise<void> {
  expect((await migrateToLatest(h)).ran.length).toBeGreaterThan(3)
  const clock = fixedClock(NOW)
  const config = createConfigStore(h, { clock })
  await config.set('early_end_mitra_enabled', true, { actor: 'ops', note: 'rollout' })
  expect(await config.get('early_end_mitra_enabled')).toBe(true)
  const closures = createClosureService(h, { clock })
  const ids = []
  for (let i = 0; i < 4; i++) ids.push((await closures.openSession({ mitraId: 'm-1', customerId: `c-${i}`, durationMinutes: 30 })).id)
  for (const id of ids.slice(0, 3)) await closures.initiateEarlyEnd(id, UserType.MITRA, { actorId: 'm-1', reason: 'customer_left' })
  await expect(closures.initiateEarlyEnd(ids[3]!, UserType.MITRA, { actorId: 'm-1', reason: 'customer_left' })).rejects.toMatchObject({
    code: 'DAILY_CAP_REACHED',
  })
  clock.advance(3_600_000)
  expect((await closures.sweep()).finalized).toBe(3)
  const report = await createReportService(h, { clock }).closures('initiator', { from: '2026-11-24', to: '2026-11-24' })
  expect(report.rows).toEqual([
    { key: 'mitra', count: 3 },
    { key: 'system', count: 1 },
  ])
  expect((await checkInvariants(h, { clock })).checks.filter((c) => !c.ok)).toEqual([])
}

/** What lives in a schema: its tables, and the functions and the migration record the library made there. */
async function schemaContents(admin: pg.Client, schema: string) {
  const tables = await admin.query(`select table_name from information_schema.tables where table_schema = $1 order by 1`, [schema])
  const functions = await admin.query(`select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = $1 order by 1`, [schema])
  return { tables: tables.rows.map((r) => r.table_name), functions: functions.rows.map((r) => r.proname) }
}

describe('PostgreSQL: the library in its own schema, beside the backend’s tables', () => {
  it.each([
    ['?schema=halo in the URL', (url: string) => openDatabase(`${url}?schema=halo`)],
    ['openDatabase(url, { schema })', (url: string) => openDatabase(url, { schema: 'halo' })],
  ])('works with %s and leaves public as it was', async (_how, open) => {
    const { url, admin, publicState } = await backendDatabase()
    const before = await publicState()
    const h = await open(url)
    onTestFinished(() => h.close())
    await useLibrary(h)
    expect(await publicState()).toEqual(before)
    const halo = await schemaContents(admin, 'halo')
    expect(halo.tables).toEqual(
      expect.arrayContaining(['app_config', 'cc_reviews', 'closure_daily_counts', 'config_audit', 'kysely_migration', 'kysely_migration_lock', 'sessions']),
    )
    expect(halo.functions).toContain('closure_daily_counts_added')
    expect((await schemaContents(admin, 'public')).tables).toEqual(['app_config', 'sessions'])
  })

  it('keeps the rollup of its schema when the backend writes a closure with its own search path', async () => {
    const { url, admin } = await backendDatabase()
    const h = await openDatabase(url, { schema: 'halo' })
    onTestFinished(() => h.close())
    await migrateToLatest(h)
    const s = await createClosureService(h, { clock: fixedClock(NOW) }).openSession({ mitraId: 'm-9', customerId: 'c-9' })
    // the backend's connection: search path public, writing into halo by name
    await admin.query(`update halo.sessions set status = 'closing', grace_ends_at = now() where id = $1`, [s.id])
    await admin.query(
      `insert into halo.session_closures (session_id, mitra_id, kind, initiated_by, business_day, created_at, grace_ends_at) values ($1, 'm-9', 'expired', 'system', '2026-11-24', now(), now())`,
      [s.id],
    )
    const { rows } = await admin.query(`select mitra_id, closure_count from halo.closure_daily_counts`)
    expect(rows).toEqual([{ mitra_id: 'm-9', closure_count: 1 }])
  })

  it('uses the backend’s own pool, and close() leaves it open', async () => {
    const { url, publicState } = await backendDatabase()
    const pool = new pg.Pool({ connectionString: url, max: 3 })
    onTestFinished(() => pool.end())
    const before = await publicState()
    const h = await openDatabase(pool, { schema: 'halo' })
    await useLibrary(h)
    await h.close()
    expect((await pool.query('select count(*)::int as n from halo.sessions')).rows[0].n).toBe(4)
    // the pool's connections are as the backend left them: its own search path
    expect((await pool.query(`select current_setting('search_path') as p`)).rows[0].p).toBe('"$user", public')
    expect(await publicState()).toEqual(before)
  })

  it('is driven by the CLI with the same URL', async () => {
    const { url, admin, publicState } = await backendDatabase()
    const before = await publicState()
    const target = `${url}?schema=halo`
    const env = { HALO_NOW: NOW, HALO_ACTOR: 'ops' }
    expect((await cli(['--db', target, 'db', 'migrate'], { env })).code).toBe(0)
    expect((await cli(['--db', target, 'flag', 'set', 'early_end_mitra_daily_cap', '5'], { env })).code).toBe(0)
    expect((await cli(['--db', target, 'flag', 'get', 'early_end_mitra_daily_cap'], { env })).stdout).toBe('5\n')
    const status = await cli(['--db', target, 'db', 'status', '--json'], { env })
    expect(JSON.parse(status.stdout)).toMatchObject({ state: 'current' })
    expect((await admin.query(`select value from halo.app_config where key = 'early_end_mitra_daily_cap'`)).rows).toEqual([{ value: '5' }])
    expect(await publicState()).toEqual(before)
  })
})
