/**
 * `halo-admin events`: the lifecycle feed from the command line, a page at a time or followed as it
 * happens (PostgreSQL wakes on NOTIFY, SQLite polls), ended with Ctrl-C.
 */
import { spawn } from 'node:child_process'
import { copyFileSync, renameSync, unlinkSync } from 'node:fs'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createTestDatabase, emptyDatabase } from '../support/engines.js'
import { shellWord } from '../../src/cli/next-command.js'
import { BIN, cli, cliOn, tempDb } from './support/cli.js'
import { ENGINES } from '../support/engines.js'

async function target(engine: 'sqlite' | 'postgres'): Promise<string> {
  if (engine === 'sqlite') return tempDb()
  const db = await createTestDatabase(engine)
  onTestFinished(db.drop)
  return db.target
}

describe.each(ENGINES)('halo-admin events on %s', (engine) => {
  it('pages through the events with the cursor it prints', async () => {
    const db = await target(engine)
    for (let i = 0; i < 3; i++) expect((await cliOn(db, ['session', 'open', '--mitra', 'm-1', '--customer', `c-${i}`])).code).toBe(0)
    const first = await cliOn(db, ['events', '--limit', '2'])
    expect(first.code).toBe(0)
    const lines = first.stdout.trimEnd().split('\n')
    // only the events on stdout; the next page's command, naming the same --db, on stderr
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatch(/^2026-11-24 10:00:00 WIB {2}session \d+ {2}opened +active +by system {2}\S+$/)
    expect((await cliOn(db, ['--utc', 'events', '--limit', '1'])).stdout).toMatch(/^2026-11-24 03:00:00 UTC {2}session \d+ {2}opened /)
    const more = /^more events; next page: {2}node \S*bin\/halo-admin.js --db (\S+) events --after (\S+) --limit 2$/.exec(first.stderr.trimEnd())
    expect(more, first.stderr).not.toBeNull()
    expect(more![1]).toBe(shellWord(db))
    const rest = JSON.parse((await cliOn(db, ['events', '--after', more![2]!, '--json'])).stdout) as { events: { event: string }[]; cursor: string }
    expect(rest.events.map((e) => e.event)).toEqual(['opened'])
    const bad = await cliOn(db, ['events', '--after', 'not-a-cursor'])
    expect(bad.code).toBe(2)
  })

  it('follows: prints what another process commits, and Ctrl-C ends it with 0', async () => {
    const db = await target(engine)
    expect((await cliOn(db, ['db', 'migrate'])).code).toBe(0)
    const f = follower(db)
    await f.until(() => f.err().includes('following'), 'never started following')
    expect(
      (await cli(['--db', db, 'session', 'open', '--mitra', 'm-9', '--customer', 'c-9'], { env: { HALO_NOW: '2026-11-24T03:00:00Z', HALO_ACTOR: 'ops' } }))
        .code,
    ).toBe(0)
    await f.until(() => f.out().includes('\n'), 'the event never came')
    expect(f.out().split('\n')[0]).toMatch(/^2026-11-24 10:00:00 WIB {2}session \d+ {2}opened +active +by system {2}\S+$/)
    f.child.kill('SIGINT')
    expect(await f.exit).toBe(0)
  })

  it("refuses another database's cursor with one line and exit 2", async () => {
    // migrated on its own (a copy of a template database is a copy, and shares the template's feed)
    const [db, other] = [await target(engine), engine === 'sqlite' ? tempDb() : await emptyDatabase(engine)]
    expect((await cliOn(other, ['db', 'migrate'])).code).toBe(0)
    for (const d of [db, other]) expect((await cliOn(d, ['session', 'open', '--mitra', 'm-1', '--customer', 'c-1'])).code).toBe(0)
    const theirs = (JSON.parse((await cliOn(other, ['events', '--json'])).stdout) as { cursor: string }).cursor
    const run = await cliOn(db, ['events', '--after', theirs])
    expect(run.code).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1)
    expect(run.stderr).toMatch(/the cursor is from another database/)
  })
})

describe('halo-admin events --follow on a SQLite file', () => {
  for (const how of ['replaced by a restore', 'removed'] as const) {
    it(`says so and exits 6 when the file is ${how}, instead of stalling`, async () => {
      const db = tempDb()
      expect((await cliOn(db, ['session', 'open', '--mitra', 'm-1', '--customer', 'c-1'])).code).toBe(0)
      copyFileSync(db, `${db}.backup`)
      const f = follower(db)
      await f.until(() => f.err().includes('following'), 'never started following')
      if (how === 'removed') unlinkSync(db)
      else renameSync(`${db}.backup`, db)
      const code = await Promise.race([f.exit, new Promise((r) => setTimeout(() => r('still following'), 8000))])
      expect(code).toBe(6)
      expect(f.err()).toMatch(
        how === 'removed' ? /the database file \S+ was removed while this process had it open/ : /the database file \S+ was replaced \(a restore\?\)/,
      )
      expect(f.out()).toBe('')
    })
  }
})

/** `halo-admin events --follow` on `db`, running: its output so far, a way to wait for it, its exit status. */
function follower(db: string) {
  const child = spawn(process.execPath, [BIN, '--db', db, 'events', '--follow'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', HALO_NOW: '2026-11-24T03:00:00Z' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  onTestFinished(() => {
    child.kill('SIGKILL')
  })
  let out = ''
  let err = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const exit = new Promise<number | null>((resolve) => child.on('close', resolve))
  return {
    child,
    exit,
    out: () => out,
    err: () => err,
    async until(test: () => boolean, what: string) {
      for (let i = 0; i < 300 && !test(); i++) await new Promise((r) => setTimeout(r, 20))
      if (!test()) throw new Error(`${what}; stdout ${out}; stderr ${err}`)
    },
  }
}
