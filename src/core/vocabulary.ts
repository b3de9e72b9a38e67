/**
 * The words the data is written in (contract §2, §8): session statuses, who starts a closure, its
 * kinds, review statuses, outcomes and triggers, and what reports group by. One definition each;
 * the schema's CHECK constraints, the rules, the services and the faces all use these.
 */

/**
 * A session's statuses (contract §2), in lifecycle order.
 *
 * ```ts
 * await closures.listSessions({ status: SESSION_STATUSES.filter((s) => s !== 'closed') })
 * ```
 */
export const SESSION_STATUSES = ['active', 'extending', 'closing', 'closed'] as const
/**
 * One of `SESSION_STATUSES`: `active`, `extending`, `closing` or `closed`.
 *
 * ```ts
 * const status: SessionStatus = (await closures.getSession(42)).status
 * ```
 */
export type SessionStatus = (typeof SESSION_STATUSES)[number]

/** The statuses a session can be ended (early, or by expiry) from. */
export const ENDABLE_STATUSES = ['active', 'extending'] as const satisfies readonly SessionStatus[]
/**
 * Live sessions: running, not yet closing (`active`, `extending`): the ones an early end or a sweep can end.
 *
 * ```ts
 * const live = await closures.listSessions({ status: LIVE_STATUSES, mitraId: 'm-7' })
 * ```
 */
export const LIVE_STATUSES = ENDABLE_STATUSES

/**
 * How a closure's starter is written in `session_closures.initiated_by`; `system` is a sweep's expiry.
 *
 * ```ts
 * await reports.closures('initiator') // one row per INITIATORS entry that has closures
 * ```
 */
export const INITIATORS = ['mitra', 'customer', 'support', 'system'] as const
/**
 * One of `INITIATORS`.
 *
 * ```ts
 * const who: Initiator | undefined = (await closures.getSession(42)).closure?.initiatedBy
 * ```
 */
export type Initiator = (typeof INITIATORS)[number]

/**
 * A closure's kinds (`session_closures.kind`): an early end, or an expiry found by a sweep.
 *
 * ```ts
 * CLOSURE_KINDS.includes(closure.kind) // true
 * ```
 */
export const CLOSURE_KINDS = ['early_end', 'expired'] as const
/**
 * One of `CLOSURE_KINDS`.
 *
 * ```ts
 * const kind: ClosureKind = r.closure!.kind // 'early_end' after initiateEarlyEnd
 * ```
 */
export type ClosureKind = (typeof CLOSURE_KINDS)[number]

/**
 * A CC review's statuses (`cc_reviews.status`).
 *
 * ```ts
 * for (const status of REVIEW_STATUSES) console.log(status, (await reviews.list({ status })).length)
 * ```
 */
export const REVIEW_STATUSES = ['open', 'resolved'] as const
/**
 * One of `REVIEW_STATUSES`.
 *
 * ```ts
 * const status: ReviewStatus = (await reviews.get(7)).status
 * ```
 */
export type ReviewStatus = (typeof REVIEW_STATUSES)[number]

/**
 * What resolving a CC review may decide (`cc_reviews.outcome`).
 *
 * ```ts
 * await reviews.resolve(7, { outcome: REVIEW_OUTCOMES[1], note: 'talked to the mitra', actor: 'cc-ana' }) // warned
 * ```
 */
export const REVIEW_OUTCOMES = ['cleared', 'warned', 'suspended'] as const
/**
 * One of `REVIEW_OUTCOMES`.
 *
 * ```ts
 * const outcome: ReviewOutcome = 'cleared'
 * ```
 */
export type ReviewOutcome = (typeof REVIEW_OUTCOMES)[number]

/**
 * The trigger of the review a mitra reaching the daily cap opens (`cc_reviews.trigger`).
 *
 * ```ts
 * const capReviews = (await reviews.list()).filter((r) => r.trigger === DAILY_CAP_TRIGGER)
 * ```
 */
export const DAILY_CAP_TRIGGER = 'daily_cap_reached'

/** What the closure report counts by. */
export const CLOSURE_GROUPINGS = ['day', 'mitra', 'reason', 'initiator'] as const
export type ClosureGrouping = (typeof CLOSURE_GROUPINGS)[number]

/** The sides that post goodbyes (`session_goodbyes.side`). */
export const GOODBYE_SIDES = ['mitra', 'customer'] as const
export type GoodbyeSide = (typeof GOODBYE_SIDES)[number]
