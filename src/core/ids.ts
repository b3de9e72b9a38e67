/**
 * The field rules of the contract, one home for each: ids, reason codes and
 * stored text. Each is a plain function answering "what is wrong with this
 * value?" (null when nothing is); the zod schemas (`validation.ts`), the
 * zod-free config store and report filters (whose commands must start fast)
 * and the CLI's parsers all ask these, so every entry point refuses the same
 * values with the same words.
 */

/** Customer, mitra and actor ids: opaque strings of 1-64 characters `[A-Za-z0-9_.:-]`. */
export const PARTY_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/
export const PARTY_ID_MESSAGE = 'ids are 1-64 characters of A-Z, a-z, 0-9, _ . : -'

/** Reason codes as `early_end_reason_codes` holds them. */
export const REASON_CODE_PATTERN = /^[a-z0-9_]{1,40}$/
export const REASON_CODE_MESSAGE = 'reason codes are 1-40 characters of a-z, 0-9 and _'

/** Notes (reason notes, flag-change notes, review notes) are stored verbatim, at most this long. */
export const NOTE_MAX = 500

export function isPartyId(value: unknown): value is string {
  return typeof value === 'string' && PARTY_ID_PATTERN.test(value)
}

/** What is wrong with a customer, mitra or actor id; null when nothing is. */
export function partyIdProblem(value: unknown): string | null {
  return isPartyId(value) ? null : PARTY_ID_MESSAGE
}

/** What is wrong with a reason code; null when nothing is. */
export function reasonCodeProblem(value: unknown): string | null {
  return typeof value === 'string' && REASON_CODE_PATTERN.test(value) ? null : REASON_CODE_MESSAGE
}

/** U+0000 (PostgreSQL text cannot hold it) and UTF-16 surrogates without their pair (they have no UTF-8 form). */
const UNSTORABLE = /[\u0000\p{Cs}]/u

/**
 * Why `text` cannot be stored verbatim, identically on both engines, in a
 * field of at most `max` characters; null when it can. Characters are Unicode
 * code points, as PostgreSQL's varchar(n) counts them: an emoji is one.
 *
 * ```ts
 * storedTextProblem('🙏'.repeat(500), NOTE_MAX) // null
 * storedTextProblem('a\u0000b', NOTE_MAX) // 'must not contain U+0000 or an unpaired UTF-16 surrogate'
 * ```
 */
export function storedTextProblem(text: string, max: number): string | null {
  if (UNSTORABLE.test(text)) return 'must not contain U+0000 or an unpaired UTF-16 surrogate'
  let n = 0
  for (const _ of text) if (++n > max) return `at most ${max} characters`
  return null
}
