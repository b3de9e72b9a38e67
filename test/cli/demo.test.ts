/**
 * `halo-admin demo`, the first thing a new user runs: it makes a fresh demo
 * database, tells what happened in it, and every command it suggests then
 * works on that database. It replaces its own demo files, never anyone
 * else's database without --force.
 */
import Database from 'better-sqlite3'
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import pg from 'pg'
import { onTestFinished, describe, expect, it } from 'vitest'
import { businessDay } from '../../src/core/business-day.js'
import { migrateToLatest, openDatabase } from '../../src/index.js'
import { ON_POSTGRES, testServer } from '../support/engines.js'
import { ensureBuilt } from '../support/fixtures.js'
import { NOW, sleep } from '../support/time.js'
import { BIN, cli, cliOn, errorLine, ROOT, newDbPath, type CliRun } from './support/cli.js'
import { shell, type Person } from './support/terminal.js'

interface Step {
  command: string
}

/** What the demo printed under "Try next:", line by line as a person would copy them (the `# why` beside each left off). */
function printedSteps(stdout: string): string[] {
  const lines = stdout.split('\n')
  const from = lines.indexOf('Try next:') + 1
  expect(from).toBeGreaterThan(0)
  const to = lines.indexOf('', from)
  return lines.slice(from, to === -1 ? undefined : to).map((l) => l.trim().replace(/ {2,}# .*$/, ''))
}

/** The command words after the way halo-admin is run (`node bin/halo-admin.js`, `npx halo-admin`), for the list of what is offered. */
const offered = (steps: readonly string[], runAs: string) =>
  steps
    .filter((s) => s.startsWith(`${runAs} `))
    .map((s) =>
      s
        .slice(runAs.length + 1)
        .split(' ')
        .slice(0, 2)
        .join(' '),
    )

const OFFERED = [
  'flag list',
  'flag history',
  'session list',
  'session show',
  'session end',
  'review list',
  'review resolve',
  'report closures',
  'report closures',
  'report cap',
  'whatif cap',
  'sweep',
  'db check',
  'tui',
]

/**
 * Runs every printed step in a person's shell (bash in a real terminal, in `cwd`, with `env`), each
 * typed exactly as printed. Where a command asks, the person answers: Ya, Akhiri to `session end`,
 * q to the TUI, the password to the line that reads it. Every step must exit 0.
 */
async function runAsPrinted(steps: readonly string[], options: { cwd: string; env: Record<string, string>; password?: string }): Promise<string> {
  const sh = shell({ cwd: options.cwd, env: options.env })
  const codes: Record<string, number> = {}
  for (const step of steps) {
    const answer = / session end /.test(step)
      ? async (t: Person) => {
          await t.waitFor('Ya, Akhiri')
          await t.keys('Down')
          await t.waitFor('❯ Ya, Akhiri')
          await t.keys('Enter')
        }
      : / tui$/.test(step)
        ? async (t: Person) => {
            await t.waitFor('early_end_mitra_enabled')
            await t.keys('q')
          }
        : /\bread\b.*PGPASSWORD/.test(step)
          ? async (t: Person) => {
              await sleep(300)
              await t.type(options.password ?? '')
              await t.keys('Enter')
            }
          : undefined
    codes[step] = await sh.run(step, answer)
  }
  expect(codes).toEqual(Object.fromEntries(steps.map((s) => [s, 0])))
  return sh.history()
}

/** `args` through npx from `cwd`, with `env` (and PATH, HOME, LANG) only. */
function npx(args: readonly string[], cwd: string, env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['--no-install', ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
  })
}

/** A project with halo-admin installed (node_modules/.bin/halo-admin is this one): where `npx halo-admin` runs it. */
function projectWithHaloAdmin(): string {
  ensureBuilt()
  const dir = dirname(newDbPath())
  writeFileSync(join(dir, 'package.json'), '{ "name": "uses-halo-admin", "private": true }\n')
  mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true })
  symlinkSync(ROOT, join(dir, 'node_modules', 'halo-admin'))
  symlinkSync(BIN, join(dir, 'node_modules', '.bin', 'halo-admin'))
  return dir
}

