/**
 * Issues 12 and 18: the event feed under concurrent writers on PostgreSQL. Eight processes write (two
 * inside transactions they hold open, so ids they took commit after later ones; two taking their
 * transaction id first and then ending a session another process opened since), while a reader tails
 * the feed; the reader gets every committed event exactly once, each session's in order.
 */
import { describe, expect, it, onTestFinished } from 'vitest'
import { createConfigStore, createEventFeed, openDatabase, type LifecycleEvent } from '../../src/index.js'
import { createTestDatabase } from '../support/engines.js'
import { raceProcesses } from './race.js'

describe('PostgreSQL: the event feed under concurrent writers', () => {
  it('8 writers and a tailing reader: no event missed, none repeated, each session in order', async () => {
    const db = await createTestDatabase('postgres')
    onTestFinished(db.drop)
    const h = await openDatabase(db.target, { poolSize: 2 })
    onTestFinished(() => h.close())
    await createConfigStore(h).set('early_end_customer_enabled', true, { actor: 'ops' })
    const feed = createEventFeed(h)
    onTestFinished(() => feed.close())
    const seen: LifecycleEvent[] = []
    let cursor = await feed.latest()
    let writing = true
    const tail = async () => {
      for (;;) {
        const page = await feed.read({ after: cursor, limit: 7 })
        seen.push(...page.events)
        cursor = page.cursor
        if (page.events.length === 0) {
          if (!writing) return
          await feed.wait({ timeoutMs: 50 })
        }
      }
    }
    let tailing: Promise<void> = Promise.resolve()
    const kinds = ['slow', 'slow', 'early', 'early', 'fast', 'fast', 'fast', 'fast']
    const results = await raceProcesses<{ written: number }>(
      'event-writer-worker.mjs',
      kinds.map((kind, i) => [db.target, `w${i}`, kind, kind === 'fast' ? '30' : '40']),
      90_000,
      async () => {
        tailing = tail()
      },
    )
    writing = false
    await tailing
    // one last read after every writer is done: the fence has passed them all
    for (let page = await feed.read({ after: cursor }); page.events.length > 0; page = await feed.read({ after: cursor })) {
      seen.push(...page.events)
      cursor = page.cursor
    }
    const written = results.reduce((n, r) => n + r.written, 0)
    const stored = await h.db.selectFrom('session_events').select(['id', 'session_id', 'event', 'created_at', 'actor_id']).orderBy('id').execute()
    expect(stored).toHaveLength(written)
    // the "early" processes did end sessions others opened
    expect(stored.filter((e) => e.actor_id === 'cs-2').length).toBeGreaterThan(0)
    // exactly once: as many as stored, no cursor twice
    expect(seen).toHaveLength(stored.length)
    expect(new Set(seen.map((e) => e.cursor)).size).toBe(seen.length)
    // each session's events in the order they were written
    const order = (events: readonly { session_id?: number; sessionId?: number; event: string }[]) => {
      const per = new Map<number, string[]>()
      for (const e of events) {
        const id = e.sessionId ?? e.session_id!
        per.set(id, [...(per.get(id) ?? []), e.event])
      }
      return per
    }
    expect(order(seen)).toEqual(order(stored))
  }, 120_000)
})
