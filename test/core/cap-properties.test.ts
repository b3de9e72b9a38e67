import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { businessDay, decideEarlyEnd, defaultFlags, UserType, type SessionFacts } from '../../src/index.js'
import { NOW_DATE as NOW } from '../support/time.js'

const session: SessionFacts = { id: 1, customerId: 'c-1', mitraId: 'm-1', status: 'active', graceEndsAt: null }

/** Feeds `n` mitra early ends of one day through the rules, keeping the counter and review as the service does. */
function day(cap: number, action: 'block' | 'allow', n: number) {
  const flags = { ...defaultFlags(), early_end_mitra_enabled: true, early_end_mitra_daily_cap: cap, early_end_mitra_over_cap_action: action }
  let count = 0
  let reviewId: number | null = null
  const out = { ok: 0, refused: 0, opened: 0, attached: 0, overCap: 0 }
  for (let i = 0; i < n; i++) {
    const d = decideEarlyEnd(
      session,
      { userType: UserType.MITRA, actorId: 'm-1', reason: 'customer_left' },
      flags,
      { countToday: count, reviewId },
      '2026-11-24',
      NOW,
    )
    if (!d.allowed) {
      expect(d.error.code).toBe('DAILY_CAP_REACHED')
      out.refused++
      continue
    }
    out.ok++
    count = d.plan.countAfter
    if (d.plan.overCap) out.overCap++
    if (d.plan.review === 'open') {
      out.opened++
      reviewId = 99
    }
    if (d.plan.review === 'attach') {
      expect(d.plan.existingReviewId).toBe(99)
      out.attached++
    }
  }
  return { ...out, count }
}

describe('the cap over a whole day of early ends', () => {
  it('under block: min(n, cap) succeed, the rest are refused, one review once the cap is reached', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 30 }), (cap, n) => {
        const r = day(cap, 'block', n)
        expect(r.ok).toBe(Math.min(n, cap))
        expect(r.refused).toBe(Math.max(0, n - cap))
        expect(r.opened).toBe(n >= cap ? 1 : 0)
        expect(r.overCap).toBe(0)
        expect(r.count).toBe(Math.min(n, cap))
      }),
    )
  })

  it('under allow: every one succeeds, those past the cap are over_cap and attached to the one review', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 30 }), (cap, n) => {
        const r = day(cap, 'allow', n)
        expect(r.ok).toBe(n)
        expect(r.opened).toBe(n >= cap ? 1 : 0)
        expect(r.overCap).toBe(Math.max(0, n - cap))
        expect(r.attached).toBe(Math.max(0, n - cap))
        expect(r.count).toBe(n)
      }),
    )
  })
})

describe('business days', () => {
  it('are the UTC date seven hours ahead in Jakarta, for any instant', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }), (t) => {
        expect(businessDay(t, 'Asia/Jakarta')).toBe(new Date(t.getTime() + 7 * 3_600_000).toISOString().slice(0, 10))
      }),
    )
  })

  it('never go backwards as time moves forward, in a zone with daylight saving', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 0, 1) }), fc.integer({ min: 0, max: 3 * 86_400_000 }), (a, step) => {
        expect(businessDay(new Date(a + step), 'America/New_York') >= businessDay(new Date(a), 'America/New_York')).toBe(true)
      }),
    )
  })
})