describe('halo-admin demo', () => {
  it('makes a fresh demo database, tells what happened, and every command it suggests runs as printed', { timeout: 180_000 }, async () => {
    const db = newDbPath()
    const run = await cliOn(db, ['demo'], { now: NOW })
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const out = run.stdout
    expect(out).toContain(`Demo database: ${db} (a new file)`)
    expect(out).toContain('early_end_mitra_enabled switched on, audited as halo-admin-demo')
    expect(out).toContain('2026-11-24 (today), step by step')
    expect(out).toMatch(/mitra-ayu ended #\d+ early \(other: "pelanggan minta lanjut besok"\): 3 of 3 today: the cap is reached, CC review #\d+ opened/)
    expect(out).toMatch(/mitra-ayu tried to end #\d+ early: refused, DAILY_CAP_REACHED/)
    expect(out).toMatch(/cust-07 \(customer\) tried to end #\d+ early: refused, EARLY_END_DISABLED/)
    expect(out).toMatch(/10:00 {2}sweep: 1 past its scheduled end moved to closing \(expired\), 4 past the grace window closed/)
    expect(out).toMatch(/^ {2}2026-11-24 [█▏▎▍▌▋▊▉]+\s+4$/m) // today's mitra early ends: budi 1, ayu 3
    expect(out).toMatch(/mitra-ayu\s+3 early ends, at the cap, review #\d+ open/)
    expect(out).toContain('The clock is fixed by HALO_NOW=2026-11-24T03:00:00.000Z')

    // --db given once: HALO_DB set once, not --db on every line; started as the demo was (node bin/halo-admin.js, from ROOT)
    const steps = printedSteps(out)
    expect(steps[0]).toBe(`export HALO_DB=${db}`)
    expect(offered(steps, 'node bin/halo-admin.js')).toEqual(OFFERED)
    expect(steps).toHaveLength(1 + OFFERED.length)
    await runAsPrinted(steps, { cwd: ROOT, env: { HALO_NOW: NOW, HALO_ACTOR: 'ops-test' } })
  })

  it('from a project that installed it: npx halo-admin demo on ./halo.db, then the steps as printed', { timeout: 180_000 }, async () => {
    const dir = projectWithHaloAdmin()
    const env = { HALO_NOW: NOW, HALO_ACTOR: 'ops-test' }
    const run = await npx(['halo-admin', 'demo'], dir, env)
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('Demo database: ./halo.db (a new file)')
    const steps = printedSteps(run.stdout)
    expect(offered(steps, 'npx halo-admin')).toEqual(OFFERED)
    expect(steps).toHaveLength(OFFERED.length) // the default database: nothing to set first
    await runAsPrinted(steps, { cwd: dir, env })
    // npx starts npm before each command: the line it offers to skip that starts this very program, in bash and fish
    const lines = run.stdout.split('\n')
    const alias = lines[lines.findIndex((l) => l.includes('define once')) + 1]!.trim()
    expect(alias).toBe(`alias halo-admin='node ${realpathSync(BIN)}'`)
    const history = await runAsPrinted([alias, 'halo-admin flag get early_end_mitra_enabled'], { cwd: dir, env })
    expect(history).toMatch(/^true$/m)
    const fish = spawnSync('fish', ['--no-config', '-c', `${alias}; halo-admin flag get early_end_mitra_enabled`], {
      cwd: dir,
      env: { ...env, PATH: process.env.PATH ?? '' },
      encoding: 'utf8',
    })
    expect(fish.stderr).toBe('')
    expect(fish.stdout).toBe('true\n')
  })

  it('runs on the system clock when HALO_NOW is unset', { timeout: 180_000 }, async () => {
    const db = newDbPath()
    const run = await cli(['--db', db, 'demo', '--json'], { env: { HALO_ACTOR: 'ops-test' } })
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const r = JSON.parse(run.stdout) as {
      fixedNow: string | null
      day: string
      steps: { at: string }[]
      setup: Step[]
      next: Step[]
      cap: { rows: { mitraId: string; standing: string }[] }
    }
    expect(r.fixedNow).toBeNull()
    // today, or yesterday when run in the first hour of a Jakarta day
    const now = new Date()
    expect([businessDay(now, 'Asia/Jakarta'), businessDay(new Date(now.getTime() - 62 * 60_000), 'Asia/Jakarta')]).toContain(r.day)
    expect(new Date(r.steps.at(-1)!.at).getTime()).toBeLessThanOrEqual(Date.now())
    expect(r.cap.rows.find((row) => row.mitraId === 'mitra-ayu')?.standing).toBe('at')
    await runAsPrinted(
      [...r.setup, ...r.next].map((s) => s.command),
      { cwd: ROOT, env: { HALO_ACTOR: 'ops-test' } },
    )
  })

  it('plays the scripted hour on the day before in the first hour of a business day, so the cap counts one day', async () => {
    const db = newDbPath()
    // 00:20 on 2026-11-25 in Jakarta
    const run = await cliOn(db, ['demo', '--json'], { now: '2026-11-24T17:20:00Z' })
    expect(run.code).toBe(0)
    const r = JSON.parse(run.stdout) as { day: string; cap: { day: string; rows: { mitraId: string; count: number; standing: string }[] }; reviewId: number }
    expect(r.day).toBe('2026-11-24')
    expect(r.cap.rows.find((row) => row.mitraId === 'mitra-ayu')).toMatchObject({ count: 3, standing: 'at' })
    expect(r.reviewId).toBeGreaterThan(0)
  })

  it('replaces its own demo database, read but unchanged since, with the same fresh story', async () => {
    const db = newDbPath()
    const first = await cliOn(db, ['demo', '--json'], { now: NOW })
    expect(first.code).toBe(0)
    // reading the demo changes nothing, so it stays demo's own
    for (const args of [
      ['flag', 'list'],
      ['session', 'list'],
      ['report', 'closures', '--by', 'reason'],
      ['review', 'list'],
      ['db', 'check'],
      ['whatif', 'cap', '2'],
    ])
      expect((await cliOn(db, args, { now: NOW })).code).toBe(0)
    const second = await cliOn(db, ['demo', '--json'], { now: NOW })
    expect(second.stderr).toBe('')
    expect(second.code).toBe(0)
    const a = JSON.parse(first.stdout) as Record<string, unknown>
    const b = JSON.parse(second.stdout) as Record<string, unknown>
    expect(a.replaced).toBe('new')
    expect(b.replaced).toBe('demo')
    expect({ ...b, replaced: 'new' }).toEqual(a)
    const history = JSON.parse((await cliOn(db, ['flag', 'history', '--json'], { now: NOW })).stdout) as { actor: string }[]
    expect(history.map((c) => c.actor)).toEqual(['halo-admin-demo'])
  })

  it('treats a demo database someone changed as data: exit 2 and untouched unless --force', async () => {
    const db = newDbPath()
    expect((await cliOn(db, ['demo'], { now: NOW })).code).toBe(0)
    expect((await cliOn(db, ['flag', 'set', 'early_end_mitra_daily_cap', '5', '--note', 'real use'], { now: NOW })).code).toBe(0)
    const before = readFileSync(db)
    const refused = await cliOn(db, ['demo'], { now: NOW })
    expect(refused.code).toBe(2)
    expect(errorLine(refused).message).toMatch(/is not a demo database \(it holds a demo database changed since demo wrote it at 2026-11-24T/)
    expect(readFileSync(db).equals(before)).toBe(true)
    expect((await cliOn(db, ['demo', '--force'], { now: NOW })).code).toBe(0)
  })

  it('cannot be made to delete a database by an actor named like the demo', async () => {
    const db = newDbPath()
    const forged = ['--actor', 'halo-admin-demo', 'flag', 'set', 'early_end_mitra_enabled', 'true']
    expect((await cliOn(db, ['db', 'migrate'], { now: NOW })).code).toBe(0)
    expect((await cliOn(db, forged, { now: NOW })).code).toBe(0)
    const before = readFileSync(db)
    const refused = await cliOn(db, ['demo'], { now: NOW })
    expect(refused.code).toBe(2)
    expect(errorLine(refused).message).toContain('is not a demo database (it holds flag changes)')
    expect(readFileSync(db).equals(before)).toBe(true)
  })

  it('refuses to replace a database that is not a demo (exit 2, untouched) unless --force', async () => {
    const db = newDbPath()
    expect((await cliOn(db, ['db', 'migrate'], { now: NOW })).code).toBe(0)
    expect((await cliOn(db, ['flag', 'set', 'early_end_mitra_enabled', 'true', '--note', 'real rollout'], { now: NOW })).code).toBe(0)
    const before = readFileSync(db)

    const refused = await cliOn(db, ['demo'], { now: NOW })
    expect(refused.code).toBe(2)
    expect(refused.stdout).toBe('')
    const e = errorLine(refused)
    expect(e.code).toBe('INVALID_INPUT')
    expect(e.message).toContain(`${db} is not a demo database (it holds flag changes)`)
    expect(e.message).toContain('--force')
    expect(readFileSync(db).equals(before)).toBe(true)
    const history = JSON.parse((await cliOn(db, ['flag', 'history', '--json'], { now: NOW })).stdout) as { actor: string; note: string }[]
    expect(history).toMatchObject([{ actor: 'ops-test', note: 'real rollout' }])

    const forced = await cliOn(db, ['demo', '--force'], { now: NOW })
    expect(forced.code).toBe(0)
    expect(forced.stdout).toContain('(it replaced a database that was not a demo (--force))')
  })

  it('refuses a file that is not a halo-admin database at all, and leaves it as it was', async () => {
    const file = newDbPath('notes.txt')
    writeFileSync(file, 'my notes, not a database\n')
    const run = await cliOn(file, ['demo'], { now: NOW })
    expect(run.code).toBe(2)
    expect(errorLine(run).message).toMatch(/is not a demo database \(it holds not a database this halo-admin can read/)
    expect(readFileSync(file, 'utf8')).toBe('my notes, not a database\n')
  })

  it('uses an empty database as it is: nothing to lose', async () => {
    const db = newDbPath()
    // created and migrated by db migrate, nothing written
    expect((await cliOn(db, ['db', 'migrate'], { now: NOW })).code).toBe(0)
    const run = await cliOn(db, ['demo'], { now: NOW })
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('(it replaced an empty database)')
  })

  it.each([
    ['a table', 'create table my_notes (t text)'],
    ['a view', 'create view open_sessions as select * from sessions'],
    ['a trigger', 'create trigger audit_me after insert on sessions begin select 1; end'],
    ['an index', 'create index my_idx on sessions (customer_id)'],
  ])('refuses its own demo database once someone added %s to it (exit 2, untouched) unless --force', async (_what, ddl) => {
    const db = newDbPath()
    expect((await cliOn(db, ['demo'], { now: NOW })).code).toBe(0)
    const raw = new Database(db)
    raw.exec(ddl)
    raw.close()
    const before = readFileSync(db)
    const refused = await cliOn(db, ['demo'], { now: NOW })
    expect(refused.code).toBe(2)
    expect(errorLine(refused).message).toMatch(/objects halo-admin did not create \((table|view|trigger|index) /)
    expect(readFileSync(db).equals(before)).toBe(true)
    expect((await cliOn(db, ['demo', '--force'], { now: NOW })).code).toBe(0)
  })

  it('refuses a migrated database whose flags were set by SQL, with no audit row', async () => {
    const db = newDbPath()
    expect((await cliOn(db, ['db', 'migrate'], { now: NOW })).code).toBe(0)
    const raw = new Database(db)
    raw
      .prepare(`insert into app_config (key, value, updated_at, updated_by) values ('early_end_mitra_enabled', 'true', '2026-11-24T03:00:00.000Z', 'psql')`)
      .run()
    raw.close()
    const refused = await cliOn(db, ['demo'], { now: NOW })
    expect(refused.code).toBe(2)
    expect(errorLine(refused).message).toMatch(/rows in app_config/)
  })
})

/**
 * A PostgreSQL database for `demo`, empty and migrated, of its own login role with a password; on the
 * run's own cluster the password is required (scram-sha-256 for that role), so a step that does not
 * pass it on fails. Dropped when the test ends.
 */
async function passwordDatabase(): Promise<{ url: string; password: string }> {
  const adminUrl = testServer().adminUrl
  const role = `halo_demo_${process.pid}_${Date.now().toString(36)}`
  const password = `pw-${Math.random().toString(36).slice(2)}-x`
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  try {
    await admin.query(`create role ${role} login password '${password}'`)
    await admin.query(`create database ${role} owner ${role}`)
  } finally {
    await admin.end()
  }
  const hba = testServer().dataDir === '' ? null : join(testServer().dataDir, 'data', 'pg_hba.conf')
  const before = hba === null ? '' : readFileSync(hba, 'utf8')
  if (hba !== null) writeFileSync(hba, `host all ${role} 127.0.0.1/32 scram-sha-256\n${before}`)
  onTestFinished(async () => {
    const c = new pg.Client({ connectionString: adminUrl })
    await c.connect()
    if (hba !== null) {
      writeFileSync(hba, readFileSync(hba, 'utf8').replace(`host all ${role} 127.0.0.1/32 scram-sha-256\n`, ''))
      await c.query('select pg_reload_conf()')
    }
    await c.query(`drop database if exists ${role} with (force)`)
    await c.query(`drop role if exists ${role}`)
    await c.end()
  })
  const u = new URL(adminUrl)
  u.username = role
  u.pathname = `/${role}`
  const withoutPassword = u.toString()
  u.password = password
  if (hba !== null) {
    const c = new pg.Client({ connectionString: adminUrl })
    await c.connect()
    await c.query('select pg_reload_conf()')
    await c.end()
    // the server rereads pg_hba.conf in its own time: until a password-less login fails
    for (let i = 0; ; i++) {
      const probe = new pg.Client({ connectionString: withoutPassword, password: '' })
      const refused = await probe.connect().then(
        () => false,
        () => true,
      )
      await probe.end().catch(() => {})
      if (refused) break
      if (i > 100) throw new Error('pg_hba.conf was not reloaded')
      await sleep(50)
    }
  }
  const h = await openDatabase(u.toString())
  await migrateToLatest(h)
  await h.close()
  return { url: u.toString(), password }
}

describe.runIf(ON_POSTGRES)('halo-admin demo on PostgreSQL with a password', () => {
  it('--db with the password: HALO_DB set without it, the password typed unseen, every step as printed', { timeout: 180_000 }, async () => {
    const { url, password } = await passwordDatabase()
    const env = { HALO_NOW: NOW, HALO_ACTOR: 'ops-test' }
    const run = await cli(['--db', url, 'demo'], { env })
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).not.toContain(password)
    expect(run.stdout).toMatch(/Demo database: postgres:\/\/halo_demo_\w+:\*\*\*@127\.0\.0\.1:\d+\/halo_demo_\w+ \(a new database\)/)
    const steps = printedSteps(run.stdout)
    const u = new URL(url)
    u.password = ''
    expect(steps.slice(0, 2)).toEqual([`export HALO_DB=${u.toString()}`, 'stty -echo; read -r PGPASSWORD; stty echo; export PGPASSWORD'])
    expect(offered(steps, 'node bin/halo-admin.js')).toEqual(OFFERED)
    const shown = await runAsPrinted(steps, { cwd: ROOT, env, password })
    expect(shown).not.toContain(password)
  })

  it('HALO_DB exported with the password: the steps use it as it is and never show it', { timeout: 180_000 }, async () => {
    const { url, password } = await passwordDatabase()
    const env = { HALO_NOW: NOW, HALO_ACTOR: 'ops-test', HALO_DB: url }
    const run = await cli(['demo'], { env })
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).not.toContain(password)
    const steps = printedSteps(run.stdout)
    expect(steps[0]).toBe('# HALO_DB, as exported in this shell, names the demo database')
    expect(offered(steps, 'node bin/halo-admin.js')).toEqual(OFFERED)
    const shown = await runAsPrinted(steps, { cwd: ROOT, env })
    expect(shown).not.toContain(password)
  })
})
