/**
 * Bad input the CLI fuzz campaign (test/reliability/cli-fuzz.test.ts) found mishandled, each kept
 * as the case that showed it, named after what a user (or an embedding process) saw.
 */
import Database from 'better-sqlite3'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { main } from '../../src/cli/main.js'
import { cli, cliOn, tempDb } from './support/cli.js'
import { fingerprint } from '../support/fingerprint.mjs'

/** Runs `main` in this process with its output swallowed; returns what it wrote and the exit status. */
async function inProcess(args: readonly string[]): Promise<{ code: number | undefined; stdout: string; stderr: string }> {
  const { stdout, stderr } = process
  const write = { out: stdout.write, err: stderr.write }
  let out = ''
  let err = ''
  stdout.write = ((chunk: string | Uint8Array) => ((out += String(chunk)), true)) as typeof stdout.write
  stderr.write = ((chunk: string | Uint8Array) => ((err += String(chunk)), true)) as typeof stderr.write
  process.exitCode = undefined
  try {
    await main(['node', 'halo-admin', ...args])
  } finally {
    stdout.write = write.out
    stderr.write = write.err
  }
  const code = process.exitCode === undefined ? undefined : Number(process.exitCode)
  process.exitCode = undefined
  return { code, stdout: out, stderr: err }
}

afterEach(() => {
  process.exitCode = undefined
})

describe('main in a long-lived process', () => {
  it('adds no listener per call: the twelfth call prints no MaxListenersExceededWarning', async () => {
    const before = process.stdout.listenerCount('error')
    for (let i = 0; i < 12; i++) {
      const r = await inProcess(['session', 'show', 'x'])
      expect(r.code).toBe(2)
      expect(r.stderr).toMatch(/^error INVALID_INPUT: .*\n$/)
    }
    expect(process.stdout.listenerCount('error')).toBeLessThanOrEqual(before + 1)
  })

  it.each([[['--json']], [['--format', 'csv']]])('report closures --detail %j streams without leaving listeners on stdout', async (format) => {
    const db = tempDb()
    await inProcess(['--db', db, 'db', 'migrate'])
    const counts = () => ['close', 'error', 'finish', 'end', 'drain'].map((e) => process.stdout.listenerCount(e))
    const before = counts()
    for (let i = 0; i < 12; i++) {
      const r = await inProcess(['--db', db, 'report', 'closures', '--detail', ...format])
      expect(r.code).toBeUndefined()
      expect(r.stderr).toBe('')
    }
    expect(counts()).toEqual(before)
  })
})

