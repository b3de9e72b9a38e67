import { isCalendarDay } from './business-day.js'

/**
 * Where the library reads the time. Inject a fixed or stepping clock in tests and replays.
 *
 * ```ts
 * const closures = createClosureService(handle, { clock: fixedClock('2026-11-24T16:59:59Z') })
 * ```
 */
export interface Clock {
  /** The current instant. */
  now(): Date
}

/**
 * The real time: what every service uses unless given a clock.
 *
 * ```ts
 * businessDay(systemClock.now(), 'Asia/Jakarta') // today in Jakarta
 * ```
 */
export const systemClock: Clock = Object.freeze({ now: () => new Date() })

/**
 * A clock that stands still until moved; for tests and `HALO_NOW`.
 *
 * ```ts
 * const clock = fixedClock('2026-11-24T16:59:59Z')
 * clock.advance(1000) // now 17:00:00Z, the next Jakarta day
 * ```
 */
export function fixedClock(start: Date | string): Clock & { set(t: Date | string): void; advance(ms: number): void } {
  let t = new Date(start).getTime()
  if (Number.isNaN(t)) throw new RangeError(`not a time: ${String(start)}`)
  return {
    now: () => new Date(t),
    set: (next) => {
      t = new Date(next).getTime()
    },
    advance: (ms) => {
      t += ms
    },
  }
}

/**
 * The last day an instant may fall on: its business day in any zone, a session
 * of a day and a grace window after it, stay within year 9999.
 */
const LAST_DAY = '9998-12-31'

const INSTANT = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2}))$/

/**
 * Reads an ISO-8601 instant with its zone (`Z` or `±HH:MM`), as `HALO_NOW`
 * takes it; null for anything else, impossible dates and times included
 * (`Date.parse` would read 2026-02-30 as March 2nd), and instants after 9998
 * (the calendar the library writes ends with year 9999).
 *
 * ```ts
 * parseInstant('2026-11-24T16:59:59Z') // a Date
 * parseInstant('2026-11-24 16:59')     // null: no T, no zone
 * ```
 */
export function parseInstant(text: string): Date | null {
  const m = INSTANT.exec(text)
  if (m === null || !isCalendarDay(m[1]!) || m[1]! > LAST_DAY) return null
  const [hour, minute, second] = [Number(m[2]), Number(m[3]), Number(m[4] ?? 0)]
  if (hour > 23 || minute > 59 || second > 59) return null
  if (m[6] !== undefined && (Number(m[6]) > 23 || Number(m[7]) > 59)) return null
  const t = new Date(text)
  return Number.isNaN(t.getTime()) ? null : t
}
