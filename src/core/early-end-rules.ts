/**
 * The rules of contract §4 in one place: may this actor end this session now,
 * and what happens if so? Pure functions over plain data; the closure service
 * loads the facts, asks here, and writes the answer in one transaction.
 */
import { HaloError } from '../errors.js'
import type { Flags } from './flags.js'
import { inRollout, rolloutExclusion, type CohortMode } from './rollout.js'
import { UserType, initiatorOf } from './user-type.js'
import { ENDABLE_STATUSES, type Initiator, type SessionStatus } from './vocabulary.js'

/**
 * What the rules need to know of a session.
 *
 * ```ts
 * const session: SessionFacts = { id: 42, customerId: 'c-1', mitraId: 'm-7', status: 'active', graceEndsAt: null }
 * ```
 */
export interface SessionFacts {
  readonly id: number
  readonly customerId: string
  readonly mitraId: string
  readonly status: SessionStatus
  readonly graceEndsAt: string | null
}

export interface EarlyEndAsk {
  readonly userType: UserType
  readonly actorId: string
  readonly reason?: string | undefined
  readonly note?: string | undefined
  /** A mitra actor's cohort membership (`rollout add`), loaded with the flags; none when absent. */
  readonly cohort?: CohortMode | null | undefined
}

/**
 * The mitra's standing for the business day of the request.
 *
 * ```ts
 * const cap: CapFacts = { countToday: 2, reviewId: null } // two early ends today, no review yet
 * ```
 */
export interface CapFacts {
  /** Mitra early ends already counted for the session's mitra on `businessDay`. */
  readonly countToday: number
  /** The day's `daily_cap_reached` review, if one exists. */
  readonly reviewId: number | null
}

/**
 * What an allowed early end writes: the closure, the grace window, the cap count, the review.
 *
 * ```ts
 * const d = decideEarlyEnd(session, ask, flags, cap, '2026-11-24', now)
 * if (d.allowed) d.plan.graceEndsAt // now + closing_grace_seconds
 * ```
 */
export interface EarlyEndPlan {
  readonly initiatedBy: Exclude<Initiator, 'system'>
  readonly actorId: string
  readonly reason: string | null
  readonly note: string | null
  readonly businessDay: string
  readonly graceEndsAt: Date
  /** Only mitra early ends count toward the mitra's cap. */
  readonly countsTowardCap: boolean
  /** The mitra's count after this early end (unchanged when it does not count). */
  readonly countAfter: number
  readonly cap: number
  readonly overCap: boolean
  /** `open` creates the day's review, `attach` links to the existing one. */
  readonly review: 'none' | 'open' | 'attach'
  /** The review an `attach` links to. */
  readonly existingReviewId: number | null
}

/**
 * The answer of `decideEarlyEnd`: a plan to write, or the `HaloError` to refuse with.
 *
 * ```ts
 * const d: EarlyEndDecision = decideEarlyEnd(session, ask, flags, cap, day, now)
 * if (!d.allowed) throw d.error // e.g. DAILY_CAP_REACHED
 * ```
 */
export type EarlyEndDecision = { readonly allowed: true; readonly plan: EarlyEndPlan } | { readonly allowed: false; readonly error: HaloError }

const refuse = (error: HaloError): EarlyEndDecision => ({ allowed: false, error })

/**
 * Rule 2: the flag that gates each kind of user (support is never gated); for a mitra (given their
 * id), also the staged rollout (§4b): the percent by their stable bucket, overridden by the cohort.
 * The mitra app's `clientConfig` and `initiateEarlyEnd` both ask here, so they agree for every mitra.
 *
 * ```ts
 * earlyEndEnabledFor(UserType.MITRA, await config.all(), 'm-7', null) // early_end_mitra_enabled and m-7 in the rollout
 * ```
 */
export function earlyEndEnabledFor(userType: UserType, flags: Flags, actorId?: string, cohort: CohortMode | null = null): boolean {
  if (userType === UserType.MITRA)
    return flags.early_end_mitra_enabled && (actorId === undefined || inRollout(actorId, flags.early_end_mitra_rollout_percent, cohort))
  if (userType === UserType.CUSTOMER) return flags.early_end_customer_enabled
  return true
}

/**
 * Whether the mitra app shows its Akhiri button: while mitra early ends are on, and (given a status)
 * on a session that can still be ended, and (given the mitra) to a mitra in the rollout. The TUI
 * shows the same, so support sees what the mitra sees.
 *
 * ```ts
 * mitraSeesEndAction(await config.all(), 'active') // early_end_mitra_enabled
 * ```
 */
