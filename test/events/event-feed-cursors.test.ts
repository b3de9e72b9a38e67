/**
 * Issue 18: a cursor is good only on the database that gave it. One from another database, or one a
 * restored copy does not hold (or holds another event under its id), is refused with one line,
 * never silently skipping or replaying; a follower of a SQLite file that was replaced or removed
 * says so instead of stalling.
 */
import { execFileSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { sql } from 'kysely'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createClosureService, createEventFeed, migrateToLatest, openDatabase, type HaloDatabase } from '../../src/index.js'
import { emptyDatabase, ENGINES, type EngineName } from '../support/engines.js'
import { expectCode, fresh, openSessions } from '../support/fixtures.js'
import { findPgBin } from '../support/pg-cluster.js'

/** A copy of the database as it stands (a backup), as a target to open later: a file copy, or a pg_dump restored into a new database. */
async function backup(engine: EngineName, handle: HaloDatabase, target: string): Promise<string> {
  if (engine === 'sqlite') {
    const copy = `${target}.backup`
    await sql`vacuum into ${copy}`.execute(handle.db)
    onTestFinished(() => rmSync(copy, { force: true }))
    return copy
  }
  const restored = await emptyDatabase('postgres')
  const dump = execFileSync(join(findPgBin(), 'pg_dump'), ['--no-owner', target])
  execFileSync(join(findPgBin(), 'psql'), ['-q', '-v', 'ON_ERROR_STOP=1', restored], { input: dump, stdio: ['pipe', 'ignore', 'pipe'] })
  return restored
}

async function opened(target: string): Promise<HaloDatabase> {
  const h = await openDatabase(target)
  onTestFinished(() => h.close())
  return h
}

describe.each(ENGINES)('event feed cursors on %s', (engine) => {
  it('refuses a cursor of another database, even one of the same shape and history', async () => {
    const t = await fresh(engine)
    await openSessions(t, 2)
    const other = await opened(await emptyDatabase(engine))
    await migrateToLatest(other)
    await createClosureService(other).openSession({ customerId: 'c-0', mitraId: 'm-1' })
    const theirs = await createEventFeed(other).latest()
    const ours = createEventFeed(t.handle)
    onTestFinished(() => ours.close())
    const e = await expectCode(ours.read({ after: theirs }), 'INVALID_INPUT')
    expect(e.message).toMatch(/^event feed: after: the cursor is from another database \(its feed [0-9a-f]{12}, this one [0-9a-f]{12}\)/)
    expect(e.message).not.toMatch(/\n/)
    // the start of another database's feed is no cursor here either
    await expectCode(ours.read({ after: theirs.replace(/:\d+:[0-9a-f]{8}$/, ':0:00000000') }), 'INVALID_INPUT')
  })

  it('refuses a cursor past what a restored copy holds, and one whose event the copy replaced under the same id', async () => {
    const t = await fresh(engine)
    await openSessions(t, 2)
    const copy = await backup(engine, t.handle, t.target)
    await openSessions(t, 2, 'm-2')
    const feed = createEventFeed(t.handle)
    onTestFinished(() => feed.close())
    const onOriginal = (await feed.read()).cursor
    const beforeCopy = (await feed.read({ limit: 1 })).cursor

    const restored = await opened(copy)
    const again = createEventFeed(restored)
    onTestFinished(() => again.close())
    // a cursor the copy holds reads on as before
    expect((await again.read({ after: beforeCopy })).events).toHaveLength(1)
    // ahead of it: refused, not an empty page that never fills
    const ahead = await expectCode(again.read({ after: onOriginal }), 'INVALID_INPUT')
    expect(ahead.message).toMatch(/stands on event \d+, which this database does not hold: it was restored from an earlier copy/)
    // new events on the copy take the ids the lost ones had: still refused, not skipped
    const closures = createClosureService(restored)
    for (const c of ['c-8', 'c-9']) await closures.openSession({ customerId: c, mitraId: 'm-3' })
    const reused = await expectCode(again.read({ after: onOriginal }), 'INVALID_INPUT')
    expect(reused.message).toMatch(/^event feed: after: event \d+ here is not the event the cursor was given for: the database was restored/)
    // from the beginning, the copy's own history, each event once
    expect((await again.read()).events.map((e) => e.sessionId)).toHaveLength(4)
  })

  it('refuses cursors of the versions before it, and forged ones', async () => {
    const t = await fresh(engine)
    await openSessions(t, 1)
    const feed = createEventFeed(t.handle)
    onTestFinished(() => feed.close())
    const good = (await feed.read()).cursor
    const [, origin, id] = /^c:([0-9a-f]{12}):(\d+):/.exec(good)!
    expect((await expectCode(feed.read({ after: 'i:3' }), 'INVALID_INPUT')).message).toMatch(/before its 0007 migration/)
    expect((await expectCode(feed.read({ after: 'x:10:20:3' }), 'INVALID_INPUT')).message).toMatch(/before its 0007 migration/)
    for (const after of [
      `c:${origin}:${id}:00000000`,
      `c:${origin}:0:12345678`,
      `c:${origin}:${id}0:${good.slice(-8)}`,
      `c:${origin}:99999999999999999999:00000000`,
      ` ${good}`,
      `${good}\n`,
    ]) {
      await expectCode(feed.read({ after }), 'INVALID_INPUT')
    }
    // a large id part is refused as any other, never INTERNAL
    await expectCode(feed.read({ after: `c:${origin}:9223372036854775807:abcdef01` }), 'INVALID_INPUT')
  })
})
