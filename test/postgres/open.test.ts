/**
 * Pointing the library at PostgreSQL: `postgres://` and `postgresql://` URLs,
 * `$HALO_DB`, the pool size, what the server sees of our connections, and
 * that a password never shows.
 */
import { sql } from 'kysely'
import { describe, expect, it, onTestFinished } from 'vitest'
import pg from 'pg'
import { HaloError, migrateToLatest, migrationStatus, openDatabase, schemaState } from '../../src/index.js'
import { createTestDatabase } from '../support/engines.js'

async function target(): Promise<string> {
  const db = await createTestDatabase('postgres')
  onTestFinished(db.drop)
  return db.target
}

describe('openDatabase on PostgreSQL', () => {
  it('leaves no connection open after close(), whatever the handle did (plain reads, migrations)', async () => {
    const url = await target()
    const name = new URL(url).pathname.slice(1)
    for (const use of [(h: Awaited<ReturnType<typeof openDatabase>>) => schemaState(h), (h: Awaited<ReturnType<typeof openDatabase>>) => migrateToLatest(h)]) {
      const h = await openDatabase(url, { lazy: true })
      await use(h)
      await h.close()
    }
    const admin = new pg.Client({ connectionString: url })
    await admin.connect()
    onTestFinished(() => admin.end())
    const { rows } = await admin.query(`select count(*)::int as n from pg_stat_activity where datname = $1 and application_name = 'halo-admin'`, [name])
    expect(rows[0].n).toBe(0)
  })

  it('takes postgresql:// as well as postgres://', async () => {
    const url = (await target()).replace(/^postgres:/, 'postgresql:')
    const h = await openDatabase(url)
    onTestFinished(() => h.close())
    expect(h.engineName).toBe('postgres')
    expect((await migrationStatus(h)).pending).toEqual([])
  })

  it('reads $HALO_DB when no target is given', async () => {
    const url = await target()
    const before = process.env.HALO_DB
    process.env.HALO_DB = url
    onTestFinished(() => {
      if (before === undefined) delete process.env.HALO_DB
      else process.env.HALO_DB = before
    })
    const h = await openDatabase()
    onTestFinished(() => h.close())
    expect(h.engineName).toBe('postgres')
    expect(h.target).toBe(url)
  })

  it('never opens more connections than poolSize', async () => {
    const h = await openDatabase(await target(), { poolSize: 3 })
    onTestFinished(() => h.close())
    const pids = await Promise.all(
      Array.from({ length: 12 }, () =>
        h.read(async (db) => (await sql<{ pid: number }>`select pg_backend_pid() as pid, pg_sleep(0.02)`.execute(db)).rows[0]!.pid),
      ),
    )
    expect(new Set(pids).size).toBeLessThanOrEqual(3)
    expect(new Set(pids).size).toBeGreaterThan(1)
  })

  it('names its connections halo-admin and sets lock and statement timeouts; the URL adds its own options on top', async () => {
    const url = await target()
    const h = await openDatabase(url)
    onTestFinished(() => h.close())
    const settings = async (db: typeof h.db) =>
      (
        await sql<{ app: string; lock: string; stmt: string }>`
          select current_setting('application_name') as app, current_setting('lock_timeout') as lock, current_setting('statement_timeout') as stmt`.execute(db)
      ).rows[0]
    expect(await settings(h.db)).toEqual({ app: 'halo-admin', lock: '5s', stmt: '30s' })
    const custom = await openDatabase(`${url}?application_name=backend-7&options=${encodeURIComponent('-c lock_timeout=2s')}`)
    onTestFinished(() => custom.close())
    // the URL's options come after ours: its lock_timeout wins, and the statement timeout it does not name stays
    expect(await settings(custom.db)).toEqual({ app: 'backend-7', lock: '2s', stmt: '30s' })
  })

  it('masks the password in target and in errors', async () => {
    const url = new URL(await target())
    url.password = 'Pa:ss@w/rd-42'
    const h = await openDatabase(url.toString())
    onTestFinished(() => h.close())
    expect(h.target).toBe(url.toString().replace(/:[^:@/]*@/, ':***@'))
    url.pathname = '/halo_missing_db'
    const missing = await openDatabase(url.toString())
    onTestFinished(() => missing.close())
    const err = await migrationStatus(missing).catch((e: Error) => e)
    expect(err).toBeInstanceOf(HaloError)
    expect((err as HaloError).code).toBe('DB_ERROR')
    for (const shown of [h.target, missing.target, (err as Error).message]) {
      expect(shown).not.toContain('Pa:ss')
      expect(shown).not.toContain('Pa%3Ass')
      expect(shown).not.toContain('rd-42')
    }
  })
})
