/**
 * Nothing but a HaloError leaves the library, and the CLI says what went wrong in one line with the
 * contract's exit code, on the servers production has: a read-only server (a hot standby, a primary
 * demoted by a failover), roles without rights, a host pool checked out whole, ids past 2^31, schemas
 * that are the server's own or hold someone else's tables (issue 18).
 */
import { sql } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import {
  HaloError,
  UserType,
  createClosureService,
  createConfigStore,
  createReviewService,
  fixedClock,
  handleEndSessionRequest,
  migrateToLatest,
  openDatabase,
} from '../../src/index.js'
import { createTestDatabase, emptyDatabase } from '../support/engines.js'
import { ensureBuilt } from '../support/fixtures.js'
import { startCluster, type Cluster } from '../support/pg-cluster.js'
import { NOW } from '../support/time.js'
import { cli as runCli } from '../cli/support/cli.js'

/** The built CLI on `db` as ops-1, at the tests' fixed time. */
const cli = (db: string, ...args: string[]) => runCli(['--db', db, '--actor', 'ops-1', ...args], { env: { HALO_NOW: NOW }, timeoutMs: 60_000 })

/** One line on stderr, `error <CODE>: …`, no stack. */
function oneLine(stderr: string, code: string): void {
  const lines = stderr.trim().split('\n')
  expect(lines, stderr).toHaveLength(1)
  expect(lines[0]).toMatch(new RegExp(`^error ${code}: `))
}

async function migrated(): Promise<string> {
  const db = await createTestDatabase('postgres')
  onTestFinished(db.drop)
  return db.target
}

async function admin(url: string, text: string): Promise<void> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    await c.query(text)
  } finally {
    await c.end()
  }
}

describe('a read-only server (a standby, a demoted primary)', () => {
  let cluster: Cluster
  let target: string

  beforeAll(async () => {
    ensureBuilt()
    cluster = await startCluster()
    const u = new URL(cluster.url)
    u.pathname = '/halo'
    target = u.toString()
    await admin(cluster.url, 'create database halo')
    const h = await openDatabase(target)
    await migrateToLatest(h)
    const config = createConfigStore(h, { clock: fixedClock(NOW) })
    await config.set('early_end_mitra_enabled', true, { actor: 'ops' })
    const closures = createClosureService(h, { clock: fixedClock(NOW) })
    await closures.openSession({ customerId: 'c-1', mitraId: 'm-1' })
    await h.close()
    await admin(cluster.url, `alter system set default_transaction_read_only = on`)
    await admin(cluster.url, `select pg_reload_conf()`)
  }, 60_000)
  afterAll(() => cluster?.stop())

  it('gives DB_ERROR (503) with the SQLSTATE for a write, never a raw driver error', async () => {
    const h = await openDatabase(target)
    onTestFinished(() => h.close())
    const closures = createClosureService(h, { clock: fixedClock(NOW) })
    const e = await closures.initiateEarlyEnd(1, UserType.MITRA, { actorId: 'm-1', reason: 'customer_left' }).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(HaloError)
    expect((e as HaloError).code).toBe('DB_ERROR')
    expect((e as HaloError).details).toEqual({ sqlstate: '25006' })
    expect((e as HaloError).message).toMatch(/read-only/)
    // a sweep reports a failed batch in its result (README's sweeper loop logs it); it never rejects raw
    const sweep = await closures.sweep().then(
      (r) => r.error,
      (x: unknown) => x,
    )
    expect(sweep).toBeInstanceOf(HaloError)
    expect((sweep as HaloError).code).toBe('DB_ERROR')
    const response = await handleEndSessionRequest({ sessionId: '1', actorId: 'm-1', body: { reason: 'customer_left' } }, { closures })
    expect(response.status).toBe(503)
    // reads still work on a standby
    expect((await closures.getSession(1)).status).toBe('active')
  })

  it('exits 6 with one line for flag set and sweep; flag get still answers', async () => {
    for (const args of [['flag', 'set', 'early_end_mitra_enabled', 'false'], ['sweep']]) {
      const r = await cli(target, ...args)
      expect(r.code, r.stderr).toBe(6)
      oneLine(r.stderr, 'DB_ERROR')
    }
    const get = await cli(target, 'flag', 'get', 'early_end_mitra_enabled')
    expect(get).toMatchObject({ code: 0, stdout: 'true\n' })
  })
})

