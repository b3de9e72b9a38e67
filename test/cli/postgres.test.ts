/**
 * The CLI pointed at PostgreSQL with --db or HALO_DB: migrations are explicit
 * (`db migrate`), the commands work as on SQLite, and the URL's password never
 * shows in any output, error or JSON.
 */
import pg from 'pg'
import { describe, expect, it, onTestFinished } from 'vitest'
import { withDatabase } from '../global-setup.js'
import { createTestDatabase, testServer } from '../support/engines.js'
import { cli, errorLine } from './support/cli.js'

const SECRET = 'Pa:ss@w/rd-42'

/** The URL with a password in it (the test server trusts local connections, so any password gets in). */
function withPassword(url: string): string {
  const u = new URL(url)
  u.password = SECRET
  return u.toString()
}

async function emptyDatabase(): Promise<string> {
  const admin = new pg.Client({ connectionString: testServer().adminUrl })
  await admin.connect()
  const name = `halo_cli_${process.pid}_${Date.now().toString(36)}`
  await admin.query(`create database ${name}`)
  await admin.end()
  onTestFinished(async () => {
    const c = new pg.Client({ connectionString: testServer().adminUrl })
    await c.connect()
    await c.query(`drop database if exists ${name} with (force)`)
    await c.end()
  })
  return withDatabase(testServer().adminUrl, name)
}

const env = { HALO_NOW: '2026-11-24T03:00:00Z', HALO_ACTOR: 'ops-pg' }
const secretFree = (...texts: string[]) => {
  for (const t of texts) {
    expect(t).not.toContain(SECRET)
    expect(t).not.toContain(encodeURIComponent(SECRET))
  }
}

describe('halo-admin on PostgreSQL', () => {
  it('asks for db migrate on a new database instead of migrating a shared server behind ops’ back', async () => {
    const url = withPassword(await emptyDatabase())
    const refused = await cli(['--db', url, 'flag', 'list'], { env })
    expect(refused.code).toBe(3)
    expect(errorLine(refused).message).toMatch(/halo-admin(\.js)? db migrate/)
    const migrated = await cli(['--db', url, 'db', 'migrate'], { env })
    expect(migrated).toMatchObject({ code: 0, stderr: '' })
    expect(migrated.stdout).toContain(':***@')
    const set = await cli(['flag', 'set', 'early_end_mitra_enabled', 'true'], { env: { ...env, HALO_DB: url } })
    expect(set).toMatchObject({ code: 0, stdout: 'early_end_mitra_enabled: false → true (audited as ops-pg, change #1)\n' })
    const get = await cli(['--db', url, 'flag', 'get', 'early_end_mitra_enabled'], { env })
    expect(get.stdout).toBe('true\n')
    secretFree(refused.stdout, refused.stderr, migrated.stdout, migrated.stderr, set.stdout, set.stderr)
  })

  it('shows the target masked in db status, text and JSON', async () => {
    const db = await createTestDatabase('postgres')
    onTestFinished(db.drop)
    const url = withPassword(db.target)
    const text = await cli(['--db', url, 'db', 'status'], { env })
    const json = await cli(['--db', url, '--json', 'db', 'status'], { env })
    expect(text.code).toBe(0)
    expect(JSON.parse(json.stdout)).toMatchObject({ engine: 'postgres', state: 'current', target: expect.stringContaining(':***@') })
    secretFree(text.stdout, text.stderr, json.stdout, json.stderr)
  })

  it.each([
    ['a database that does not exist', (u: URL) => (u.pathname = '/no_such_database_here')],
    ['a port nobody listens on', (u: URL) => (u.port = '1')],
  ])('gives exit 6 and one line without the password for %s', async (_what, spoil) => {
    const u = new URL(withPassword(testServer().adminUrl))
    spoil(u)
    for (const json of [false, true]) {
      const r = await cli(['--db', u.toString(), ...(json ? ['--json'] : []), 'flag', 'get', 'early_end_mitra_enabled'], { env })
      expect(r.code).toBe(6)
      expect(r.stdout).toBe('')
      if (json) expect(JSON.parse(r.stderr).error.code).toBe('DB_ERROR')
      else expect(errorLine(r).code).toBe('DB_ERROR')
      secretFree(r.stderr)
    }
  })

  it('ends the masked URL where the URL ends, the schema and the words after it intact', async () => {
    const u = new URL(withPassword(testServer().adminUrl))
    u.port = '1'
    u.searchParams.set('schema', 'halo')
    const r = await cli(['--db', u.toString(), 'flag', 'list'], { env })
    expect(r.code).toBe(6)
    const { message } = errorLine(r)
    expect(message).toContain('?schema=halo: the database is unavailable')
    expect(message).not.toContain('%3A')
    secretFree(r.stderr)
  })

  it('runs db check without the SQLite file check', async () => {
    const db = await createTestDatabase('postgres')
    onTestFinished(db.drop)
    const text = await cli(['--db', db.target, 'db', 'check'], { env })
    const json = await cli(['--db', db.target, '--json', 'db', 'check'], { env })
    expect([text.code, json.code]).toEqual([0, 0])
    expect(text.stdout).not.toContain('sqlite')
    const checks = (JSON.parse(json.stdout) as { checks: { name: string }[] }).checks.map((c) => c.name)
    expect(checks).toContain('closure_rollup')
    expect(checks).not.toContain('sqlite_integrity')
  })
})