export function mitraSeesEndAction(
  flags: Pick<Flags, 'early_end_mitra_enabled' | 'early_end_mitra_rollout_percent'>,
  status?: SessionStatus,
  mitra?: { readonly id: string; readonly cohort: CohortMode | null },
): boolean {
  const rolledOut = mitra === undefined || inRollout(mitra.id, flags.early_end_mitra_rollout_percent, mitra.cohort)
  return flags.early_end_mitra_enabled && rolledOut && (status === undefined || canEndFrom(status))
}

/**
 * Rule 5: whether this user type must give a reason (support always; a mitra when
 * `early_end_reason_required`; a customer never).
 *
 * ```ts
 * reasonRequiredFor(UserType.SUPPORT, flags) // true
 * ```
 */
export function reasonRequiredFor(userType: UserType, flags: Flags): boolean {
  if (userType === UserType.SUPPORT) return true
  if (userType === UserType.MITRA) return flags.early_end_reason_required
  return false
}

/**
 * Rule 5: the reason whose early end must carry a free-text note (`other`).
 *
 * ```ts
 * noteRequiredFor('other') // true
 * ```
 */
export function noteRequiredFor(reason: string): boolean {
  return reason === 'other'
}

/**
 * Rule 6: early ends a mitra has left today before one past the cap.
 *
 * ```ts
 * remainingToday({ ...defaultFlags(), early_end_mitra_daily_cap: 3 }, 2) // 1
 * ```
 */
export function remainingToday(flags: Flags, countToday: number): number {
  return Math.max(0, flags.early_end_mitra_daily_cap - countToday)
}

/** Rule 3: is the actor the session's own mitra or customer (support may act on any session)? */
export function isOwnSession(session: SessionFacts, userType: UserType, actorId: string): boolean {
  if (userType === UserType.MITRA) return session.mitraId === actorId
  if (userType === UserType.CUSTOMER) return session.customerId === actorId
  return true
}

export function canEndFrom(status: SessionStatus): boolean {
  return (ENDABLE_STATUSES as readonly SessionStatus[]).includes(status)
}

/**
 * Rule 10: a mitra is never the customer of their own session. The library refuses to open one; a
 * row written by another writer is still refused here, so a mitra cannot end their own session as its
 * customer and dodge the daily cap.
 */
export function selfSessionProblem(mitraId: string, customerId: string): HaloError | null {
  if (mitraId !== customerId) return null
  return new HaloError('FORBIDDEN', `${mitraId} is both the mitra and the customer of this session; a mitra cannot be their own customer`)
}

function checkReason(ask: EarlyEndAsk, flags: Flags): HaloError | null {
  const required = reasonRequiredFor(ask.userType, flags)
  if (ask.reason === undefined) {
    if (required) return new HaloError('REASON_REQUIRED', `a reason is required; one of: ${flags.early_end_reason_codes.join(', ')}`)
    if (ask.note !== undefined) return new HaloError('INVALID_INPUT', 'a note needs a reason')
    return null
  }
  if (!flags.early_end_reason_codes.includes(ask.reason)) {
    return new HaloError('INVALID_INPUT', `unknown reason "${ask.reason}"; one of: ${flags.early_end_reason_codes.join(', ')}`)
  }
  if (noteRequiredFor(ask.reason) && (ask.note === undefined || ask.note.trim() === '')) {
    return new HaloError('INVALID_INPUT', `reason "${ask.reason}" needs a note`)
  }
  return null
}

/**
 * Decides an early end. The order of the checks is the contract's: the gate,
 * the session, ownership, state, reason, then the daily cap.
 *
 * ```ts
 * const d = decideEarlyEnd(session, { userType: UserType.MITRA, actorId: 'm1', reason: 'customer_left' },
 *   flags, { countToday: 2, reviewId: null }, '2026-11-24', now)
 * if (d.allowed && d.plan.review === 'open') // this early end reaches the cap of 3
 * ```
 */
