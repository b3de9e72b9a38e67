/** The UTC instant of a wall-clock time on a business day in a time zone. */
const formatters = new Map<string, Intl.DateTimeFormat>()

function wallClockMs(t: number, timeZone: string): number {
  let f = formatters.get(timeZone)
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
    formatters.set(timeZone, f)
  }
  const p = Object.fromEntries(f.formatToParts(new Date(t)).map((x) => [x.type, x.value]))
  return Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second))
}

/**
 * ```ts
 * localInstant('2026-11-24', 8 * 60, 'Asia/Jakarta') // 2026-11-24T01:00:00.000Z
 * ```
 */
export function localInstant(day: string, minuteOfDay: number, timeZone: string): Date {
  const target = Date.parse(`${day}T00:00:00Z`) + minuteOfDay * 60_000
  let t = target
  for (let i = 0; i < 3; i++) t += target - wallClockMs(t, timeZone)
  return new Date(t)
}
