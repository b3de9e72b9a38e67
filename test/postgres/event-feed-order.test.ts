/**
 * Issue 18: each session's events in order under any interleaving of transactions. T1 takes its
 * transaction id early, T3 holds an older id open (it holds the fence), T2 opens session S and
 * commits, then T1 ends S and commits: T1's id is below the fence, T2's above it. Ordered by the
 * writer's own transaction id, the feed gave S's `early_end` before its `opened`.
 */
import pg from 'pg'
import { sql } from 'kysely'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createClosureService, createEventFeed, openDatabase, UserType, type LifecycleEvent } from '../../src/index.js'
import { ON_POSTGRES } from '../support/engines.js'
import { enableMitra, fresh } from '../support/fixtures.js'

describe.runIf(ON_POSTGRES)('PostgreSQL: the feed keeps each session in order under any interleaving', () => {
  it('an early end in a transaction older than the opening still comes after it', async () => {
    const t = await fresh('postgres')
    await enableMitra(t)
    // three processes' worth of connections: the ender (T1), the opener (T2), a long transaction (T3)
    const ender = await openDatabase(t.target, { poolSize: 1 })
    onTestFinished(() => ender.close())
    const holder = new pg.Client({ connectionString: t.target })
    await holder.connect()
    onTestFinished(() => holder.end())
    const enderClosures = createClosureService(ender, { clock: t.clock })

    let go!: () => void
    const resumed = new Promise<void>((r) => (go = r))
    let tookXid!: () => void
    const took = new Promise<void>((r) => (tookXid = r))
    let session = 0
    // T1: writes first (its xid is taken now), then, once S is open, ends it
    const t1 = ender.write(async (trx) => {
      await sql`select pg_current_xact_id()`.execute(trx)
      tookXid()
      await resumed
      await enderClosures.initiateEarlyEnd(session, UserType.MITRA, { actorId: 'm-1', reason: 'customer_left' })
    })
    await took
    // T3: an id after T1's, still in flight while S opens and ends
    await holder.query('begin')
    await holder.query('select pg_current_xact_id()')
    // T2: opens S and commits
    session = (await t.closures.openSession({ customerId: 'c-1', mitraId: 'm-1' })).id
    go()
    await t1

    const feed = createEventFeed(t.handle)
    onTestFinished(() => feed.close())
    const seen: LifecycleEvent[] = []
    let page = await feed.read()
    seen.push(...page.events)
    await holder.query('commit')
    for (page = await feed.read({ after: page.cursor }); page.events.length > 0; page = await feed.read({ after: page.cursor })) seen.push(...page.events)
    expect(seen.filter((e) => e.sessionId === session).map((e) => e.event)).toEqual(['opened', 'early_end'])
  })
})
