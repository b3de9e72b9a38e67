/**
 * The id and note formats of the contract, as plain patterns: the zod schemas
 * in `validation.ts` and the zod-free config store (whose flag commands must
 * start fast) check against the same definitions.
 */

/** Customer, mitra and actor ids: opaque strings of 1-64 characters `[A-Za-z0-9_.:-]`. */
export const PARTY_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/
export const PARTY_ID_MESSAGE = 'ids are 1-64 characters of A-Z, a-z, 0-9, _ . : -'

/** Notes (reason notes, flag-change notes, review notes) are stored verbatim, at most this long. */
export const NOTE_MAX = 500

export function isPartyId(value: unknown): value is string {
  return typeof value === 'string' && PARTY_ID_PATTERN.test(value)
}
