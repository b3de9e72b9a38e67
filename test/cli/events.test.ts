/**
 * `halo-admin events`: the lifecycle feed from the command line, a page at a time or followed as it
 * happens (PostgreSQL wakes on NOTIFY, SQLite polls), ended with Ctrl-C.
 */
import { spawn } from 'node:child_process'
import { copyFileSync, renameSync, unlinkSync } from 'node:fs'
import { describe, expect, it, onTestFinished } from 'vitest'
import { UserType } from '../../src/index.js'
import { createTestDatabase, emptyDatabase, ON_POSTGRES, setup } from '../support/engines.js'
import { startCluster } from '../support/pg-cluster.js'
import { BIN, cli, cliOn, errorLine, newDbPath, tempDb } from './support/cli.js'
import { ENGINES } from '../support/engines.js'

async function target(engine: 'sqlite' | 'postgres'): Promise<string> {
  if (engine === 'sqlite') return tempDb()
  const db = await createTestDatabase(engine)
  onTestFinished(db.drop)
  return db.target
}

describe.each(ENGINES)('halo-admin events on %s', (engine) => {
  it('lists the newest events first, and pages forward from a cursor oldest first', async () => {
    const db = await target(engine)
    for (let i = 0; i < 3; i++) expect((await cliOn(db, ['session', 'open', '--mitra', 'm-1', '--customer', `c-${i}`])).code).toBe(0)
    const first = await cliOn(db, ['events', '--limit', '2'])
    expect(first.code).toBe(0)
    const lines = first.stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatch(/^2026-11-24 10:00:00 WIB {2}session \d+ {2}opened +active +by system {2}#\d+$/)
    // newest first: the last session opened comes first
    const ids = lines.map((l) => Number(/session (\d+)/.exec(l)![1]))
    expect(ids[0]).toBeGreaterThan(ids[1]!)
    // stdout is only the events; the next page and the cursor to follow from are on stderr
    const older = /older: .* events --last 2 --before (\d+)$/m.exec(first.stderr)
    expect(older).not.toBeNull()
    const rest = await cliOn(db, ['events', '--last', '2', '--before', older![1]!])
    expect(
      rest.stdout
        .trimEnd()
        .split('\n')
        .map((l) => Number(/session (\d+)/.exec(l)![1])),
    ).toEqual([ids[1]! - 1])
    expect((await cliOn(db, ['--utc', 'events', '--limit', '1'])).stdout).toMatch(/^2026-11-24 03:00:00 UTC {2}session \d+ {2}opened /)
    // a cursor printed to follow from; --after pages forward, oldest first, with the cursor after each event
    const cursor = /follow on from here: .* events --follow --after (\S+)$/m.exec(first.stderr)![1]!
    expect((await cliOn(db, ['session', 'open', '--mitra', 'm-2', '--customer', 'c-9'])).code).toBe(0)
    const after = JSON.parse((await cliOn(db, ['events', '--after', cursor, '--json'])).stdout) as {
      events: { event: string; mitraId: string }[]
      cursor: string
    }
    expect(after.events.map((e) => [e.event, e.mitraId])).toEqual([['opened', 'm-2']])
    const bad = await cliOn(db, ['events', '--after', 'not-a-cursor'])
    expect(bad.code).toBe(2)
    expect(errorLine(await cliOn(db, ['events', '--after', cursor, '--last', '3'])).code).toBe('INVALID_INPUT')
    expect(errorLine(await cliOn(db, ['events', '--type', 'closed'])).message).toContain('expected one of opened, early_end, expired, goodbye, finalized')
  }, 120_000)

  it('filters by --since, --session, --mitra and --type; early ends show their reason; session show prints a cursor that --after takes', async () => {
    const t = await setup(engine, { now: '2026-11-23T03:00:00Z' })
    onTestFinished(t.cleanup)
    await t.config.set('early_end_mitra_enabled', true, { actor: 'seed' })
    const yesterday = await t.closures.openSession({ mitraId: 'm-1', customerId: 'c-1' })
    await t.closures.initiateEarlyEnd(yesterday.id, UserType.MITRA, { actorId: 'm-1', reason: 'customer_left' })
    t.clock.set('2026-11-24T02:00:00Z')
    const a = await t.closures.openSession({ mitraId: 'm-1', customerId: 'c-2' })
    const b = await t.closures.openSession({ mitraId: 'm-2', customerId: 'c-3' })
    await t.closures.initiateEarlyEnd(a.id, UserType.MITRA, { actorId: 'm-1', reason: 'other', note: 'minta lanjut besok' })
    await t.closures.initiateEarlyEnd(b.id, UserType.SUPPORT, { actorId: 'ops-ana', reason: 'customer_abusive' })
    await t.closures.postGoodbye(a.id, UserType.MITRA, { actorId: 'm-1', message: 'sampai jumpa' })
    const db = t.target
    const sessionsOf = (out: string) =>
      out
        .trimEnd()
        .split('\n')
        .map((l) => `${/session (\d+)/.exec(l)![1]} ${/ {2}(\w+) {2}/.exec(l)![1]}`)

    // a business day from its start in business_timezone (Jakarta: 2026-11-23T17:00Z)
    const today = await cliOn(db, ['events', '--since', '2026-11-24'])
    expect(sessionsOf(today.stdout)).toEqual([`${a.id} goodbye`, `${b.id} early_end`, `${a.id} early_end`, `${b.id} opened`, `${a.id} opened`])
    expect(today.stdout).toMatch(new RegExp(`session ${a.id} {2}early_end .* by mitra m-1 {2}reason other {2}#\\d+`))
    expect(today.stdout).toMatch(new RegExp(`session ${b.id} {2}early_end .* by support ops-ana {2}reason customer_abusive `))
    expect(sessionsOf((await cliOn(db, ['events', '--since', '2026-11-24T09:00:00+07:00', '--type', 'opened'])).stdout)).toEqual([
      `${b.id} opened`,
      `${a.id} opened`,
    ])
    expect(sessionsOf((await cliOn(db, ['events', '--session', String(a.id)])).stdout)).toEqual([`${a.id} goodbye`, `${a.id} early_end`, `${a.id} opened`])
    const mitra = JSON.parse((await cliOn(db, ['events', '--mitra', 'm-1', '--type', 'early_end', '--json'])).stdout) as {
      order: string
      events: { sessionId: number; reason: string | null; mitraId: string }[]
    }
    expect(mitra.order).toBe('newest first')
    expect(mitra.events.map((e) => [e.sessionId, e.reason, e.mitraId])).toEqual([
      [a.id, 'other', 'm-1'],
      [yesterday.id, 'customer_left', 'm-1'],
    ])
    // stdout is data only: the notice that nothing matched goes to stderr
    expect(await cliOn(db, ['events', '--mitra', 'nobody'])).toMatchObject({ stdout: '', stderr: expect.stringMatching(/^no events match\n/) })

    // session show prints where the feed stands: --after it gives what happens to the session next
    const show = JSON.parse((await cliOn(db, ['session', 'show', String(a.id), '--json'])).stdout) as { cursor: string }
    expect((await cliOn(db, ['session', 'show', String(a.id)])).stdout).toContain(`cursor      ${show.cursor}\n`)
    t.clock.set('2026-11-24T02:02:00Z')
    await t.closures.openSession({ mitraId: 'm-3', customerId: 'c-4' })
    await t.closures.postGoodbye(a.id, UserType.CUSTOMER, { actorId: 'c-2', message: 'terima kasih' })
    const next = await cliOn(db, ['events', '--session', String(a.id), '--after', show.cursor])
    expect(next.code).toBe(0)
    expect(next.stdout.trimEnd().split('\n')).toHaveLength(1)
    expect(next.stdout).toMatch(/goodbye +closing → closing +by customer c-2 /)
  }, 120_000)

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
    const [db, other] = [await target(engine), engine === 'sqlite' ? newDbPath() : await emptyDatabase(engine)]
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

describe.runIf(ON_POSTGRES)('halo-admin events --follow on PostgreSQL', () => {
  it('rides out a server restart: says so once, then prints what is committed after it', async () => {
    const cluster = await startCluster()
    onTestFinished(() => cluster.stop())
    const db = cluster.url
    expect((await cliOn(db, ['db', 'migrate'])).code).toBe(0)
    const f = follower(db)
    await f.until(() => f.err().includes('following'), 'never started following')
    await new Promise((r) => setTimeout(r, 1500))
    cluster.restart()
    expect((await cliOn(db, ['session', 'open', '--mitra', 'm-9', '--customer', 'c-9'])).code).toBe(0)
    await f.until(() => f.out().includes('\n'), 'the event after the restart never came')
    expect(f.out()).toMatch(/session \d+ {2}opened /)
    expect(f.err().match(/trying again every 1 s/g)?.length ?? 0).toBeLessThanOrEqual(1)
    f.child.kill('SIGINT')
    expect(await f.exit).toBe(0)
  }, 60_000)
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
