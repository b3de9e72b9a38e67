/**
 * How times and lengths of time read for people, in every face (CLI text,
 * TUI). One format each: an instant is `2026-11-24 10:00 WIB` in the business
 * time zone (or `2026-11-24 03:00 UTC` with `--utc`), a length of time is
 * `45s`, `4m 30s`, `1h 05m` or `2d 3h`. JSON keeps ISO-8601 UTC.
 */

const formats = new Map<string, Intl.DateTimeFormat>()

function formatFor(locale: string, timeZone: string, seconds: boolean, zoneName: boolean): Intl.DateTimeFormat {
  const id = `${locale}|${timeZone}|${seconds}|${zoneName}`
  let f = formats.get(id)
  if (f === undefined) {
    f = new Intl.DateTimeFormat(locale, {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      ...(seconds ? { second: '2-digit' } : {}),
      hourCycle: 'h23',
      ...(zoneName ? { timeZoneName: 'short' } : {}),
    })
    formats.set(id, f)
  }
  return f
}

/**
 * The zone's short name at `at`: `WIB`, `WITA`, `WIT` for Indonesia's zones
 * (the en-ID names), `UTC`, `EST`, or `GMT+7` where no abbreviation exists.
 */
export function zoneAbbreviation(timeZone: string, at: Date): string {
  const name = (locale: string) =>
    formatFor(locale, timeZone, false, true)
      .formatToParts(at)
      .find((p) => p.type === 'timeZoneName')?.value ?? timeZone
  const us = name('en-US')
  if (!/^GMT[+-]/.test(us)) return us
  const id = name('en-ID')
  return /^GMT/.test(id) ? us : id
}

export interface InstantFormat {
  /** Show UTC instead of the business time zone (`--utc`). */
  readonly utc?: boolean
  /** Include seconds (`10:00:05`). */
  readonly seconds?: boolean
}

/** What a zone shows during one quarter-hour of UTC: its offset from UTC and its abbreviation. */
interface ZoneSpan {
  readonly offsetMs: number
  readonly abbreviation: string
}

const QUARTER_HOUR = 900_000
const spans = new Map<string, ZoneSpan>()

/**
 * The zone's offset and abbreviation at `ms`, asked of Intl once per zone and
 * quarter-hour: zones change offset only at whole quarter-hours of UTC, and
 * Intl costs ~50 µs a call, which a table of 20,000 sessions felt.
 */
function zoneSpan(timeZone: string, ms: number): ZoneSpan {
  const key = `${timeZone}|${Math.floor(ms / QUARTER_HOUR)}`
  let span = spans.get(key)
  if (span === undefined) {
    const at = new Date(ms - (((ms % 1000) + 1000) % 1000))
    const p = Object.fromEntries(
      formatFor('en-US', timeZone, true, false)
        .formatToParts(at)
        .map((x) => [x.type, x.value]),
    )
    const local = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second))
    span = { offsetMs: local - at.getTime(), abbreviation: timeZone === 'UTC' ? 'UTC' : zoneAbbreviation(timeZone, at) }
    if (spans.size >= 10_000) spans.clear()
    spans.set(key, span)
  }
  return span
}

const two = (n: number) => String(n).padStart(2, '0')

/**
 * An instant for people: `2026-11-24 10:00 WIB` in `timeZone`, or in UTC with `utc`.
 * `null` reads `-`.
 *
 * ```ts
 * formatInstant('2026-11-24T03:00:00.000Z', 'Asia/Jakarta') // '2026-11-24 10:00 WIB'
 * formatInstant('2026-11-24T03:00:00.000Z', 'Asia/Jakarta', { utc: true }) // '2026-11-24 03:00 UTC'
 * ```
 */
export function formatInstant(iso: string | null, timeZone: string, options: InstantFormat = {}): string {
  if (iso === null) return '-'
  const ms = Date.parse(iso)
  if (Number.isNaN(ms)) return iso
  const span = zoneSpan(options.utc === true ? 'UTC' : timeZone, ms)
  const local = new Date(ms + span.offsetMs)
  const time = `${two(local.getUTCHours())}:${two(local.getUTCMinutes())}${options.seconds === true ? `:${two(local.getUTCSeconds())}` : ''}`
  return `${local.getUTCFullYear()}-${two(local.getUTCMonth() + 1)}-${two(local.getUTCDate())} ${time} ${span.abbreviation}`
}

/**
 * A length of time for people: `45s`, `4m 30s`, `1h 05m`, `2d 3h`; negative lengths read as 0s.
 *
 * ```ts
 * formatDuration(270_000) // '4m 30s'
 * ```
 */
export function formatDuration(ms: number): string {
  const s = Math.floor(Math.max(0, ms) / 1000)
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return s % 60 === 0 ? `${m}m` : `${m}m ${String(s % 60).padStart(2, '0')}s`
  const h = Math.floor(m / 60)
  if (h < 24) return `${h}h ${String(m % 60).padStart(2, '0')}m`
  return `${Math.floor(h / 24)}d ${h % 24}h`
}

/** `n thing` or `n things`: never "1 days". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`
}
