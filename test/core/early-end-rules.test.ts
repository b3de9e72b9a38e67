import { describe, expect, it } from 'vitest'
import {
  decideEarlyEnd,
  decideGoodbye,
  defaultFlags,
  earlyEndEnabledFor,
  reasonRequiredFor,
  remainingToday,
  UserType,
  type Flags,
  type SessionFacts,
} from '../../src/index.js'
import { NOW_DATE as NOW } from '../support/time.js'

const DAY = '2026-11-24'
const session: SessionFacts = { id: 7, customerId: 'c-1', mitraId: 'm-1', status: 'active', graceEndsAt: null }
const on = (extra: Partial<Flags> = {}): Flags => ({ ...defaultFlags(), early_end_mitra_enabled: true, early_end_customer_enabled: true, ...extra })
const noCap = { countToday: 0, reviewId: null }
const mitra = (extra: Record<string, string> = {}) => ({ userType: UserType.MITRA, actorId: 'm-1', reason: 'customer_left', ...extra })

function refusal(d: ReturnType<typeof decideEarlyEnd>): string {
  if (d.allowed) throw new Error('expected a refusal')
  return d.error.code
}
function plan(d: ReturnType<typeof decideEarlyEnd>) {
  if (!d.allowed) throw new Error(`expected an allowed early end, got ${d.error.code}`)
  return d.plan
}

describe('rule 2: the flags that gate early ends', () => {
  it('refuses a mitra while early_end_mitra_enabled is off, even with everything else right', () => {
    expect(refusal(decideEarlyEnd(session, mitra(), on({ early_end_mitra_enabled: false }), noCap, DAY, NOW))).toBe('EARLY_END_DISABLED')
  })

  it('refuses a customer while early_end_customer_enabled is off, independently of the mitra flag', () => {
    const ask = { userType: UserType.CUSTOMER, actorId: 'c-1' }
    expect(refusal(decideEarlyEnd(session, ask, on({ early_end_customer_enabled: false }), noCap, DAY, NOW))).toBe('EARLY_END_DISABLED')
    expect(plan(decideEarlyEnd(session, ask, on({ early_end_mitra_enabled: false }), noCap, DAY, NOW)).initiatedBy).toBe('customer')
  })

  it('lets support end a session with both flags off', () => {
    const flags = on({ early_end_mitra_enabled: false, early_end_customer_enabled: false })
    const p = plan(decideEarlyEnd(session, { userType: UserType.SUPPORT, actorId: 'cs-1', reason: 'out_of_scope' }, flags, noCap, DAY, NOW))
    expect(p.initiatedBy).toBe('support')
    expect(earlyEndEnabledFor(UserType.SUPPORT, flags)).toBe(true)
    expect(earlyEndEnabledFor(UserType.MITRA, flags)).toBe(false)
  })
})

describe('rules 3 and 4: ownership and state', () => {
  it('refuses a mitra ending another mitra’s session', () => {
    expect(refusal(decideEarlyEnd(session, mitra({ actorId: 'm-2' }), on(), noCap, DAY, NOW))).toBe('FORBIDDEN')
  })

  it('refuses a customer ending another customer’s session', () => {
    expect(refusal(decideEarlyEnd(session, { userType: UserType.CUSTOMER, actorId: 'c-9' }, on(), noCap, DAY, NOW))).toBe('FORBIDDEN')
  })

  it('says SESSION_NOT_FOUND for a missing session', () => {
    expect(refusal(decideEarlyEnd(null, mitra(), on(), noCap, DAY, NOW))).toBe('SESSION_NOT_FOUND')
  })

  it.each(['closing', 'closed'] as const)('refuses a session that is already %s', (status) => {
    expect(refusal(decideEarlyEnd({ ...session, status }, mitra(), on(), noCap, DAY, NOW))).toBe('INVALID_STATE')
  })

  it('ends an extending session like an active one', () => {
    expect(plan(decideEarlyEnd({ ...session, status: 'extending' }, mitra(), on(), noCap, DAY, NOW)).initiatedBy).toBe('mitra')
  })
})

