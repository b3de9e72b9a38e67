/**
 * Contract §6 (issue 19): only `db migrate`, `demo` and `simulate` create a database or schema. Every
 * other command, given a target that holds no halo-admin database (a typo, the default ./halo.db in a
 * new directory, a variable the shell did not expand, a mistyped `?schema=`), exits 3 with one line
 * naming it and how to create one, and creates nothing; `:memory:` in any spelling is refused (exit 2).
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createTestDatabase, ON_POSTGRES } from '../support/engines.js'
import { cli, errorLine, tempDb } from './support/cli.js'

const env = { HALO_NOW: '2026-11-24T03:00:00Z', HALO_ACTOR: 'ops-test' }

function emptyDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'halo-nonew-'))
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

const COMMANDS: readonly (readonly string[])[] = [
  ['flag', 'set', 'early_end_mitra_enabled', 'false', '--note', 'kill switch'],
  ['flag', 'reset', 'early_end_mitra_daily_cap'],
  ['flag', 'list'],
  ['flag', 'get', 'early_end_mitra_enabled'],
  ['flag', 'history'],
  ['session', 'list'],
  ['session', 'show', '1'],
  ['session', 'open', '--mitra', 'm-1', '--customer', 'c-1'],
  ['sweep'],
  ['review', 'list'],
  ['report', 'cap'],
  ['report', 'closures'],
  ['whatif', 'cap', '2'],
  ['events'],
  ['db', 'status'],
  ['db', 'check'],
]

describe('a target with no halo-admin database', () => {
  it.each(COMMANDS.map((c) => [c.join(' '), c]))('%s on a mistyped path exits 3, names it and how to create it, and creates no file', async (_name, args) => {
    const dir = emptyDir()
    const typo = join(dir, 'halo.bd')
    const r = await cli(['--db', typo, ...args], { cwd: dir, env })
    expect(r.code).toBe(3)
    expect(r.stdout).toBe('')
    const line = errorLine(r)
    expect(line.code).toBe('DATABASE_NOT_FOUND')
    expect(line.message).toContain(`${typo} holds no halo-admin database`)
    expect(line.message).toMatch(/create one with `node \S+halo-admin\.js --db \S+halo\.bd db migrate`/)
    expect(readdirSync(dir)).toEqual([])
  })

  it('the default ./halo.db in a new directory: exit 3, with db migrate and demo to create one', async () => {
    const dir = emptyDir()
    const r = await cli(['flag', 'set', 'early_end_mitra_enabled', 'false'], { cwd: dir, env })
    expect(r.code).toBe(3)
    expect(errorLine(r).message).toMatch(
      /^\.\/halo\.db holds no halo-admin database: there is no such file; create one with `[^`]+ db migrate`, or a demo database with `[^`]+ demo`$/,
    )
    expect(readdirSync(dir)).toEqual([])
  })

  it('an unexpanded variable in HALO_DB or --db is named as one, and nothing is created', async () => {
    const dir = emptyDir()
    for (const [args, extra] of [
      [[], { HALO_DB: '$DATABASE_URL' }],
      [['--db', '${DATABASE_URL}'], {}],
    ] as const) {
      const r = await cli([...args, 'flag', 'set', 'early_end_mitra_enabled', 'false'], { cwd: dir, env: { ...env, ...extra } })
      expect(r.code).toBe(3)
      expect(errorLine(r).message).toMatch(/a shell variable that was not expanded/)
    }
    expect(readdirSync(dir)).toEqual([])
  })

  it('an existing empty file is not a halo-admin database either (exit 3) and stays empty', async () => {
    const dir = emptyDir()
    const file = join(dir, 'empty.db')
    writeFileSync(file, '')
    const r = await cli(['--db', file, 'flag', 'list'], { cwd: dir, env })
    expect(r.code).toBe(3)
    expect(errorLine(r).message).toMatch(/the file has no halo-admin tables/)
  })

  it.each([' :memory:', ':memory: ', ':MEMORY:', '\t:memory:\n'])('--db %j is refused (exit 2) by every command, creating nothing', async (target) => {
    const dir = emptyDir()
    for (const args of [['flag', 'set', 'early_end_mitra_enabled', 'false'], ['db', 'migrate'], ['demo']]) {
      const r = await cli(['--db', target, ...args], { cwd: dir, env })
      expect(r.code).toBe(2)
      expect(errorLine(r).message).toMatch(/is a database that vanishes/)
    }
    expect(readdirSync(dir)).toEqual([])
  })

  it('db migrate creates the file, and then every command works on it', async () => {
    const dir = emptyDir()
    const file = join(dir, 'new.db')
    expect((await cli(['--db', file, 'db', 'migrate'], { cwd: dir, env })).code).toBe(0)
    expect(existsSync(file)).toBe(true)
    const r = await cli(['--db', file, 'flag', 'set', 'early_end_mitra_enabled', 'true'], { cwd: dir, env })
    expect(r.code, r.stderr).toBe(0)
  })

  it('simulate and demo create theirs', async () => {
    for (const args of [['simulate', '--sessions', '10', '--days', '1'], ['demo']]) {
      const dir = emptyDir()
      const file = join(dir, 'made.db')
      const r = await cli(['--db', file, ...args], { cwd: dir, env })
      expect(r.code, r.stderr).toBe(0)
      expect(existsSync(file)).toBe(true)
    }
  })

  it('an existing halo-admin database is used as it is', async () => {
    const db = tempDb()
    expect((await cli(['--db', db, 'flag', 'get', 'early_end_mitra_enabled'], { env })).stdout).toBe('false\n')
  })
})

describe.runIf(ON_POSTGRES)('a PostgreSQL target with no halo-admin schema', () => {
  it('a mistyped ?schema= exits 3 and the schema is not created', async () => {
    const db = await createTestDatabase('postgres')
    onTestFinished(db.drop)
    const target = `${db.target}${db.target.includes('?') ? '&' : '?'}schema=hallo`
    for (const args of [
      ['flag', 'set', 'early_end_mitra_enabled', 'false'],
      ['session', 'list'],
      ['db', 'status'],
    ]) {
      const r = await cli(['--db', target, ...args], { env })
      expect(r.code, r.stderr).toBe(3)
      expect(errorLine(r).code).toBe('DATABASE_NOT_FOUND')
    }
    const client = new pg.Client({ connectionString: db.target })
    await client.connect()
    try {
      const { rows } = await client.query(`select count(*)::int as n from information_schema.schemata where schema_name = 'hallo'`)
      expect(rows[0].n).toBe(0)
    } finally {
      await client.end()
    }
    // db migrate is the one that creates it
    expect((await cli(['--db', target, 'db', 'migrate'], { env })).code).toBe(0)
    expect((await cli(['--db', target, 'flag', 'get', 'early_end_mitra_enabled'], { env })).stdout).toBe('false\n')
  })
})
