/**
 * The cap under real concurrency: several OS processes, each with its own
 * connection, end sessions of one mitra at the same instant.
 */
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { createClosureService, fixedClock, openDatabase, UserType } from '../../src/index.js'
import { ENGINES } from '../support/engines.js'
import type { Setup } from '../support/engines.js'
import { counterOf, enableMitra, ensureBuilt, fresh, openSessions, runTogether } from '../support/fixtures.js'
import { countedClosures, rollupRows } from '../support/rollup.js'
import { NOW } from '../support/time.js'

const WORKER = fileURLToPath(new URL('./workers/end-sessions.mjs', import.meta.url))
const PROCESSES = 4
const PER_PROCESS = 5
const DAY = '2026-11-24'

interface Outcome {
  id: number
  ok: boolean
  code?: string
  message?: string
  overCap?: boolean
  reviewId?: number | null
  reviewOpened?: boolean
}

/** Runs PROCESSES workers over `sessionIds`, released together; returns every outcome. */
async function race(t: Setup, sessionIds: number[]): Promise<Outcome[]> {
  const args = Array.from({ length: PROCESSES }, (_, i) => ({
    target: t.target,
    now: NOW,
    mitraId: 'm-1',
    sessionIds: sessionIds.filter((_, j) => j % PROCESSES === i),
  }))
  const results = await runTogether<{ outcomes: Outcome[] }>(WORKER, args)
  return results.flatMap((r) => r.outcomes)
}

beforeAll(() => {
  ensureBuilt()
}, 120_000)

describe.each(ENGINES)('the daily cap across %i processes on %s'.replace('%i', String(PROCESSES)), (engine) => {
  it('lets exactly cap early ends through when processes race for the last slots, refusing the rest with DAILY_CAP_REACHED', async () => {
    const t = await fresh(engine, NOW)
    await enableMitra(t, { early_end_mitra_daily_cap: 3 })
    const ids = await openSessions(t, PROCESSES * PER_PROCESS)
    const outcomes = await race(t, ids)

    expect(outcomes).toHaveLength(ids.length)
    const unexpected = outcomes.filter((o) => !o.ok && o.code !== 'DAILY_CAP_REACHED')
    expect(unexpected, 'no SQLITE_BUSY, deadlock or other error reaches a caller').toEqual([])
    const wins = outcomes.filter((o) => o.ok)
    expect(wins).toHaveLength(3)
    expect(wins.filter((w) => w.reviewOpened)).toHaveLength(1)
    expect(await counterOf(t.handle, 'm-1', DAY)).toBe(3)
    expect(await t.reviews.list()).toHaveLength(1)
    const closing = await t.closures.listSessions({ status: 'closing' })
    expect(closing.map((s) => s.id).sort((a, b) => a - b)).toEqual(wins.map((w) => w.id).sort((a, b) => a - b))
    expect(await t.handle.db.selectFrom('session_closures').select('id').execute()).toHaveLength(3)
    expect(await rollupRows(t.handle), 'the report rollup counts each closure once').toEqual(await countedClosures(t.handle))
  }, 60_000)

  it('with allow, lets every early end through, exactly cap of them not over the cap, all past it on the one review', async () => {
    const t = await fresh(engine, NOW)
    await enableMitra(t, { early_end_mitra_daily_cap: 5, early_end_mitra_over_cap_action: 'allow' })
    const ids = await openSessions(t, PROCESSES * PER_PROCESS)
    const outcomes = await race(t, ids)

    expect(outcomes.filter((o) => !o.ok)).toEqual([])
    expect(outcomes.filter((o) => !o.overCap)).toHaveLength(5)
    expect(outcomes.filter((o) => o.overCap)).toHaveLength(ids.length - 5)
    expect(outcomes.filter((o) => o.reviewOpened)).toHaveLength(1)
    const reviews = await t.reviews.list()
    expect(reviews).toHaveLength(1)
    // the early end that reached the cap and every one past it
    expect(reviews[0]!.earlyEnds).toBe(ids.length - 4)
    expect(new Set(outcomes.filter((o) => o.overCap).map((o) => o.reviewId))).toEqual(new Set([reviews[0]!.id]))
    expect(await counterOf(t.handle, 'm-1', DAY)).toBe(ids.length)
    expect(await rollupRows(t.handle), 'the report rollup counts each closure once').toEqual(await countedClosures(t.handle))
  }, 60_000)

  it('holds the cap across several connections of one process ending sessions at once', async () => {
    const t = await fresh(engine, NOW)
    await enableMitra(t, { early_end_mitra_daily_cap: 3 })
    const ids = await openSessions(t, 12)
    const services = [t.closures]
    for (let i = 0; i < 2; i++) {
      const h = await openDatabase(t.target)
      onTestFinished(() => h.close())
      services.push(createClosureService(h, { clock: fixedClock(NOW) }))
    }
    const settled = await Promise.allSettled(
      ids.map((id, i) => services[i % services.length]!.initiateEarlyEnd(id, UserType.MITRA, { actorId: 'm-1', reason: 'customer_left' })),
    )
    const codes = settled.filter((s) => s.status === 'rejected').map((s) => (s as PromiseRejectedResult).reason.code)
    expect(codes).toEqual(Array(ids.length - 3).fill('DAILY_CAP_REACHED'))
    expect(await counterOf(t.handle, 'm-1', DAY)).toBe(3)
    expect(await t.reviews.list()).toHaveLength(1)
    expect(await rollupRows(t.handle), 'the report rollup counts each closure once').toEqual(await countedClosures(t.handle))
  })
})