export function decideEarlyEnd(session: SessionFacts | null, ask: EarlyEndAsk, flags: Flags, cap: CapFacts, day: string, now: Date): EarlyEndDecision {
  if (!earlyEndEnabledFor(ask.userType, flags)) {
    const who = ask.userType === UserType.MITRA ? 'mitras' : 'customers'
    const flag = ask.userType === UserType.MITRA ? 'early_end_mitra_enabled' : 'early_end_customer_enabled'
    return refuse(new HaloError('EARLY_END_DISABLED', `early end by ${who} is switched off (${flag} is false)`))
  }
  if (ask.userType === UserType.MITRA) {
    const outside = rolloutExclusion(ask.actorId, flags.early_end_mitra_rollout_percent, ask.cohort ?? null)
    if (outside !== null) return refuse(new HaloError('EARLY_END_DISABLED', `early end by mitras is not rolled out to everyone: ${outside}`))
  }
  if (session === null) return refuse(new HaloError('SESSION_NOT_FOUND', 'no such session'))
  if (!isOwnSession(session, ask.userType, ask.actorId)) {
    return refuse(new HaloError('FORBIDDEN', `${ask.actorId} is not this session's ${ask.userType === UserType.MITRA ? 'mitra' : 'customer'}`))
  }
  const self = ask.userType === UserType.CUSTOMER ? selfSessionProblem(session.mitraId, session.customerId) : null
  if (self !== null) return refuse(self)
  if (!canEndFrom(session.status)) {
    return refuse(
      new HaloError('INVALID_STATE', `session ${session.id} is ${session.status}; only active or extending sessions can be ended`, {
        details: { status: session.status },
      }),
    )
  }
  const reasonError = checkReason(ask, flags)
  if (reasonError !== null) return refuse(reasonError)

  const countsTowardCap = ask.userType === UserType.MITRA
  const limit = flags.early_end_mitra_daily_cap
  const countAfter = countsTowardCap ? cap.countToday + 1 : cap.countToday
  const overCap = countsTowardCap && countAfter > limit
  if (overCap && flags.early_end_mitra_over_cap_action === 'block') {
    return refuse(
      new HaloError('DAILY_CAP_REACHED', `mitra ${session.mitraId} has reached the daily cap of ${limit} early ends for ${day}`, {
        details: { cap: limit, countToday: cap.countToday, businessDay: day },
      }),
    )
  }
  const review = !countsTowardCap || countAfter < limit ? 'none' : cap.reviewId === null ? 'open' : 'attach'
  return {
    allowed: true,
    plan: {
      initiatedBy: initiatorOf(ask.userType),
      actorId: ask.actorId,
      reason: ask.reason ?? null,
      note: ask.note ?? null,
      businessDay: day,
      graceEndsAt: new Date(now.getTime() + flags.closing_grace_seconds * 1000),
      countsTowardCap,
      countAfter,
      cap: limit,
      overCap,
      review,
      existingReviewId: review === 'attach' ? cap.reviewId : null,
    },
  }
}

export type GoodbyeSide = 'mitra' | 'customer'

/**
 * May this actor post a goodbye now? Closing sessions only, one per side, own side only.
 *
 * ```ts
 * const d = decideGoodbye(session, UserType.CUSTOMER, 'c-1', ['mitra'], now)
 * if (d.allowed) d.side // 'customer': the mitra has posted theirs
 * ```
 */
export function decideGoodbye(
  session: SessionFacts | null,
  userType: UserType,
  actorId: string,
  sidesPosted: readonly GoodbyeSide[],
  now: Date,
): { allowed: true; side: GoodbyeSide } | { allowed: false; error: HaloError } {
  if (userType === UserType.SUPPORT) return { allowed: false, error: new HaloError('INVALID_INPUT', 'goodbyes are posted by the mitra or the customer') }
  if (session === null) return { allowed: false, error: new HaloError('SESSION_NOT_FOUND', 'no such session') }
  if (!isOwnSession(session, userType, actorId)) {
    return { allowed: false, error: new HaloError('FORBIDDEN', `${actorId} is not this session's ${userType === UserType.MITRA ? 'mitra' : 'customer'}`) }
  }
  const side: GoodbyeSide = userType === UserType.MITRA ? 'mitra' : 'customer'
  const graceOver = session.graceEndsAt !== null && new Date(session.graceEndsAt).getTime() <= now.getTime()
  if (session.status !== 'closing' || graceOver) {
    return {
      allowed: false,
      error: new HaloError(
        'INVALID_STATE',
        `goodbyes are posted during the closing window; session ${session.id} is ${graceOver ? 'past its grace window' : session.status}`,
      ),
    }
  }
  if (sidesPosted.includes(side)) return { allowed: false, error: new HaloError('INVALID_STATE', `the ${side} already said goodbye in session ${session.id}`) }
  return { allowed: true, side }
}
