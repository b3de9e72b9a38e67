/** `whatif rollout`'s replay, without a database: the rollout, the cohort and the guard's sliding window. */
import { describe, expect, it } from 'vitest'
import { inRollout, replayRollout, type RecordedClosure } from '../../src/index.js'

const at = (minutes: number) => new Date(Date.parse('2026-11-24T01:00:00Z') + minutes * 60_000).toISOString()
let next = 1
function closure(minutes: number, mitraId: string, byMitra = true, openedReview = false): RecordedClosure {
  const id = next++
  return { closureId: id, sessionId: id, mitraId, byMitra, openedReview, businessDay: '2026-11-24', createdAt: at(minutes) }
}

describe('the rollout replay', () => {
  it('drops the early ends of mitras outside the rollout, and the cohort overrides the bucket', () => {
    const ids = Array.from({ length: 40 }, (_, i) => `mitra-${i}`)
    const closures = ids.map((id, i) => closure(i * 10, id))
    const r = replayRollout(closures, { percent: 30, cohort: new Map([['mitra-0', inRollout('mitra-0', 30, null) ? 'never' : 'always']]), guard: 'off' })
    const expected = ids.filter((id) => (id === 'mitra-0' ? !inRollout(id, 30, null) : inRollout(id, 30, null))).length
    expect(r).toMatchObject({
      recorded: 40,
      wouldHappen: expected,
      outsideRollout: 40 - expected,
      afterGuard: 0,
      mitras: 40,
      mitrasInRollout: expected,
      guardTrip: null,
    })
  })

  it('slides the hour: early ends an hour apart never reach a threshold of two', () => {
    const closures = [closure(0, 'a'), closure(60, 'b'), closure(120, 'c'), closure(180, 'd')]
    expect(replayRollout(closures, { percent: 100, cohort: new Map(), guard: { mitraEarlyEndsPerHour: 2 } }).guardTrip).toBeNull()
    const close = [closure(0, 'a'), closure(59, 'b'), closure(70, 'c')]
    const r = replayRollout(close, { percent: 100, cohort: new Map(), guard: { mitraEarlyEndsPerHour: 2 } })
    expect(r.guardTrip).toMatchObject({ at: at(59), mitraId: 'b' })
    expect(r).toMatchObject({ wouldHappen: 2, afterGuard: 1 })
  })

  it('counts expiries in the share, and reviews opened per day', () => {
    const expiries = Array.from({ length: 6 }, (_, i) => closure(i, `x-${i}`, false))
    const r = replayRollout([...expiries, closure(10, 'a'), closure(11, 'b'), closure(12, 'c')], {
      percent: 100,
      cohort: new Map(),
      guard: { mitraEarlyEndShare: 0.3, shareMinEnded: 8 },
    })
    // 2 of 8 is 25%; 3 of 9 is 33%
    expect(r.guardTrip).toMatchObject({ mitraId: 'c' })
    const reviews = replayRollout([closure(0, 'a', true, true), closure(200, 'b', true, true)], {
      percent: 100,
      cohort: new Map(),
      guard: { reviewsOpenedToday: 2 },
    })
    expect(reviews.guardTrip?.note).toBe('guard: reviewsOpenedToday reached: 2 of 2 CC reviews opened today')
  })
})
