/**
 * Issue 13: an early end on PostgreSQL costs at most four round trips (BEGIN with its timeouts and the
 * flags lock; one statement that locks the session, claims the counter and reads the flags; one that
 * writes everything; COMMIT), whoever ends it, with the rules still decided in src/core. Counted at
 * the driver: every query a pg client sends is one round trip.
 */
import pg from 'pg'
import { afterEach, describe, expect, it, onTestFinished } from 'vitest'
import { createClosureService, createConfigStore, fixedClock, openDatabase, UserType } from '../../src/index.js'
import { createTestDatabase } from '../support/engines.js'

const NOW = '2026-11-24T03:00:00Z'
const sent: string[] = []
const query = pg.Client.prototype.query
afterEach(() => {
  pg.Client.prototype.query = query
})

/** Counts what `fn` sends to the server (every pg client in this process). */
async function roundTrips(fn: () => Promise<unknown>): Promise<string[]> {
  sent.length = 0
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const q = args[0] as string | { text: string }
    sent.push(typeof q === 'string' ? q : q.text)
    return (query as (...a: unknown[]) => unknown).apply(this, args)
  } as typeof query
  try {
    await fn()
  } finally {
    pg.Client.prototype.query = query
  }
  return [...sent]
}

describe('PostgreSQL: round trips per early end', () => {
  it.each([
    ['a mitra, the first of the day', UserType.MITRA, 'm-1', 1],
    ['a mitra reaching the cap (opens the review)', UserType.MITRA, 'm-1', 3],
    ['a customer', UserType.CUSTOMER, 'c-0', 1],
    ['support', UserType.SUPPORT, 'cs-1', 1],
  ])('%s: at most 4', async (_what, userType, actorId, nth) => {
    const db = await createTestDatabase('postgres')
    onTestFinished(db.drop)
    const h = await openDatabase(db.target, { poolSize: 2 })
    onTestFinished(() => h.close())
    const config = createConfigStore(h, { clock: fixedClock(NOW) })
    await config.set('early_end_mitra_enabled', true, { actor: 'ops' })
    await config.set('early_end_customer_enabled', true, { actor: 'ops' })
    const closures = createClosureService(h, { clock: fixedClock(NOW) })
    const ids: number[] = []
    for (let i = 0; i < nth + 1; i++) ids.push((await closures.openSession({ mitraId: 'm-1', customerId: `c-${i === nth - 1 ? 0 : i + 1}` })).id)
    // the earlier ends of the day, and a warm pool (each new connection checks its encoding once)
    for (const id of ids.slice(0, nth - 1)) await closures.initiateEarlyEnd(id, UserType.MITRA, { actorId: 'm-1', reason: 'customer_left' })
    await closures.getSession(ids[0]!)
    const target = ids[nth - 1]!
    const reason = userType === UserType.CUSTOMER ? {} : { reason: 'customer_left' }
    let result: { reviewOpened: boolean } | undefined
    const trips = await roundTrips(async () => {
      result = await closures.initiateEarlyEnd(target, userType, { actorId, ...reason })
    })
    expect(trips, trips.join('\n---\n')).toHaveLength(4)
    expect(trips[0]).toMatch(/^begin; set local lock_timeout/)
    expect(trips[3]).toBe('commit')
    if (nth === 3) expect(result?.reviewOpened).toBe(true)
  })

  it('a dry run costs the same four and writes nothing', async () => {
    const db = await createTestDatabase('postgres')
    onTestFinished(db.drop)
    const h = await openDatabase(db.target, { poolSize: 1 })
    onTestFinished(() => h.close())
    await createConfigStore(h, { clock: fixedClock(NOW) }).set('early_end_mitra_enabled', true, { actor: 'ops' })
    const closures = createClosureService(h, { clock: fixedClock(NOW) })
    const s = await closures.openSession({ mitraId: 'm-1', customerId: 'c-1' })
    const trips = await roundTrips(() => closures.initiateEarlyEnd(s.id, UserType.MITRA, { actorId: 'm-1', reason: 'customer_left', dryRun: true }))
    expect(trips).toHaveLength(4)
    expect(trips[3]).toBe('rollback')
    expect((await closures.getSession(s.id)).status).toBe('active')
  })
})
