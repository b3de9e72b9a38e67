/**
 * Parsers for arguments and option values, for commander's `argParser`: a bad
 * value is a usage error (exit 2) before anything opens the database. Free of
 * zod on purpose: they run on every start (see flag-registry.ts).
 */
import { InvalidArgumentError } from 'commander'
import { isCalendarDay } from '../core/business-day.js'
import { defaultFlags } from '../config/flag-registry.js'
import { NOTE_MAX, partyIdProblem, reasonCodeProblem, storedTextProblem } from '../core/ids.js'

/** An integer from `min` to `max`, written as plain digits. */
export function integer(min: number, max: number): (text: string) => number {
  return (text) => {
    if (!/^[+-]?\d{1,16}$/.test(text)) throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`)
    const n = Number(text)
    if (n < min || n > max) throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`)
    return n
  }
}

const positive = integer(1, Number.MAX_SAFE_INTEGER)

/** A session or review id: a positive integer, with or without the `#` the TUI and lists print it with (`#153424`). */
export function rowId(text: string): number {
  return positive(text.startsWith('#') ? text.slice(1) : text)
}

/**
 * What a parser accepts, when it is a closed set: `halo-admin completion`
 * reads it off the command tree, so completions follow the parsers.
 */
export interface Completable {
  /** The values, and what some of them mean (shown beside them where the shell can: fish). */
  readonly completions?: { readonly values: readonly string[]; readonly list: boolean; readonly descriptions?: Readonly<Record<string, string>> }
  /**
   * For an argument whose values depend on the argument before it (`flag set <key> <value>`):
   * the values after each word, where they are a fixed set.
   */
  readonly completionsAfter?: Readonly<Record<string, { readonly values: readonly string[]; readonly list: boolean }>>
}

/** Marks `parse` as accepting only `values` (`list`: comma-separated), some of them described for completion. */
export function completing<F extends (text: string) => unknown>(
  parse: F,
  values: readonly string[],
  list = false,
  descriptions?: Readonly<Record<string, string>>,
): F & Completable {
  return Object.assign(parse, { completions: { values: Object.freeze([...values]), list, ...(descriptions === undefined ? {} : { descriptions }) } })
}

/** One of `allowed` (what each means, for completion, in `descriptions`). */
export function choice<T extends string>(allowed: readonly T[], descriptions?: Readonly<Record<T, string>>): ((text: string) => T) & Completable {
  return completing(
    (text: string) => {
      if (!(allowed as readonly string[]).includes(text)) throw new InvalidArgumentError(`expected one of ${allowed.join(', ')}`)
      return text as T
    },
    allowed,
    false,
    descriptions,
  )
}

/** A comma-separated list of `allowed`, at least one, without repeats. */
export function choices<T extends string>(allowed: readonly T[], descriptions?: Readonly<Record<T, string>>): ((text: string) => T[]) & Completable {
  const one = choice(allowed)
  return completing((text: string) => [...new Set(text.split(',').map((s) => one(s.trim())))], allowed, true, descriptions)
}

/** A business day, `YYYY-MM-DD`, that exists on the calendar. */
export function day(text: string): string {
  if (!isCalendarDay(text)) throw new InvalidArgumentError('expected a calendar day YYYY-MM-DD')
  return text
}

/** A customer, mitra or actor id. */
export function partyId(text: string): string {
  const problem = partyIdProblem(text)
  if (problem !== null) throw new InvalidArgumentError(problem)
  return text
}

/**
 * Text the library stores verbatim (goodbye messages, idempotency keys): at
 * most `max` characters counted as the library counts them (code points), no
 * U+0000 or lone surrogates (`storedTextProblem`); `nonEmpty` refuses ''.
 */
export function storedText(max: number, { nonEmpty = false } = {}): (text: string) => string {
  return (text) => {
    if (nonEmpty && text === '') throw new InvalidArgumentError('must not be empty')
    const problem = storedTextProblem(text, max)
    if (problem !== null) throw new InvalidArgumentError(problem)
    return text
  }
}

/** Free text stored verbatim (notes): at most NOTE_MAX characters. */
export const note = storedText(NOTE_MAX)

/** A share from 0 to 1, written as a decimal (`0.15`, `1`, `.5`). */
export function fraction(text: string): number {
  if (!/^(?:0|1|0?\.\d{1,12}|1\.0{1,12})$/.test(text)) throw new InvalidArgumentError('expected a number from 0 to 1, e.g. 0.15')
  return Number(text)
}

/**
 * A reason code as `early_end_reason_codes` holds them: 1-40 characters of a-z, 0-9, _. Completion
 * offers the default codes (the configured ones live in the database, which completion never opens).
 */
export const reasonCode = completing((text: string): string => {
  const problem = reasonCodeProblem(text)
  if (problem !== null) throw new InvalidArgumentError(problem)
  return text
}, defaultFlags().early_end_reason_codes)

/** A line of free text of 1 to `max` characters, without control characters (seeds, labels). */
export function label(max: number): (text: string) => string {
  return (text) => {
    if (text.length < 1 || text.length > max || /[\u0000-\u001f\u007f]/.test(text)) throw new InvalidArgumentError(`expected 1-${max} printable characters`)
    return text
  }
}