describe('rule 5: reasons', () => {
  it('requires a reason from a mitra while early_end_reason_required is on', () => {
    expect(refusal(decideEarlyEnd(session, { userType: UserType.MITRA, actorId: 'm-1' }, on(), noCap, DAY, NOW))).toBe('REASON_REQUIRED')
  })

  it('lets a mitra end without a reason when early_end_reason_required is off', () => {
    const p = plan(decideEarlyEnd(session, { userType: UserType.MITRA, actorId: 'm-1' }, on({ early_end_reason_required: false }), noCap, DAY, NOW))
    expect(p.reason).toBeNull()
  })

  it('refuses a reason code that is not in early_end_reason_codes', () => {
    expect(refusal(decideEarlyEnd(session, mitra({ reason: 'bored' }), on(), noCap, DAY, NOW))).toBe('INVALID_INPUT')
    const custom = on({ early_end_reason_codes: ['bored'] })
    expect(plan(decideEarlyEnd(session, mitra({ reason: 'bored' }), custom, noCap, DAY, NOW)).reason).toBe('bored')
    expect(refusal(decideEarlyEnd(session, mitra(), custom, noCap, DAY, NOW))).toBe('INVALID_INPUT')
  })

  it('needs a non-empty note for reason "other"', () => {
    expect(refusal(decideEarlyEnd(session, mitra({ reason: 'other' }), on(), noCap, DAY, NOW))).toBe('INVALID_INPUT')
    expect(refusal(decideEarlyEnd(session, mitra({ reason: 'other', note: '   ' }), on(), noCap, DAY, NOW))).toBe('INVALID_INPUT')
    expect(plan(decideEarlyEnd(session, mitra({ reason: 'other', note: ' kept  as is ' }), on(), noCap, DAY, NOW)).note).toBe(' kept  as is ')
  })

  it('always requires a reason from support, even when reasons are optional for mitras', () => {
    const flags = on({ early_end_reason_required: false })
    expect(refusal(decideEarlyEnd(session, { userType: UserType.SUPPORT, actorId: 'cs-1' }, flags, noCap, DAY, NOW))).toBe('REASON_REQUIRED')
    expect(reasonRequiredFor(UserType.SUPPORT, flags)).toBe(true)
    expect(reasonRequiredFor(UserType.MITRA, flags)).toBe(false)
    expect(reasonRequiredFor(UserType.MITRA, on())).toBe(true)
  })

  it('does not require a reason from a customer but still checks one that is given', () => {
    expect(plan(decideEarlyEnd(session, { userType: UserType.CUSTOMER, actorId: 'c-1' }, on(), noCap, DAY, NOW)).reason).toBeNull()
    expect(refusal(decideEarlyEnd(session, { userType: UserType.CUSTOMER, actorId: 'c-1', reason: 'nope' }, on(), noCap, DAY, NOW))).toBe('INVALID_INPUT')
  })

  it('refuses a note without a reason', () => {
    const flags = on({ early_end_reason_required: false })
    expect(refusal(decideEarlyEnd(session, { userType: UserType.MITRA, actorId: 'm-1', note: 'hi' }, flags, noCap, DAY, NOW))).toBe('INVALID_INPUT')
  })
})

describe('rule 6: the daily cap', () => {
  it('lets the early end below the cap through without a review', () => {
    const p = plan(decideEarlyEnd(session, mitra(), on({ early_end_mitra_daily_cap: 3 }), { countToday: 1, reviewId: null }, DAY, NOW))
    expect(p).toMatchObject({ countsTowardCap: true, countAfter: 2, overCap: false, review: 'none', cap: 3, businessDay: DAY })
  })

  it('opens the review with the early end that reaches the cap', () => {
    const p = plan(decideEarlyEnd(session, mitra(), on({ early_end_mitra_daily_cap: 3 }), { countToday: 2, reviewId: null }, DAY, NOW))
    expect(p).toMatchObject({ countAfter: 3, overCap: false, review: 'open', existingReviewId: null })
  })

  it('refuses the early end past the cap with block', () => {
    const d = decideEarlyEnd(session, mitra(), on({ early_end_mitra_daily_cap: 3 }), { countToday: 3, reviewId: 11 }, DAY, NOW)
    expect(refusal(d)).toBe('DAILY_CAP_REACHED')
  })

  it('lets the early end past the cap through with allow, marked over_cap and attached to the open review', () => {
    const flags = on({ early_end_mitra_daily_cap: 3, early_end_mitra_over_cap_action: 'allow' })
    const p = plan(decideEarlyEnd(session, mitra(), flags, { countToday: 3, reviewId: 11 }, DAY, NOW))
    expect(p).toMatchObject({ countAfter: 4, overCap: true, review: 'attach', existingReviewId: 11 })
  })

  it('attaches to an existing review when the cap was lowered below today’s count', () => {
    const flags = on({ early_end_mitra_daily_cap: 1, early_end_mitra_over_cap_action: 'allow' })
    const p = plan(decideEarlyEnd(session, mitra(), flags, { countToday: 1, reviewId: 5 }, DAY, NOW))
    expect(p).toMatchObject({ overCap: true, review: 'attach', existingReviewId: 5 })
  })

  it('never counts customer or support early ends toward the cap, even when the mitra is over it', () => {
    const full = { countToday: 9, reviewId: 3 }
    const c = plan(decideEarlyEnd(session, { userType: UserType.CUSTOMER, actorId: 'c-1' }, on({ early_end_mitra_daily_cap: 1 }), full, DAY, NOW))
    const s = plan(
      decideEarlyEnd(session, { userType: UserType.SUPPORT, actorId: 'cs', reason: 'other', note: 'x' }, on({ early_end_mitra_daily_cap: 1 }), full, DAY, NOW),
    )
    for (const p of [c, s]) expect(p).toMatchObject({ countsTowardCap: false, countAfter: 9, overCap: false, review: 'none' })
  })

  it('sets the grace window from closing_grace_seconds', () => {
    expect(plan(decideEarlyEnd(session, mitra(), on(), noCap, DAY, NOW)).graceEndsAt.toISOString()).toBe('2026-11-24T03:05:00.000Z')
    expect(plan(decideEarlyEnd(session, mitra(), on({ closing_grace_seconds: 0 }), noCap, DAY, NOW)).graceEndsAt.toISOString()).toBe(NOW.toISOString())
  })

  it('counts remainingToday down to zero and never below', () => {
    const flags = on({ early_end_mitra_daily_cap: 2 })
    expect([0, 1, 2, 3].map((n) => remainingToday(flags, n))).toEqual([2, 1, 0, 0])
  })
})