describe('roles without rights', () => {
  it('refuses with FORBIDDEN (exit 5) in one line: no USAGE on the schema, no CREATE on the database', async () => {
    ensureBuilt()
    const target = await migrated()
    const role = `nobody_${process.pid}_${Date.now().toString(36)}`
    await admin(
      target,
      `create role ${role} login; revoke all on schema public from public; revoke create on database ${new URL(target).pathname.slice(1)} from public`,
    )
    onTestFinished(() => admin(target, `drop owned by ${role}; drop role ${role}`))
    const as = new URL(target)
    as.username = role
    const get = await cli(as.toString(), 'flag', 'get', 'early_end_mitra_enabled')
    expect(get.code, get.stderr).toBe(5)
    oneLine(get.stderr, 'FORBIDDEN')
    as.searchParams.set('schema', 'halo_new')
    const migrate = await cli(as.toString(), 'db', 'migrate')
    expect(migrate.code, migrate.stderr).toBe(5)
    oneLine(migrate.stderr, 'FORBIDDEN')
  })
})

describe('a host pool checked out whole', () => {
  it('gives DB_ERROR within the acquire timeout instead of waiting without bound', async () => {
    const target = await migrated()
    const pool = new pg.Pool({ connectionString: target, max: 1 })
    onTestFinished(() => pool.end())
    const h = await openDatabase(pool, { acquireTimeoutMs: 300 })
    onTestFinished(() => h.close())
    const closures = createClosureService(h, { clock: fixedClock(NOW) })
    const held = await pool.connect()
    const started = Date.now()
    const e = await closures.initiateEarlyEnd(1, UserType.SUPPORT, { actorId: 'support-1', reason: 'customer_abusive' }).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(HaloError)
    expect((e as HaloError).code).toBe('DB_ERROR')
    expect((e as HaloError).message).toMatch(/came free within 300 ms/)
    expect(Date.now() - started).toBeLessThan(3000)
    held.release()
    // and the connection the wait gave up on went back: the pool works again
    const s = await closures.openSession({ customerId: 'c-1', mitraId: 'm-1' })
    expect(s.status).toBe('active')
  })
})

describe('a server that stops answering', () => {
  it('gives DB_ERROR after the statement timeout and 5 s, on the hot path and a plain write, and the next call gets a new connection', async () => {
    const target = await migrated()
    const url = new URL(target)
    url.searchParams.set('options', '-c statement_timeout=300')
    url.searchParams.set('application_name', 'halo-stopped-backend')
    const h = await openDatabase(url.toString(), { poolSize: 1 })
    onTestFinished(() => h.close())
    const closures = createClosureService(h, { clock: fixedClock(NOW) })
    const config = createConfigStore(h, { clock: fixedClock(NOW) })
    const admin = new pg.Client({ connectionString: target })
    await admin.connect()
    onTestFinished(() => admin.end())
    for (const call of [
      () => closures.initiateEarlyEnd(1, UserType.SUPPORT, { actorId: 'support-1', reason: 'customer_abusive' }),
      () => config.set('early_end_mitra_daily_cap', 4, { actor: 'ops-1' }),
    ]) {
      await closures.openSession({ customerId: 'c-1', mitraId: 'm-1' })
      // the pool's one connection, stopped as a hung server process (or a network that drops everything) would be
      // (the newest: the one stopped before may not have exited yet)
      const { rows } = await admin.query<{ pid: number }>(
        `select pid from pg_stat_activity where application_name = 'halo-stopped-backend' order by backend_start desc limit 1`,
      )
      const pid = rows[0]!.pid
      process.kill(pid, 'SIGSTOP')
      try {
        const started = Date.now()
        const e = await call().catch((x: unknown) => x)
        expect(e).toBeInstanceOf(HaloError)
        expect((e as HaloError).code).toBe('DB_ERROR')
        expect((e as HaloError).message).toMatch(/did not answer within 5300 ms/)
        expect(Date.now() - started).toBeLessThan(15_000)
      } finally {
        process.kill(pid, 'SIGCONT')
      }
      // the silent connection was destroyed, never handed out again: the next call works on a new one
      const s = await closures.openSession({ customerId: 'c-2', mitraId: 'm-2' })
      expect(s.status).toBe('active')
    }
  }, 60_000)
})

