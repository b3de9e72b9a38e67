/** The staged rollout's bucket and the guard's rule, without a database (contract §4b). */
import { describe, expect, it } from 'vitest'
import { guardProblem, guardReadings, guardTrip, inRollout, rolloutBucket, rolloutShare } from '../../src/index.js'
import { murmur3 } from '../../src/core/rollout.js'
import { parseFlagText } from '../../src/config/flag-registry.js'

const MITRAS = Array.from({ length: 200 }, (_, i) => `mitra-${i}`)

describe('the rollout bucket', () => {
  it('is MurmurHash3 as Unleash computes it', () => {
    expect(murmur3('')).toBe(0)
    expect(murmur3('hello')).toBe(0x248bfa47)
    expect(murmur3('The quick brown fox jumps over the lazy dog')).toBe(0x2e4ff723)
  })

  it('puts a share of 200 mitras near each percent in the rollout', () => {
    for (const percent of [0, 10, 25, 50, 75, 90, 100]) {
      const { inRollout: n } = rolloutShare(MITRAS, percent, new Map())
      const share = (n / MITRAS.length) * 100
      expect(Math.abs(share - percent), `${percent}%: ${n} of 200`).toBeLessThanOrEqual(8)
    }
    expect(rolloutShare(MITRAS, 0, new Map()).inRollout).toBe(0)
    expect(rolloutShare(MITRAS, 100, new Map()).inRollout).toBe(200)
  })

  it('keeps every mitra who is in at p in at every larger p', () => {
    for (const id of MITRAS) {
      const bucket = rolloutBucket(id)
      expect(bucket).toBeGreaterThanOrEqual(0)
      expect(bucket).toBeLessThan(100)
      expect(rolloutBucket(id)).toBe(bucket)
      let wasIn = false
      for (let p = 0; p <= 100; p++) {
        const now = inRollout(id, p, null)
        if (wasIn) expect(now, `${id} left the rollout at ${p}%`).toBe(true)
        wasIn = now
      }
      expect(wasIn).toBe(true)
    }
  })

  it('lets the cohort override the bucket either way', () => {
    const outAt10 = MITRAS.find((id) => !inRollout(id, 10, null))!
    const inAt90 = MITRAS.find((id) => inRollout(id, 90, null))!
    expect(inRollout(outAt10, 10, 'always')).toBe(true)
    expect(inRollout(outAt10, 0, 'always')).toBe(true)
    expect(inRollout(inAt90, 100, 'never')).toBe(false)
  })
})

describe('the guard', () => {
  const measures = { mitraEarlyEndsLastHour: 10, endedLastHour: 40, reviewsOpenedToday: 2 }

  it('is reached when a measure comes to its limit, and names it in the note', () => {
    expect(guardTrip('off', measures)).toBeNull()
    expect(guardTrip({ mitraEarlyEndsPerHour: 11 }, measures)).toBeNull()
    const trip = guardTrip({ mitraEarlyEndsPerHour: 10 }, measures)!
    expect(trip.reading.threshold).toBe('mitraEarlyEndsPerHour')
    expect(trip.note).toBe('guard: mitraEarlyEndsPerHour reached: 10 of 10 mitra early ends in the last hour')
    expect(guardTrip({ reviewsOpenedToday: 2 }, measures)!.reading.threshold).toBe('reviewsOpenedToday')
  })

  it('counts the share only once enough sessions ended', () => {
    expect(guardTrip({ mitraEarlyEndShare: 0.25 }, measures)!.note).toMatch(/25% of 40 sessions/)
    expect(guardTrip({ mitraEarlyEndShare: 0.25, shareMinEnded: 41 }, measures)).toBeNull()
    const [r] = guardReadings({ mitraEarlyEndShare: 0.25, shareMinEnded: 41 }, measures)
    expect(r!.value).toBeNull()
    expect(r!.text).toMatch(/counts from 41/)
  })

  it('refuses thresholds that are not thresholds', () => {
    expect(guardProblem('off')).toBeNull()
    expect(guardProblem({ mitraEarlyEndsPerHour: 50, mitraEarlyEndShare: 0.3, shareMinEnded: 20, reviewsOpenedToday: 10 })).toBeNull()
    expect(guardProblem({})).toMatch(/at least one threshold/)
    expect(guardProblem({ mitraEarlyEndsPerHour: 0 })).toMatch(/integer from 1/)
    expect(guardProblem({ mitraEarlyEndShare: 1.5 })).toMatch(/at most 1/)
    expect(guardProblem({ mitraEarlyEndsPerhour: 5 })).toMatch(/unknown threshold "mitraEarlyEndsPerhour"/)
    expect(guardProblem({ shareMinEnded: 5 })).toMatch(/goes with mitraEarlyEndShare/)
    expect(guardProblem('on')).toMatch(/expected off or an object/)
    expect(guardProblem([1])).toMatch(/expected off or an object/)
  })

  it('reads as a person types it on the command line', () => {
    expect(parseFlagText('early_end_guard', ' off ')).toEqual({ ok: true, value: 'off' })
    expect(parseFlagText('early_end_guard', '{"reviewsOpenedToday": 3}')).toEqual({ ok: true, value: { reviewsOpenedToday: 3 } })
    const bad = parseFlagText('early_end_guard', '{"reviewsOpenedToday": 3')
    expect(bad.ok).toBe(false)
    expect(parseFlagText('early_end_mitra_rollout_percent', '101').ok).toBe(false)
    expect(parseFlagText('early_end_mitra_rollout_percent', '0')).toEqual({ ok: true, value: 0 })
  })
})
