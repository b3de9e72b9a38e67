/**
 * Production PostgreSQL is pooled: the library and the CLI through a real PgBouncer (Debian's, its
 * default settings) in transaction and in session mode. Before issue 18 every connection failed
 * (`unsupported startup parameter: options`); with that parameter ignored, named statements
 * `halo_1…` collided across clients (another client's statement text ran), and migrating a schema
 * through a host's pool left `search_path` set on the pooler's server connections.
 */
import { sql } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { HaloError, UserType, createClosureService, createConfigStore, fixedClock, migrateToLatest, openDatabase } from '../../src/index.js'
import { emptyDatabase, testServer } from '../support/engines.js'
import { ensureBuilt } from '../support/fixtures.js'
import { startCluster } from '../support/pg-cluster.js'
import { startPgBouncer, type PgBouncer } from '../support/pgbouncer.js'
import { NOW } from '../support/time.js'
import { cli as runCli } from '../cli/support/cli.js'
import { raceProcesses } from './race.js'

/** The same database through PgBouncer: its port instead of the server's. */
function through(bouncer: PgBouncer, target: string): string {
  const u = new URL(target)
  u.port = String(bouncer.port)
  return u.toString()
}

/** The built CLI on `db` as ops-1, at the tests' fixed time. */
const cli = (db: string, ...args: string[]) => runCli(['--db', db, '--actor', 'ops-1', ...args], { env: { HALO_NOW: NOW }, timeoutMs: 60_000 })

/** What the server connections behind PgBouncer carry: probed from as many clients at once as the pooler has servers. */
async function serverState(
  url: string,
  clients = 12,
): Promise<Array<{ search_path: string; statement_timeout: string; lock_timeout: string; prepared: number }>> {
  const conns = await Promise.all(
    Array.from({ length: clients }, async () => {
      const c = new pg.Client({ connectionString: url })
      await c.connect()
      return c
    }),
  )
  try {
    // all inside open transactions at once: each holds a server connection of its own
    await Promise.all(conns.map((c) => c.query('begin')))
    const rows = await Promise.all(
      conns.map(async (c) => {
        const { rows } = await c.query(
          `select current_setting('search_path') as search_path, current_setting('statement_timeout') as statement_timeout,
                  current_setting('lock_timeout') as lock_timeout, (select count(*)::int from pg_prepared_statements) as prepared`,
        )
        return rows[0]
      }),
    )
    await Promise.all(conns.map((c) => c.query('commit')))
    return rows
  } finally {
    await Promise.all(conns.map((c) => c.end()))
  }
}

const MODES = ['transaction', 'session'] as const