describe('ids past 2^31', () => {
  it('are sessions like any other: opened, ended, shown, listed after, by the library and the CLI', async () => {
    ensureBuilt()
    const target = await migrated()
    await admin(target, `alter sequence sessions_id_seq restart with 3000000000; alter sequence cc_reviews_id_seq restart with 2200000000`)
    const h = await openDatabase(target)
    onTestFinished(() => h.close())
    await createConfigStore(h, { clock: fixedClock(NOW) }).set('early_end_mitra_enabled', true, { actor: 'ops' })
    await createConfigStore(h, { clock: fixedClock(NOW) }).set('early_end_mitra_daily_cap', 1, { actor: 'ops' })
    const closures = createClosureService(h, { clock: fixedClock(NOW) })
    const s = await closures.openSession({ customerId: 'c-1', mitraId: 'm-1' })
    expect(s.id).toBe(3_000_000_000)
    const ended = await closures.initiateEarlyEnd(s.id, UserType.MITRA, { actorId: 'm-1', reason: 'customer_left' })
    expect(ended.reviewOpened).toBe(true)
    const [review] = await createReviewService(h).list({})
    expect(review!.id).toBe(2_200_000_000)
    expect((await cli(target, 'session', 'show', String(s.id))).code).toBe(0)
    expect((await cli(target, 'review', 'resolve', String(review!.id), '--outcome', 'cleared')).code).toBe(0)
    const after = await cli(target, '--json', 'session', 'list', '--all', '--after', '3000000001')
    expect(after.code, after.stderr).toBe(0)
    expect(JSON.parse(after.stdout).map((x: { id: number }) => x.id)).toEqual([s.id])
  })

  it('answers not found for an id nobody has, and INVALID_INPUT past 2^53 - 1, on every entry point', async () => {
    ensureBuilt()
    const target = await migrated()
    const big = '2147483648'
    for (const args of [
      ['session', 'show', big],
      ['session', 'end', big, '--as', 'support', '--reason', 'customer_abusive', '--yes'],
      ['review', 'resolve', big, '--outcome', 'cleared'],
    ]) {
      const r = await cli(target, ...args)
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(3)
    }
    expect((await cli(target, 'session', 'list', '--after', big)).code).toBe(0)
    const huge = await cli(target, 'session', 'show', '9007199254740993')
    expect(huge.code).toBe(2)
    oneLine(huge.stderr, 'INVALID_INPUT')

    const h = await openDatabase(target)
    onTestFinished(() => h.close())
    await createConfigStore(h, { clock: fixedClock(NOW) }).set('early_end_mitra_enabled', true, { actor: 'ops' })
    const closures = createClosureService(h, { clock: fixedClock(NOW) })
    const response = await handleEndSessionRequest({ sessionId: big, actorId: 'm-1', body: { reason: 'customer_left' } }, { closures })
    expect(response.status).toBe(404)
    const huge404 = await handleEndSessionRequest({ sessionId: '99999999999999999999', actorId: 'm-1', body: {} }, { closures })
    expect(huge404.status).toBe(404)
    await expect(closures.sweep({ sessionIds: [2_147_483_648] })).resolves.toMatchObject({ expired: 0 })
  })
})

describe('schemas db migrate must refuse', () => {
  it.each(['pg_catalog', 'pg_toast', 'pg_temp', 'information_schema'])('refuses ?schema=%s in one line, creating nothing', async (schema) => {
    ensureBuilt()
    const target = await emptyDatabase('postgres')
    const r = await cli(`${target}?schema=${schema}`, 'db', 'migrate')
    expect(r.code, r.stderr).toBe(2)
    oneLine(r.stderr, 'INVALID_INPUT')
    expect(r.stderr).toContain('system schema')
  })

  it('refuses a public that holds the backend’s own tables, naming them, before creating anything; db status says why', async () => {
    ensureBuilt()
    const target = await emptyDatabase('postgres')
    await admin(target, `create table sessions (id serial primary key, legacy text); create table app_config (k text primary key)`)
    const r = await cli(target, 'db', 'migrate')
    expect(r.code, r.stderr).toBe(2)
    oneLine(r.stderr, 'INVALID_INPUT')
    expect(r.stderr).toMatch(/app_config, sessions/)
    expect(r.stderr).toMatch(/\?schema=halo/)
    const c = new pg.Client({ connectionString: target })
    await c.connect()
    const { rows } = await c.query(`select table_name from information_schema.tables where table_schema = 'public' order by 1`)
    await c.end()
    expect(rows.map((x) => x.table_name)).toEqual(['app_config', 'sessions'])
    const status = await cli(target, 'db', 'status')
    expect(status.stdout).toMatch(/not a halo-admin database, and `db migrate` will refuse it/)
    // its own schema beside them is fine
    expect((await cli(`${target}?schema=halo`, 'db', 'migrate')).code).toBe(0)
  })

  it('bounds its own transactions, whatever the URL’s options switch off', async () => {
    const target = await emptyDatabase('postgres')
    const h = await openDatabase(`${target}?options=${encodeURIComponent('-c idle_in_transaction_session_timeout=0 -c lock_timeout=0')}`, { schema: 'halo' })
    onTestFinished(() => h.close())
    const seen = await h.engine.runMigrations(async (db) => {
      const { rows } = await sql<{ idle: string; lock: string; path: string }>`select current_setting('idle_in_transaction_session_timeout') as idle,
        current_setting('lock_timeout') as lock, current_setting('search_path') as path`.execute(db)
      return rows[0]
    })
    expect(seen).toEqual({ idle: '3s', lock: '5s', path: 'halo' })
  })
})
