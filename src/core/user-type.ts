/**
 * Who asks for an early end.
 *
 * ```ts
 * await closures.initiateEarlyEnd(42, UserType.MITRA, { actorId: 'mitra-7', reason: 'customer_left' })
 * ```
 */
export const UserType = {
  MITRA: 'MITRA',
  CUSTOMER: 'CUSTOMER',
  SUPPORT: 'SUPPORT',
} as const

export type UserType = (typeof UserType)[keyof typeof UserType]

/** How a user type is written in `session_closures.initiated_by`. */
/** How a closure's starter is written in `session_closures.initiated_by`. */
export const INITIATORS = ['mitra', 'customer', 'support', 'system'] as const
export type Initiator = (typeof INITIATORS)[number]

export function initiatorOf(userType: UserType): Exclude<Initiator, 'system'> {
  return userType === UserType.MITRA ? 'mitra' : userType === UserType.CUSTOMER ? 'customer' : 'support'
}

export const SESSION_STATUSES = ['active', 'extending', 'closing', 'closed'] as const
export type SessionStatus = (typeof SESSION_STATUSES)[number]

export const REVIEW_OUTCOMES = ['cleared', 'warned', 'suspended'] as const
export type ReviewOutcome = (typeof REVIEW_OUTCOMES)[number]
