/**
 * Parsers for arguments and option values, for commander's `argParser`: a bad
 * value is a usage error (exit 2) before anything opens the database. Free of
 * zod on purpose: they run on every start (see flag-registry.ts).
 */
import { InvalidArgumentError } from 'commander'
import { isCalendarDay } from '../core/business-day.js'
import { isPartyId, NOTE_MAX, PARTY_ID_MESSAGE } from '../core/ids.js'

/** An integer from `min` to `max`, written as plain digits. */
export function integer(min: number, max: number): (text: string) => number {
  return (text) => {
    if (!/^[+-]?\d{1,16}$/.test(text)) throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`)
    const n = Number(text)
    if (n < min || n > max) throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`)
    return n
  }
}

/** A session or review id: a positive integer. */
export const rowId = integer(1, Number.MAX_SAFE_INTEGER)

/** One of `allowed`. */
export function choice<T extends string>(allowed: readonly T[]): (text: string) => T {
  return (text) => {
    if (!(allowed as readonly string[]).includes(text)) throw new InvalidArgumentError(`expected one of ${allowed.join(', ')}`)
    return text as T
  }
}

/** A comma-separated list of `allowed`, at least one, without repeats. */
export function choices<T extends string>(allowed: readonly T[]): (text: string) => T[] {
  const one = choice(allowed)
  return (text) => [...new Set(text.split(',').map((s) => one(s.trim())))]
}

/** A business day, `YYYY-MM-DD`, that exists on the calendar. */
export function day(text: string): string {
  if (!isCalendarDay(text)) throw new InvalidArgumentError('expected a calendar day YYYY-MM-DD')
  return text
}

/** A customer, mitra or actor id. */
export function partyId(text: string): string {
  if (!isPartyId(text)) throw new InvalidArgumentError(PARTY_ID_MESSAGE)
  return text
}

/** Free text stored verbatim (notes): at most NOTE_MAX characters. */
export function note(text: string): string {
  if (text.length > NOTE_MAX) throw new InvalidArgumentError(`at most ${NOTE_MAX} characters`)
  return text
}
