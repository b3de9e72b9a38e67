/**
 * Times as people type them (contract §6: `--since`, `--from`, `--to`, `--day`): a date
 * (`2026-12-05`), a local time in the business zone (`2026-12-05T13:00`, `2026-12-05 13:00`), an
 * instant with its zone (`2026-12-05T13:00:00+07:00`, `…Z`), `today`, `yesterday`, and durations
 * back from now (`30m`, `2h`, `7d`). Read first (`parsePeopleTime`, no clock or zone needed), then
 * resolved against the clock and `business_timezone` into an instant or a business day.
 */
import { addDays, businessDay, businessDayStart, isCalendarDay } from './business-day.js'
import { parseInstant } from './clock.js'
import { localInstant } from './local-time.js'

export type PeopleTime =
  | { readonly kind: 'day'; readonly day: string }
  | { readonly kind: 'local'; readonly day: string; readonly minuteOfDay: number; readonly second: number }
  | { readonly kind: 'instant'; readonly at: Date }
  | { readonly kind: 'relative-day'; readonly daysBack: 0 | 1 }
  | { readonly kind: 'ago'; readonly ms: number }

/** What a person may type, for messages. */
export const PEOPLE_TIME_FORMS =
  'a date (2026-12-05), a local time (2026-12-05 13:00), an instant with its zone (2026-12-05T13:00+07:00), today, yesterday, or 30m, 2h, 7d back from now'

const LOCAL = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/
const AGO = /^(\d{1,6})\s*(s|m|min|h|d|w)$/
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 }
/** An instant with its zone, also written with a space or without seconds (`2026-12-05 13:00+07:00`). */
const ZONED = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2}(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i

/**
 * Reads a time as a person typed it; null when it is none of the forms.
 *
 * ```ts
 * parsePeopleTime('2h')               // { kind: 'ago', ms: 7200000 }
 * parsePeopleTime('2026-12-05 13:00') // { kind: 'local', day: '2026-12-05', minuteOfDay: 780, second: 0 }
 * ```
 */
export function parsePeopleTime(input: string): PeopleTime | null {
  const text = input.trim()
  const word = text.toLowerCase()
  if (word === 'today' || word === 'now') return word === 'now' ? { kind: 'ago', ms: 0 } : { kind: 'relative-day', daysBack: 0 }
  if (word === 'yesterday') return { kind: 'relative-day', daysBack: 1 }
  const ago = AGO.exec(word)
  if (ago !== null) return { kind: 'ago', ms: Number(ago[1]) * UNIT_MS[ago[2]!]! }
  if (isCalendarDay(text)) return { kind: 'day', day: text }
  const local = LOCAL.exec(text)
  if (local !== null) {
    const [hour, minute, second] = [Number(local[2]), Number(local[3]), Number(local[4] ?? 0)]
    if (!isCalendarDay(local[1]!) || hour > 23 || minute > 59 || second > 59) return null
    return { kind: 'local', day: local[1]!, minuteOfDay: hour * 60 + minute, second }
  }
  const zoned = ZONED.exec(text)
  if (zoned !== null) {
    const zone = zoned[4]!.toUpperCase() === 'Z' ? 'Z' : zoned[4]!.replace(/^([+-]\d{2}):?(\d{2})$/, '$1:$2')
    const at = parseInstant(`${zoned[1]}T${zoned[2]}${zoned[3] ?? ':00'}${zone}`)
    return at === null ? null : { kind: 'instant', at }
  }
  return null
}

/**
 * The instant a time stands for: a date from the start of that business day, a local time in
 * `timeZone`, `today`/`yesterday` from the start of the day, a duration back from `now`.
 *
 * ```ts
 * instantOf(parsePeopleTime('yesterday')!, new Date('2026-12-05T03:00:00Z'), 'Asia/Jakarta').toISOString() // '2026-12-03T17:00:00.000Z'
 * ```
 */
export function instantOf(t: PeopleTime, now: Date, timeZone: string): Date {
  switch (t.kind) {
    case 'day':
      return businessDayStart(t.day, timeZone)
    case 'local':
      return new Date(localInstant(t.day, t.minuteOfDay, timeZone).getTime() + t.second * 1000)
    case 'instant':
      return t.at
    case 'relative-day':
      return businessDayStart(addDays(businessDay(now, timeZone), -t.daysBack), timeZone)
    case 'ago':
      return new Date(now.getTime() - t.ms)
  }
}

/**
 * The business day a time falls on (`--from`, `--to`, `--day`): a date is itself; anything else is the
 * day, in `timeZone`, of the instant it stands for (`7d`: the day a week ago).
 *
 * ```ts
 * dayOf(parsePeopleTime('today')!, new Date('2026-12-05T18:00:00Z'), 'Asia/Jakarta') // '2026-12-06'
 * ```
 */
export function dayOf(t: PeopleTime, now: Date, timeZone: string): string {
  return t.kind === 'day' ? t.day : businessDay(instantOf(t, now, timeZone), timeZone)
}
