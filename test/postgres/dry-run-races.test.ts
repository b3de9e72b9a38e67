/**
 * Regression tests from the lifecycle model (test/properties): a dry run sent
 * while a real early end was committing answered with something the real
 * request could never get. Forced here step by step with table locks from
 * other connections.
 */
import pg from 'pg'
import { expect, it, onTestFinished } from 'vitest'
import { UserType } from '../../src/index.js'
import { enableMitra, expectCode, fresh, mitraEnds, openSessions } from '../support/fixtures.js'

/** A transaction of its own on another connection; rolled back when the test ends. */
async function otherConnection(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  onTestFinished(() => c.end())
  return c
}

/** Waits until `n` statements of the database wait on a lock. */
async function lockWaiters(admin: pg.Client, n: number): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const r = await admin.query(`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`)
    if (r.rows[0].n >= n) return
    await new Promise((res) => setTimeout(res, 25))
  }
  throw new Error(`fewer than ${n} statements ever waited on a lock`)
}

/** Holds back inserts into session_events: an early end does all its other writes and waits on its last one. */
async function holdEventInserts(url: string): Promise<pg.Client> {
  const events = await otherConnection(url)
  await events.query('begin')
  await events.query('lock table session_events in share mode')
  return events
}

// It read the session and the mitra's count before the commit and the day's review after it, and said
// "would attach to review N, not over the cap" for an early end that could only have opened that review or been refused.
it('PostgreSQL: a dry run racing a real early end of the same session answers as before it or after it, never half of each', async () => {
  const t = await fresh('postgres')
  await enableMitra(t, { early_end_mitra_daily_cap: 1 })
  const [id] = await openSessions(t, 1)
  const admin = await otherConnection(t.target)

  // 1. the real early end does its writes (counter, review, session, closure) and waits before its last insert
  const events = await holdEventInserts(t.target)
  const real = mitraEnds(t, id!)
  await lockWaiters(admin, 1)
  // 2. a request for every lock on cc_reviews queues behind the real early end's review insert,
  //    and any read of cc_reviews queues behind that request
  const reviews = await otherConnection(t.target)
  await reviews.query('begin')
  const reviewsLocked = reviews.query('lock table cc_reviews in access exclusive mode')
  await lockWaiters(admin, 2)
  // 3. the dry run gets as far as it can (its refusal is taken as a value at once: it may come before we await it)
  const dry = mitraEnds(t, id!, 'm-1', { dryRun: true }).then(
    (r) => r,
    (e: unknown) => e,
  )
  await lockWaiters(admin, 3)
  // 4. the real early end commits, then the cc_reviews lock comes and goes
  await events.query('commit')
  expect((await real).reviewOpened).toBe(true)
  await reviewsLocked
  await reviews.query('commit')

  // The dry run came after the real early end took the session: it must see the session closing.
  // (It answered { overCap: false, reviewOpened: false, reviewId: <the new review>, mitraCountToday: 1 }.)
  expect(await dry).toMatchObject({ code: 'INVALID_STATE' })
  await expectCode(t.closures.initiateEarlyEnd(id!, UserType.MITRA, { actorId: 'm-1', reason: 'customer_left', dryRun: true }), 'INVALID_STATE')
})

// It looked its idempotency key up before the other session's early end committed with that key, and said
// "would end this session" where the real request gets INVALID_INPUT (the key is another request's).
it('PostgreSQL: a dry run with a key that a real early end of another session is committing answers INVALID_INPUT, as the real request would', async () => {
  const t = await fresh('postgres')
  await enableMitra(t)
  const [a, b] = await openSessions(t, 2)
  const admin = await otherConnection(t.target)

  const events = await holdEventInserts(t.target)
  const real = mitraEnds(t, a!, 'm-1', { idempotencyKey: 'req-7' })
  await lockWaiters(admin, 1)
  // the dry run finds no closure with the key yet, then waits for the mitra's counter
  const dry = mitraEnds(t, b!, 'm-1', { idempotencyKey: 'req-7', dryRun: true }).then(
    (r) => r,
    (e: unknown) => e,
  )
  await lockWaiters(admin, 2)
  await events.query('commit')
  expect((await real).replayed).toBe(false)

  expect(await dry).toMatchObject({ code: 'INVALID_INPUT' })
  await expectCode(mitraEnds(t, b!, 'm-1', { idempotencyKey: 'req-7' }), 'INVALID_INPUT')
  expect((await t.closures.getSession(b!)).status).toBe('active')
})