describe.each(MODES)('through PgBouncer in %s mode', (mode) => {
  let bouncer: PgBouncer
  let admin: string

  beforeAll(async () => {
    ensureBuilt()
    admin = testServer().adminUrl
    bouncer = await startPgBouncer({ pgUrl: admin, mode })
  })
  afterAll(() => bouncer?.stop())

  it('runs every CLI command unchanged, migrations twice included', async () => {
    const target = through(bouncer, await emptyDatabase('postgres'))
    const steps: string[][] = [
      ['db', 'migrate'],
      ['db', 'migrate'],
      ['db', 'status'],
      ['flag', 'set', 'early_end_mitra_enabled', 'true', '--note', 'pooled'],
      ['flag', 'get', 'early_end_mitra_enabled'],
      ['flag', 'list'],
      ['flag', 'history'],
      ['session', 'open', '--mitra', 'm-1', '--customer', 'c-1'],
      ['session', 'list'],
      ['session', 'end', '1', '--as', 'mitra', '--actor', 'm-1', '--reason', 'customer_left', '--yes'],
      ['session', 'show', '1'],
      ['sweep'],
      ['review', 'list'],
      ['report', 'closures'],
      ['report', 'cap'],
      ['events', '--limit', '5'],
      ['db', 'check'],
    ]
    for (const step of steps) {
      const r = await cli(target, ...step)
      expect({ step: step.join(' '), code: r.code, stderr: r.stderr }).toEqual({ step: step.join(' '), code: 0, stderr: expect.any(String) })
    }
    expect((await cli(target, 'flag', 'get', 'early_end_mitra_enabled')).stdout.trim()).toBe('true')
    expect((await cli(target, '--json', 'session', 'show', '1')).stdout).toContain('"status": "closing"')
  }, 180_000)

  it('keeps the cap exact under four backend processes of mixed load, with no error beyond the refusals', async () => {
    const direct = await emptyDatabase('postgres')
    const setup = await openDatabase(direct)
    onTestFinished(() => setup.close())
    await migrateToLatest(setup)
    const config = createConfigStore(setup, { clock: fixedClock(NOW) })
    await config.set('early_end_mitra_enabled', true, { actor: 'ops' })
    await config.set('early_end_mitra_daily_cap', 3, { actor: 'ops' })
    const mitras = ['m-1', 'm-2', 'm-3', 'm-4', 'm-5']
    const closures = createClosureService(setup, { clock: fixedClock(NOW) })
    const sessions: Array<{ id: number; mitra: string }> = []
    for (let i = 0; i < 80; i++) {
      const mitra = mitras[i % mitras.length]!
      sessions.push({ id: (await closures.openSession({ customerId: `c-${i}`, mitraId: mitra })).id, mitra })
    }
    const shares = [0, 1, 2, 3].map((w) => sessions.filter((_, i) => i % 4 === w))
    const target = through(bouncer, direct)
    const results = await raceProcesses<{ outcomes: Record<string, number>; unexpected: string[] }>(
      'pooled-load-worker.mjs',
      shares.map((s) => [target, s.map((x) => x.id).join(','), s.map((x) => x.mitra).join(','), NOW]),
      60_000,
    )
    expect(results.flatMap((r) => r.unexpected)).toEqual([])
    const ends = results.reduce((n, r) => n + (r.outcomes['end:ok'] ?? 0), 0)
    const capped = results.reduce((n, r) => n + (r.outcomes['end:DAILY_CAP_REACHED'] ?? 0), 0)
    // 16 sessions per mitra, cap 3: exactly 3 early ends each, the rest refused at the cap
    expect({ ends, capped }).toEqual({ ends: 15, capped: 65 })
    const { rows } = await sql<{
      mitra_id: string
      n: number
    }>`select mitra_id, count(*)::int as n from session_closures group by mitra_id order by mitra_id`.execute(setup.db)
    expect(rows).toEqual(mitras.map((m) => ({ mitra_id: m, n: 3 })))
    // and nothing of it stayed behind on the server connections the pooler hands to others
    for (const s of await serverState(target)) expect(s).toEqual({ search_path: '"$user", public', statement_timeout: '0', lock_timeout: '0', prepared: 0 })
  }, 90_000)

  it('migrates its own schema through a busy host pool without touching the host’s queries', async () => {
    const direct = await emptyDatabase('postgres')
    const host = new pg.Client({ connectionString: direct })
    await host.connect()
    // the backend's own tables in public, with names the library also uses
    await host.query(`create table sessions (id serial primary key, legacy text not null default 'host'); insert into sessions default values`)
    await host.end()
    const target = through(bouncer, direct)
    const pool = new pg.Pool({ connectionString: target, max: 6 })
    onTestFinished(() => pool.end())
    let stop = false
    const failures: string[] = []
    let queries = 0
    const hostLoad = Promise.all(
      Array.from({ length: 4 }, async () => {
        while (!stop) {
          try {
            const { rows } = await pool.query(`select legacy from sessions limit 1`)
            if (rows[0]?.legacy !== 'host') failures.push(`read ${JSON.stringify(rows[0])}`)
            queries++
          } catch (e) {
            failures.push(String((e as Error).message))
          }
        }
      }),
    )
    try {
      for (const schema of ['halo', 'halo_two']) {
        const handle = await openDatabase(pool, { schema })
        await migrateToLatest(handle)
        await createConfigStore(handle, { clock: fixedClock(NOW) }).set('early_end_mitra_enabled', true, { actor: 'ops' })
        await handle.close()
      }
    } finally {
      stop = true
      await hostLoad
    }
    expect(failures).toEqual([])
    expect(queries).toBeGreaterThan(10)
    // no lock of a migration stays behind on a server connection (kysely's own is a session lock)
    const check = new pg.Client({ connectionString: direct })
    await check.connect()
    const { rows } = await check.query(`select count(*)::int as n from pg_locks where locktype = 'advisory'`)
    await check.end()
    expect(rows[0].n).toBe(0)
    for (const s of await serverState(target)) expect(s.search_path).toBe('"$user", public')
  }, 60_000)
})

describe('through PgBouncer across a server restart', () => {
  it('gives DB_ERROR at worst, never a raw error or a hang, and works again without a restart of its own', async () => {
    // durable commits: an immediate restart keeps what was acknowledged
    const cluster = await startCluster({ settings: { synchronous_commit: 'on' } })
    onTestFinished(() => cluster.stop())
    const bouncer = await startPgBouncer({ pgUrl: cluster.url, mode: 'transaction' })
    onTestFinished(() => bouncer.stop())
    const h = await openDatabase(bouncer.url, { poolSize: 2 })
    onTestFinished(() => h.close())
    await migrateToLatest(h)
    const config = createConfigStore(h, { clock: fixedClock(NOW) })
    await config.set('early_end_mitra_enabled', true, { actor: 'ops' })
    const closures = createClosureService(h, { clock: fixedClock(NOW) })
    const before = await closures.openSession({ customerId: 'c-1', mitraId: 'm-1' })

    cluster.restart()

    // each call either works or says DB_ERROR; within a few tries everything works again
    const outcomes: string[] = []
    let opened: number | undefined
    for (let i = 0; i < 20 && opened === undefined; i++) {
      try {
        opened = (await closures.openSession({ customerId: 'c-2', mitraId: 'm-1' })).id
      } catch (e) {
        outcomes.push(e instanceof HaloError ? e.code : `raw ${String(e)}`)
        await new Promise((r) => setTimeout(r, 250))
      }
    }
    expect(outcomes.filter((o) => o !== 'DB_ERROR')).toEqual([])
    expect(opened).toBeGreaterThan(before.id)
    const ended = await closures.initiateEarlyEnd(before.id, UserType.MITRA, { actorId: 'm-1', reason: 'customer_left' })
    expect(ended.status).toBe('closing')
    const get = await cli(bouncer.url, 'flag', 'get', 'early_end_mitra_enabled')
    expect({ code: get.code, stdout: get.stdout }).toEqual({ code: 0, stdout: 'true\n' })
  }, 120_000)
})
