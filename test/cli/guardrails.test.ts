/**
 * Guardrails of issue 10 as a user meets them on the command line: a target that would vanish is
 * refused (a cron line with an unset variable must not "apply" a kill switch that never lands), a
 * password never shows whatever it looks like, and database trouble is DB_ERROR or a plain refusal,
 * never an internal error.
 */
import Database from 'better-sqlite3'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createTestDatabase, emptyDatabase } from '../support/engines.js'
import { cli, cliOn, errorLine, newDbPath } from './support/cli.js'

const env = { HALO_NOW: '2026-11-24T03:00:00Z', HALO_ACTOR: 'ops-test' }

/** An empty directory to run in: nothing may appear in it. */
function emptyDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'halo-guard-'))
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

describe('targets that would vanish', () => {
  it.each([
    ['HALO_DB set but empty', [] as string[], { HALO_DB: '' }, /HALO_DB is set but empty/],
    ['HALO_DB of spaces', [] as string[], { HALO_DB: '  ' }, /HALO_DB is set but empty/],
    ["--db ''", ['--db', ''], {}, /--db is empty/],
    ['--db :memory:', ['--db', ':memory:'], {}, /:memory: is a database that vanishes/],
  ])('%s: flag set exits 2, writes nothing anywhere', async (_what, db, extra, message) => {
    const dir = emptyDir()
    const r = await cli([...db, 'flag', 'set', 'early_end_mitra_daily_cap', '7'], { cwd: dir, env: { ...env, ...extra } })
    expect(r.code).toBe(2)
    expect(r.stdout).toBe('')
    expect(errorLine(r)).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(message) })
    expect(readdirSync(dir)).toEqual([])
  })

  it('an unset HALO_DB still means ./halo.db, where flag get reads back what flag set wrote', async () => {
    const dir = emptyDir()
    expect((await cli(['db', 'migrate'], { cwd: dir, env })).code).toBe(0)
    expect((await cli(['flag', 'set', 'early_end_mitra_daily_cap', '7'], { cwd: dir, env })).code).toBe(0)
    expect((await cli(['flag', 'get', 'early_end_mitra_daily_cap'], { cwd: dir, env })).stdout).toBe('7\n')
  })

  it.each([
    ['mysql://root:pw@db/halo', /mysql:\/\/ is not a database halo-admin works with: give a SQLite file path or a postgres:\/\/ URL/],
    ['postgres:/u:pw@127.0.0.1/halo', /is not a PostgreSQL URL/],
  ])('%s is refused with what halo-admin takes, and no file is created', async (target, message) => {
    const dir = emptyDir()
    const r = await cli(['--db', target, 'flag', 'list'], { cwd: dir, env })
    expect(r.code).toBe(2)
    expect(errorLine(r).message).toMatch(message)
    expect(r.stderr).not.toContain('pw')
    expect(readdirSync(dir)).toEqual([])
  })
})

describe('passwords', () => {
  const secrets = ['p'.repeat(300), 'pa ss\tword', 'a/b/c', 'x@y:z%', 'e']

  it.each(secrets)('db status and its JSON show a PostgreSQL target with the password %j masked, and nothing else changed', async (password) => {
    const db = await createTestDatabase('postgres')
    onTestFinished(db.drop)
    const u = new URL(db.target)
    u.password = password
    const target = u.toString()
    for (const json of [[], ['--json']]) {
      const r = await cli(['--db', target, 'db', 'status', ...json], { env })
      expect(r.code, r.stderr).toBe(0)
      for (const text of [r.stdout, r.stderr]) {
        if (password !== 'e') {
          expect(text).not.toContain(password)
          expect(text).not.toContain(u.password)
        }
      }
      expect(r.stdout).toContain(`postgres://postgres:***@127.0.0.1:${u.port}/`)
    }
    // an unreachable server: the error line, text and JSON
    u.port = '1'
    for (const json of [[], ['--json']]) {
      const r = await cli(['--db', u.toString(), 'flag', 'list', ...json], { env })
      expect(r.code).toBe(6)
      if (password !== 'e') expect(r.stderr).not.toContain(password)
      expect(r.stderr).toContain('postgres://postgres:***@127.0.0.1:1/')
      expect(r.stderr).toMatch(/database/)
    }
  })

  it.each(['pa ss word', 'p'.repeat(300), 'pass%word'])('shows a password written into the URL by hand, unencoded (%j), only masked', async (password) => {
    const db = await createTestDatabase('postgres')
    onTestFinished(db.drop)
    const u = new URL(db.target)
    const raw = `postgres://postgres:${password}@127.0.0.1:${u.port}${u.pathname}`
    for (const json of [[], ['--json']]) {
      const r = await cli(['--db', raw, 'db', 'status', ...json], { env })
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout + r.stderr).not.toContain(password)
      expect(r.stdout).toContain(`postgres://postgres:***@127.0.0.1:${u.port}${u.pathname}`)
    }
  })

  it('refuses a URL whose password holds an unencoded / (it cannot be read), showing nothing after the scheme', async () => {
    const r = await cli(['--db', 'postgres://postgres:se/cr/et@127.0.0.1:5432/halo', 'db', 'status'], { env })
    expect(r.code).toBe(2)
    expect(errorLine(r).message).toMatch(/^postgres:\/\/\*\*\* is not a valid URL/)
    expect(r.stderr).not.toMatch(/se\/cr|cr\/et/)
  })

  it('takes a libpq key/value string as a PostgreSQL target: no file named after it, no password shown', async () => {
    const db = await createTestDatabase('postgres')
    onTestFinished(db.drop)
    const u = new URL(db.target)
    const dir = emptyDir()
    const conninfo = `host=127.0.0.1 port=${u.port} dbname=${u.pathname.slice(1)} user=postgres password='hunter 2'`
    const r = await cli(['--db', conninfo, 'db', 'status'], { cwd: dir, env })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain(`host=127.0.0.1 port=${u.port}`)
    expect(r.stdout).toContain('password=***')
    expect(r.stdout + r.stderr).not.toContain('hunter')
    expect(readdirSync(dir)).toEqual([])
  })
})

