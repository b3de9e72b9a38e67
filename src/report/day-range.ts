/** The `--from/--to` range of the reports and the what-if replay: business days, inclusive. */
import { HaloError } from '../errors.js'
import { addDays, businessDay, isCalendarDay } from '../core/business-day.js'

/**
 * Business days a report covers when no `from` is given: the 14 days ending on `to` (today by default).
 *
 * ```ts
 * await reports.closures('day', { from: addDays(today, 1 - DEFAULT_RANGE_DAYS), to: today }) // the default range
 * ```
 */
export const DEFAULT_RANGE_DAYS = 14

/** At most this many days in one range (ten years), so a typo cannot ask for a million zero rows. */
export const MAX_RANGE_DAYS = 3660

/**
 * A range of business days, both ends included; either end may be left out.
 *
 * ```ts
 * const range: DayRange = { from: '2026-11-01', to: '2026-11-24' }
 * ```
 */
export interface DayRange {
  /** First business day, `YYYY-MM-DD`, inclusive. */
  readonly from?: string | undefined
  /** Last business day, `YYYY-MM-DD`, inclusive. */
  readonly to?: string | undefined
}

/**
 * A range with both ends filled in and checked.
 *
 * ```ts
 * const { from, to }: ResolvedRange = await reports.range({ to: '2026-11-24' }) // from: '2026-11-11'
 * ```
 */
export interface ResolvedRange {
  readonly from: string
  readonly to: string
}

/** Checks a `YYYY-MM-DD` day; `INVALID_INPUT` names `what` when it is not a real calendar date. */
export function checkDay(day: string, what: string): string {
  if (typeof day !== 'string' || !isCalendarDay(day)) throw new HaloError('INVALID_INPUT', `${what}: "${String(day)}" is not a calendar day (YYYY-MM-DD)`)
  return day
}

/** Days from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1
}

/**
 * Fills in the defaults and validates: `to` defaults to today in `timeZone`,
 * `from` to 13 days before `to` (14 business days in all).
 *
 * ```ts
 * resolveRange({}, new Date('2026-11-24T03:00:00Z'), 'Asia/Jakarta') // { from: '2026-11-11', to: '2026-11-24' }
 * ```
 */
export function resolveRange(range: DayRange, now: Date, timeZone: string): ResolvedRange {
  const to = range.to === undefined ? businessDay(now, timeZone) : checkDay(range.to, 'to')
  const from = range.from === undefined ? addDays(to, -(DEFAULT_RANGE_DAYS - 1)) : checkDay(range.from, 'from')
  if (from > to) throw new HaloError('INVALID_INPUT', `the range is empty: from ${from} is after to ${to}`)
  if (daysBetween(from, to) > MAX_RANGE_DAYS) throw new HaloError('INVALID_INPUT', `the range ${from}..${to} is longer than ${MAX_RANGE_DAYS} days`)
  return { from, to }
}

/** Every day of a resolved range, oldest first. */
export function eachDay(range: ResolvedRange): string[] {
  // counted, never stepping past `to`: a range ending on 9999-12-31 has no day after it
  return Array.from({ length: Math.max(0, daysBetween(range.from, range.to)) }, (_, i) => addDays(range.from, i))
}
