/**
 * The lifecycle event feed (contract §5) on both engines: every event once, in order, pages that
 * join up, a cursor for "from now on", and a follower that wakes when something is committed.
 */
import { describe, expect, it, onTestFinished } from 'vitest'
import { createEventFeed, UserType, type EventFeed, type LifecycleEvent } from '../../src/index.js'
import { ENGINES } from '../support/engines.js'
import { enableMitra, expectCode, fresh, mitraEnds, openSessions } from '../support/fixtures.js'

async function readAll(feed: EventFeed, after?: string, limit = 3): Promise<{ events: LifecycleEvent[]; cursor: string }> {
  const events: LifecycleEvent[] = []
  let cursor = after
  for (;;) {
    const page = await feed.read({ ...(cursor === undefined ? {} : { after: cursor }), limit })
    events.push(...page.events)
    if (page.events.length === 0) return { events, cursor: page.cursor }
    cursor = page.cursor
  }
}

describe.each(ENGINES)('the event feed on %s', (engine) => {
  it('gives every lifecycle event once, in order, across pages', async () => {
    const t = await fresh(engine)
    await enableMitra(t)
    const [a, b] = await openSessions(t, 2)
    await mitraEnds(t, a!)
    await t.closures.postGoodbye(a!, UserType.MITRA, { actorId: 'm-1', message: 'bye' })
    t.clock.advance(2 * 3_600_000)
    const swept = await t.closures.sweep()
    expect(swept.expiredIds).toEqual([b])
    const feed = createEventFeed(t.handle)
    onTestFinished(() => feed.close())
    const { events } = await readAll(feed)
    expect(events.map((e) => [e.sessionId, e.event, e.fromStatus, e.toStatus, e.actorType, e.actorId])).toEqual([
      [a, 'opened', null, 'active', 'system', null],
      [b, 'opened', null, 'active', 'system', null],
      [a, 'early_end', 'active', 'closing', 'mitra', 'm-1'],
      [a, 'goodbye', 'closing', 'closing', 'mitra', 'm-1'],
      [b, 'expired', 'active', 'closing', 'system', null],
      [a, 'finalized', 'closing', 'closed', 'system', null],
    ])
    expect(events[0]!.at).toBe('2026-11-24T03:00:00.000Z')
    expect(new Set(events.map((e) => e.cursor)).size).toBe(events.length)
  })

  it('reads on from a cursor, and from latest() only what happens next', async () => {
    const t = await fresh(engine)
    const feed = createEventFeed(t.handle)
    onTestFinished(() => feed.close())
    const [first] = await openSessions(t, 1)
    const start = await readAll(feed)
    expect(start.events.map((e) => e.sessionId)).toEqual([first])
    const now = await feed.latest()
    const [second] = await openSessions(t, 1, 'm-2')
    expect((await readAll(feed, start.cursor)).events.map((e) => e.sessionId)).toEqual([second])
    expect((await readAll(feed, now)).events.map((e) => e.sessionId)).toEqual([second])
    // nothing new: the same cursor back
    const end = await readAll(feed, start.cursor)
    expect(await feed.read({ after: end.cursor })).toEqual({ events: [], cursor: end.cursor })
  })

  it('wakes a follower soon after a commit', async () => {
    const t = await fresh(engine)
    const feed = createEventFeed(t.handle)
    onTestFinished(() => feed.close())
    const from = await feed.latest()
    // the listener is in place before the write
    const first = feed.wait({ timeoutMs: 50 })
    await first
    const woke = feed.wait({ timeoutMs: 10_000 })
    const started = Date.now()
    await openSessions(t, 1)
    await woke
    expect(Date.now() - started).toBeLessThan(5000)
    expect((await feed.read({ after: from })).events).toHaveLength(1)
  })

  it('refuses a cursor it did not give, and a bad limit', async () => {
    const t = await fresh(engine)
    const feed = createEventFeed(t.handle)
    onTestFinished(() => feed.close())
    for (const after of ['', 'x', 'i:-1', 'x:1:2', 'i:1 ', engine === 'sqlite' ? 'x:1:2:3' : 'i:5']) await expectCode(feed.read({ after }), 'INVALID_INPUT')
    for (const limit of [0, -1, 1.5, 10_001]) await expectCode(feed.read({ limit }), 'INVALID_INPUT')
  })
})
