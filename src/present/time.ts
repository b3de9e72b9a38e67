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
  const at = new Date(iso)
  if (Number.isNaN(at.getTime())) return iso
  const zone = options.utc === true ? 'UTC' : timeZone
  const parts = Object.fromEntries(
    formatFor('en-US', zone, options.seconds === true, false)
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  )
  const time = `${parts.hour}:${parts.minute}${options.seconds === true ? `:${parts.second}` : ''}`
  return `${parts.year}-${parts.month}-${parts.day} ${time} ${zone === 'UTC' ? 'UTC' : zoneAbbreviation(zone, at)}`
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
