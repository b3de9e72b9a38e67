import type { Initiator } from './vocabulary.js'

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

export const USER_TYPES: readonly UserType[] = Object.freeze([UserType.MITRA, UserType.CUSTOMER, UserType.SUPPORT])

/** How a user type is written in `session_closures.initiated_by`. */
export function initiatorOf(userType: UserType): Exclude<Initiator, 'system'> {
  return userType === UserType.MITRA ? 'mitra' : userType === UserType.CUSTOMER ? 'customer' : 'support'
}
