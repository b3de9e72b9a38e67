/**
 * Words every face uses for the same thing, spelled once (the PRD's
 * Indonesian strings are in prd-strings.ts). Plain constants only.
 *
 * ```ts
 * import { NO_REASON } from '../present/words.js'
 * ```
 */

/** A closure, an early end or a report row without a reason code. */
export const NO_REASON = '(no reason)'