describe('database trouble is DB_ERROR or a plain refusal, never INTERNAL', () => {
  it('refuses a SQLite file whose kysely_migration is another application’s (exit 2), and leaves it alone', async () => {
    const file = newDbPath()
    const other = new Database(file)
    other.exec(`create table kysely_migration (name varchar(255) primary key, timestamp varchar(255) not null);
      insert into kysely_migration values ('2024_01_01_create_users', '2024-01-01T00:00:00Z'), ('2024_02_01_add_orders', '2024-02-01T00:00:00Z')`)
    other.close()
    const r = await cliOn(file, ['flag', 'list'])
    expect(r.code).toBe(2)
    expect(errorLine(r).message).toMatch(/is not a halo-admin database .*another application's migrations \(2024_01_01_create_users/)
    const after = new Database(file, { readonly: true })
    expect(after.prepare(`select name from sqlite_master where type = 'table' order by name`).all()).toEqual([{ name: 'kysely_migration' }])
    after.close()
  })

  it('refuses a PostgreSQL database whose kysely_migration is another application’s, in db migrate too', async () => {
    const db = await emptyDatabase('postgres')
    const c = new pg.Client({ connectionString: db })
    await c.connect()
    await c.query(`create table kysely_migration (name varchar(255) primary key, timestamp varchar(255) not null)`)
    await c.query(`insert into kysely_migration values ('20240101_users', '2024-01-01')`)
    await c.end()
    for (const args of [
      ['db', 'migrate'],
      ['flag', 'list'],
    ]) {
      const r = await cli(['--db', db, ...args], { env })
      expect(r.code, r.stderr).toBe(2)
      expect(errorLine(r).message).toMatch(/is not a halo-admin database/)
    }
  })

  it('says DB_ERROR for sslmode=require against a server without SSL, and for a bad options value', async () => {
    const db = await createTestDatabase('postgres')
    onTestFinished(db.drop)
    for (const query of ['sslmode=require', `options=${encodeURIComponent('-c no_such_setting=1')}`, `options=${encodeURIComponent('-c lock_timeout=soon')}`]) {
      const r = await cli(['--db', `${db.target}?${query}`, 'flag', 'list'], { env })
      expect(r.code, `${query}: ${r.stderr}`).toBe(6)
      expect(errorLine(r).code).toBe('DB_ERROR')
    }
  })

  it.each(['LATIN1', 'SQL_ASCII'])('refuses a %s database plainly (exit 2) before writing a non-ASCII note', async (encoding) => {
    const db = await emptyDatabase('postgres', `encoding '${encoding}' lc_collate 'C' lc_ctype 'C' template template0`)
    const migrate = await cli(['--db', db, 'db', 'migrate'], { env })
    expect(migrate.code, migrate.stderr).toBe(2)
    expect(errorLine(migrate).message).toMatch(new RegExp(`encoding is ${encoding}: halo-admin needs a UTF8 database`))
  })
})
