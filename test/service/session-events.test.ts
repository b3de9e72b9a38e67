import { describe, expect, it } from 'vitest'
import { UserType } from '../../src/index.js'
import { createLiveSessions } from '../../src/closure/live-sessions.js'
import { ENGINES } from '../support/engines.js'
import { enableMitra, fresh, mitraEnds, openSessions } from '../support/fixtures.js'

describe.each(ENGINES)('a session’s audit trail and the live list on %s', (engine) => {
  it('getSession returns the session’s events, oldest first', async () => {
    const t = await fresh(engine)
    await enableMitra(t)
    const [id, other] = await openSessions(t, 2)
    await mitraEnds(t, id!)
    t.clock.advance(10_000)
    await t.closures.postGoodbye(id!, UserType.CUSTOMER, { actorId: 'c-0', message: 'dadah' })
    t.clock.advance(300_000)
    await t.closures.sweep()
    const s = await t.closures.getSession(id!)
    expect(s.events.map((e) => [e.event, e.fromStatus, e.toStatus, e.actorType, e.actorId, e.at])).toEqual([
      ['opened', null, 'active', 'system', null, '2026-11-24T03:00:00.000Z'],
      ['early_end', 'active', 'closing', 'mitra', 'm-1', '2026-11-24T03:00:00.000Z'],
      ['goodbye', 'closing', 'closing', 'customer', 'c-0', '2026-11-24T03:00:10.000Z'],
      ['finalized', 'closing', 'closed', 'system', null, '2026-11-24T03:05:10.000Z'],
    ])
    expect(s.events[0]!.id).toBeLessThan(s.events[1]!.id)
    // the other session's events are its own (still running: an hour long)
    expect((await t.closures.getSession(other!)).events.map((e) => e.event)).toEqual(['opened'])
  })

  it('reads the live sessions once, then only those that changed', async () => {
    const t = await fresh(engine)
    await enableMitra(t)
    const live = createLiveSessions(t.handle)
    expect(await live.snapshot()).toMatchObject({ sessions: [], cursor: expect.any(String) })
    const [a, b, c] = await openSessions(t, 3)
    const snap = await live.snapshot()
    expect(snap.sessions.map((s) => s.id)).toEqual([a, b, c])
    expect((await live.changes(snap.cursor)).sessions).toEqual([])

    await mitraEnds(t, b!)
    const [d] = await openSessions(t, 1, 'm-2')
    const changed = await live.changes(snap.cursor)
    expect(changed.sessions.map((s) => [s.id, s.status])).toEqual([
      [b, 'closing'],
      [d, 'active'],
    ])
    expect(changed.more).toBe(false)
    expect((await live.changes(changed.cursor)).sessions).toEqual([])
    // in pages: one event at a time
    const paged = await live.changes(snap.cursor, 1)
    expect(paged).toMatchObject({ more: true })
    expect(paged.sessions.map((s) => s.id)).toEqual([b])
  })

  it('reads the first screenful and the count of live sessions, as the snapshot has them', async () => {
    const t = await fresh(engine)
    await enableMitra(t)
    const live = createLiveSessions(t.handle)
    expect(await live.head(2)).toEqual({ sessions: [], total: 0 })
    const [a, b, c, d] = await openSessions(t, 4)
    await mitraEnds(t, a!)
    const head = await live.head(2)
    expect(head.total).toBe(3)
    // newest first, as every list for people (issue 21); the snapshot is in id order
    expect(head.sessions.map((s) => s.id)).toEqual([d, c])
    expect(head.sessions).toEqual([...(await live.snapshot()).sessions].reverse().slice(0, 2))
    expect((await live.head(10)).sessions.map((s) => s.id)).toEqual([d, c, b])
  })
})