describe('the order of the checks', () => {
  it('reports the gate before anything else, ownership before state, state before the reason, the reason before the cap', () => {
    const off = on({ early_end_mitra_enabled: false })
    expect(refusal(decideEarlyEnd(null, mitra({ actorId: 'm-2' }), off, noCap, DAY, NOW))).toBe('EARLY_END_DISABLED')
    expect(refusal(decideEarlyEnd({ ...session, status: 'closed' }, { userType: UserType.MITRA, actorId: 'm-2' }, on(), noCap, DAY, NOW))).toBe('FORBIDDEN')
    expect(refusal(decideEarlyEnd({ ...session, status: 'closed' }, { userType: UserType.MITRA, actorId: 'm-1' }, on(), noCap, DAY, NOW))).toBe('INVALID_STATE')
    expect(
      refusal(
        decideEarlyEnd(session, { userType: UserType.MITRA, actorId: 'm-1' }, on({ early_end_mitra_daily_cap: 1 }), { countToday: 5, reviewId: 1 }, DAY, NOW),
      ),
    ).toBe('REASON_REQUIRED')
  })
})

describe('goodbyes', () => {
  const closing: SessionFacts = { ...session, status: 'closing', graceEndsAt: '2026-11-24T03:05:00.000Z' }

  it('accepts one goodbye per side while the session is closing', () => {
    expect(decideGoodbye(closing, UserType.MITRA, 'm-1', [], NOW)).toEqual({ allowed: true, side: 'mitra' })
    expect(decideGoodbye(closing, UserType.CUSTOMER, 'c-1', ['mitra'], NOW)).toEqual({ allowed: true, side: 'customer' })
  })

  it('refuses a second goodbye from the same side', () => {
    const d = decideGoodbye(closing, UserType.MITRA, 'm-1', ['mitra'], NOW)
    expect(d.allowed ? null : d.error.code).toBe('INVALID_STATE')
  })

  it('refuses goodbyes outside the closing window or from the wrong party', () => {
    const code = (d: ReturnType<typeof decideGoodbye>) => (d.allowed ? 'allowed' : d.error.code)
    expect(code(decideGoodbye(session, UserType.MITRA, 'm-1', [], NOW))).toBe('INVALID_STATE')
    expect(code(decideGoodbye(closing, UserType.MITRA, 'm-1', [], new Date('2026-11-24T03:05:00Z')))).toBe('INVALID_STATE')
    expect(code(decideGoodbye(closing, UserType.MITRA, 'm-2', [], NOW))).toBe('FORBIDDEN')
    expect(code(decideGoodbye(closing, UserType.SUPPORT, 'cs', [], NOW))).toBe('INVALID_INPUT')
    expect(code(decideGoodbye(null, UserType.MITRA, 'm-1', [], NOW))).toBe('SESSION_NOT_FOUND')
  })
})
