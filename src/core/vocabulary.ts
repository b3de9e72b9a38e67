/**
 * The words the data is written in (contract §2, §8): session statuses, who starts a closure, its
 * kinds, review statuses, outcomes and triggers, and what reports group by. One definition each;
 * the schema's CHECK constraints, the rules, the services and the faces all use these.
 */

export const SESSION_STATUSES = ['active', 'extending', 'closing', 'closed'] as const
export type SessionStatus = (typeof SESSION_STATUSES)[number]

/** The statuses a session can be ended (early, or by expiry) from. */
export const ENDABLE_STATUSES = ['active', 'extending'] as const satisfies readonly SessionStatus[]
/** Live sessions: running, not yet closing. */
export const LIVE_STATUSES = ENDABLE_STATUSES

/** How a closure's starter is written in `session_closures.initiated_by`. */
export const INITIATORS = ['mitra', 'customer', 'support', 'system'] as const
export type Initiator = (typeof INITIATORS)[number]

export const CLOSURE_KINDS = ['early_end', 'expired'] as const
export type ClosureKind = (typeof CLOSURE_KINDS)[number]

export const REVIEW_STATUSES = ['open', 'resolved'] as const
export type ReviewStatus = (typeof REVIEW_STATUSES)[number]

export const REVIEW_OUTCOMES = ['cleared', 'warned', 'suspended'] as const
export type ReviewOutcome = (typeof REVIEW_OUTCOMES)[number]

/** The trigger of the review a mitra reaching the daily cap opens (`cc_reviews.trigger`). */
export const DAILY_CAP_TRIGGER = 'daily_cap_reached'

/** What the closure report counts by. */
export const CLOSURE_GROUPINGS = ['day', 'mitra', 'reason', 'initiator'] as const
export type ClosureGrouping = (typeof CLOSURE_GROUPINGS)[number]

/** The sides that post goodbyes (`session_goodbyes.side`). */
export const GOODBYE_SIDES = ['mitra', 'customer'] as const
export type GoodbyeSide = (typeof GOODBYE_SIDES)[number]