describe('text stored verbatim and shown again', () => {
  it('flag history shows a note typed with a line break and terminal escapes on its one row, escaped', async () => {
    const db = tempDb()
    const note = 'rollout\nday 2\u001b[2J\u0007'
    expect((await cliOn(db, ['flag', 'set', 'early_end_mitra_enabled', 'true', '--note', note])).code).toBe(0)
    const r = await cliOn(db, ['flag', 'history'])
    expect(r.code).toBe(0)
    expect(r.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/)
    const rows = r.stdout.trimEnd().split('\n')
    expect(rows).toHaveLength(2)
    expect(rows[1]).toMatch(/rollout day 2\\u001b\[2J\\u0007$/)
    // --json still has it verbatim
    const json = JSON.parse((await cliOn(db, ['flag', 'history', '--json'])).stdout) as { note: string }[]
    expect(json[0]!.note).toBe(note)
  })
})

describe('commands that change nothing leave the file byte for byte as it was', () => {
  it('db migrate on an up-to-date SQLite file does not rewrite it', async () => {
    const db = tempDb()
    expect((await cliOn(db, ['db', 'migrate'])).code).toBe(0)
    const before = fingerprint(db)
    const r = await cliOn(db, ['db', 'migrate'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/up to date/)
    expect(fingerprint(db)).toBe(before)
  })
})

describe('help', () => {
  it.each([[['help']], [['help', 'session']], [['session', 'help']]])('halo-admin %j prints the help and exits 0, with nothing on stderr', async (args) => {
    const r = await cli(args)
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^Usage: halo-admin/)
  })

  it('a group without one of its commands is still a usage error, without the help on stdout', async () => {
    const r = await cli(['session'])
    expect(r.code).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(/^error INVALID_INPUT: halo-admin session needs a command: open, list, show, end, goodbye/)
  })
})

describe('a command line without its id', () => {
  it.each([[['session', 'end']], [['session', 'end', '--reason', 'other']], [['review', 'resolve']], [['session', 'goodbye', '--as', 'mitra']]])(
    'halo-admin %j names the missing id, not a required option (exit 2)',
    async (args) => {
      const r = await inProcess(args)
      expect(r).toEqual({ code: 2, stdout: '', stderr: "error INVALID_INPUT: missing required argument 'id'\n" })
    },
  )

  it('an id given still leads to the missing option', async () => {
    expect((await inProcess(['session', 'end', '5'])).stderr).toBe("error INVALID_INPUT: required option '--as <who>' not specified\n")
  })
})

describe('a PostgreSQL password in a mistyped line', () => {
  const PASSWORD = 'hunter2-Zq9'
  it.each([
    ['a mistyped option echoed back', ['--dbb=postgres://ops:hunter2-Zq9@db.internal/halo', 'flag', 'list']],
    ['a scheme with one slash, taken for a file path', ['--db', 'postgres:/ops:hunter2-Zq9@db.internal/halo', 'flag', 'list']],
    ['a URL with a space before it, taken for a file path', ['--db', ' postgres://ops:hunter2-Zq9@db.internal/halo', 'flag', 'list']],
    ['--db given --db=<url> as its value', ['--db', '--db=postgres://ops:hunter2-Zq9@db.internal/halo', 'flag', 'list']],
    ['a percent-encoded password echoed back', ['--dbb=postgres://ops:hunter2%2DZq9@db.internal/halo']],
  ])('is never printed: %s', async (_what, args) => {
    const r = await cli(args)
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/^error [A-Z_]+: .*\*\*\*/)
    expect(`${r.stdout}${r.stderr}`).not.toContain(PASSWORD)
    expect(`${r.stdout}${r.stderr}`).not.toContain('hunter2%2DZq9')
  })
})

describe('100 kB arguments', () => {
  it.each([
    ['--db', 'x'.repeat(100_000), 'flag', 'list'],
    ['--db', `a://${'b'.repeat(100_000)}`, 'flag', 'list'],
    [`--dbb=postgres://u:${'c'.repeat(100_000)}`],
  ])('are refused in well under a second of work: %#', async (...args) => {
    const started = performance.now()
    const r = await cli(args, { timeoutMs: 10_000 })
    expect(r.signal).toBeNull()
    // 3: a 100 kB path names no database (nothing is created for it)
    expect([2, 3, 6]).toContain(r.code)
    expect(r.stderr.split('\n')).toHaveLength(2)
    // a process starts in about 0.1-0.3 s here; the regular expression that looked for passwords in them took 20 s
    expect(performance.now() - started).toBeLessThan(5_000)
  })
})

describe('a database path with control characters in it', () => {
  const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/

  it('db migrate and db status print it escaped, and use the file as named', async () => {
    const db = join(dirname(tempDb()), 'x\u007fy\u001b[2J.db')
    const migrated = await cli(['--db', db, 'db', 'migrate'])
    expect(migrated.code).toBe(0)
    expect(migrated.stdout).not.toMatch(CONTROL)
    expect(migrated.stdout).toContain('x\\u007fy\\u001b[2J.db: ran ')
    expect(existsSync(db)).toBe(true)
    const status = await cli(['--db', db, 'db', 'status'])
    expect(status.code).toBe(0)
    expect(status.stdout).not.toMatch(CONTROL)
  })

  it('demo plays on the file as named and replaces it the second time', async () => {
    const db = join(dirname(tempDb()), 'demo\u0001.db')
    const first = await cliOn(db, ['demo'])
    expect(first.code).toBe(0)
    expect(first.stdout).not.toMatch(CONTROL)
    expect(existsSync(db)).toBe(true)
    const second = await cliOn(db, ['demo', '--json'])
    expect(second.code).toBe(0)
    expect((JSON.parse(second.stdout) as { replaced: string }).replaced).toBe('demo')
  })
})

