import { HaloError } from '../errors.js'

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone)
  if (f === undefined) {
    // en-CA formats dates as YYYY-MM-DD.
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
    formatters.set(timeZone, f)
  }
  return f
}

/**
 * The business day (`YYYY-MM-DD`) an instant falls on in `timeZone`. The one
 * place the library decides what "today" means, for the cap and for reports.
 *
 * ```ts
 * businessDay(new Date('2026-11-24T16:59:59Z'), 'Asia/Jakarta') // '2026-11-24'
 * businessDay(new Date('2026-11-24T17:00:00Z'), 'Asia/Jakarta') // '2026-11-25'
 * ```
 */
export function businessDay(instant: Date, timeZone: string): string {
  // the same second in the same zone is the same day (every offset, old local mean times included, is
  // whole seconds): calls in a burst ask for the second the previous one did, and formatting costs
  // more than the rest of an early end's rules
  const second = Math.floor(instant.getTime() / 1000)
  if (lastDay !== null && lastDay.second === second && lastDay.timeZone === timeZone) return lastDay.day
  const day = dayOf(instant, timeZone)
  lastDay = { second, timeZone, day }
  return day
}

let lastDay: { readonly second: number; readonly timeZone: string; readonly day: string } | null = null

function dayOf(instant: Date, timeZone: string): string {
  const day = formatterFor(timeZone).format(instant)
  if (FOUR_DIGIT_DAY.test(day)) return day
  // Intl writes years before 1000 with fewer digits (999-12-31) and after 9999 with more
  if (/^\d{1,3}-\d{2}-\d{2}$/.test(day)) return day.padStart(10, '0')
  throw new HaloError('INVALID_INPUT', `${instant.toISOString()} falls on ${day} in ${timeZone}: business days end at 9999-12-31`)
}

const FOUR_DIGIT_DAY = /^\d{4}-\d{2}-\d{2}$/

/** How this runtime spells a zone it knows, whatever the case it was given in: `asia/jakarta` → `Asia/Jakarta`. */
export function canonicalTimeZone(timeZone: string): string {
  return formatterFor(timeZone).resolvedOptions().timeZone
}

/**
 * True when `timeZone` is an IANA zone this runtime knows.
 *
 * ```ts
 * isValidTimeZone('Asia/Jakarta') // true
 * isValidTimeZone('WIB')          // false
 * ```
 */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone)
    return true
  } catch {
    return false
  }
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/

/**
 * True for a real calendar date written `YYYY-MM-DD` (no 2026-02-30).
 *
 * ```ts
 * isCalendarDay('2026-02-30') // false
 * ```
 */
export function isCalendarDay(text: string): boolean {
  const m = DAY.exec(text)
  if (m === null) return false
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const t = new Date(Date.UTC(y, mo - 1, d))
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d
}

/**
 * The calendar day `n` days after `day` (negative goes back).
 *
 * ```ts
 * addDays('2026-12-31', 1) // '2027-01-01'
 * ```
 *
 * @throws HaloError `INVALID_INPUT` past 9999-12-31 or before year 1
 */
export function addDays(day: string, n: number): string {
  const t = new Date(`${day}T00:00:00Z`)
  t.setUTCDate(t.getUTCDate() + n)
  const iso = t.toISOString()
  // past 9999 toISOString writes +010000-01-01, which would sort before 9999-12-31
  if (!FOUR_DIGIT_DAY.test(iso.slice(0, 10))) throw new HaloError('INVALID_INPUT', `${day} ${n < 0 ? '-' : '+'} ${Math.abs(n)} days leaves the years 0001-9999`)
  return iso.slice(0, 10)
}

/**
 * The first instant of business day `day` in `timeZone`: where `businessDay()`
 * turns to `day` (midnight there, or the first hour after a midnight a
 * daylight-saving change skipped).
 *
 * ```ts
 * businessDayStart('2026-11-24', 'Asia/Jakarta').toISOString() // '2026-11-23T17:00:00.000Z'
 * ```
 */
export function businessDayStart(day: string, timeZone: string): Date {
  // every zone is within 14 hours of UTC: the day starts in this window, and businessDay() only grows across it
  let lo = Date.parse(`${day}T00:00:00Z`) - 15 * 3_600_000
  let hi = lo + 30 * 3_600_000
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2)
    if (businessDay(new Date(mid), timeZone) >= day) hi = mid
    else lo = mid
  }
  return new Date(hi)
}