describe('demo refusing a database that is not a demo', () => {
  const fileSet = (db: string) => fingerprint(db, { files: true })

  it('leaves a halo-admin database and its file set as they were (no -wal or -shm left behind)', async () => {
    const db = tempDb()
    expect((await cliOn(db, ['session', 'open', '--mitra', 'm-1', '--customer', 'c-1'])).code).toBe(0)
    const before = fileSet(db)
    const r = await cliOn(db, ['demo'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/^error INVALID_INPUT: .* is not a demo database \(it holds sessions/)
    expect(fileSet(db)).toBe(before)
  })

  it('refuses a SQLite file halo-admin did not create with exit 2, not an internal error, and leaves it alone', async () => {
    const db = tempDb()
    const foreign = new Database(db)
    foreign.exec('create table t (x); insert into t values (1)')
    foreign.close()
    const before = fileSet(db)
    const r = await cliOn(db, ['demo'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/^error INVALID_INPUT: .* is not a demo database \(it holds (1 table\(s\)|objects) halo-admin did not create/)
    expect(fileSet(db)).toBe(before)
  })
})

describe('the ends of the calendar', () => {
  it.each([[['report', 'closures', '--to', '9999-12-31']], [['report', 'closures', '--from', '9999-12-25', '--to', '9999-12-31', '--json']]])(
    '%j ends (the days after 9999-12-31 sorted before it, so the day list never ended)',
    async (args) => {
      const r = await cliOn(tempDb(), args, { timeoutMs: 10_000 })
      expect(r.signal).toBeNull()
      expect(r.code).toBe(0)
      expect(r.stdout).toMatch(/9999-12-31/)
    },
  )

  it.each([
    ['report', 'closures'],
    ['whatif', 'cap', '2'],
    ['simulate', '--days', '2', '--sessions', '2'],
  ])('HALO_NOW in the last hours of 9999 is refused as bad input, not an internal error: %s', async (...args) => {
    const r = await cliOn(tempDb(), args, { now: '9999-12-31T23:59:59.999Z' })
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/^error INVALID_INPUT: HALO_NOW "9999-12-31T23:59:59.999Z" is not an ISO-8601 time with a zone up to 9998-12-31/)
  })

  it('a business day before year 1000 is written with four digits', async () => {
    const db = tempDb()
    expect((await cliOn(db, ['flag', 'set', 'business_timezone', 'America/New_York'])).code).toBe(0)
    const r = await cliOn(db, ['report', 'closures', '--json'], { now: '1000-01-01T00:00:00Z' })
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ from: '0999-12-18', to: '0999-12-31' })
  })
})

describe('flag values typed loosely', () => {
  it('a time zone in another case is stored as the zone is spelt (other readers of app_config match names exactly)', async () => {
    const db = tempDb()
    const set = await cliOn(db, ['flag', 'set', 'business_timezone', 'america/new_york'])
    expect(set.code).toBe(0)
    expect(set.stdout).toMatch(/business_timezone: Asia\/Jakarta → America\/New_York/)
    expect((await cliOn(db, ['flag', 'get', 'business_timezone'])).stdout).toBe('America/New_York\n')
    const same = await cliOn(db, ['flag', 'set', 'business_timezone', 'AMERICA/NEW_YORK'])
    expect(same.stdout).toMatch(/business_timezone is already America\/New_York; nothing changed/)
  })
})
