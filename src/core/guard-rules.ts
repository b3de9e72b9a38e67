/**
 * The guard of the staged re-enable (contract §4b): thresholds over a sliding window that switch
 * `early_end_mitra_enabled` off by themselves. Pure: the closure service measures, asks here in the
 * transaction of every mitra early end while the guard is on, and writes the switch-off with that
 * early end when a threshold is reached. Only a mitra early end can raise any of the measures, so
 * checking at each one misses no crossing.
 */

/**
 * The guard's thresholds (`early_end_guard`), at least one of the three limits. Each is reached when
 * its measure comes to the limit, as the cap is: the early end that brings the measure there
 * commits, and the switch goes off with it.
 *
 * ```ts
 * const guard: GuardThresholds = { mitraEarlyEndsPerHour: 50, mitraEarlyEndShare: 0.3, shareMinEnded: 20, reviewsOpenedToday: 10 }
 * ```
 */
export interface GuardThresholds {
  /** Mitra early ends across all mitras in the last 60 minutes. */
  readonly mitraEarlyEndsPerHour?: number
  /** The share (0..1] of the sessions ended in the last 60 minutes (early ends and expiries) that were mitra early ends. */
  readonly mitraEarlyEndShare?: number
  /** The share counts only once this many sessions ended in the last 60 minutes (default 20): two of three is no signal. */
  readonly shareMinEnded?: number
  /** CC reviews (`daily_cap_reached`) opened on the business day. */
  readonly reviewsOpenedToday?: number
}

/**
 * `early_end_guard`'s value: thresholds, or `off`.
 *
 * ```ts
 * const setting: GuardSetting = 'off'
 * ```
 */
export type GuardSetting = GuardThresholds | 'off'

/** The window the per-hour measures cover, back from now. */
export const GUARD_WINDOW_MS = 60 * 60 * 1000
/** `shareMinEnded` when the guard does not say. */
export const DEFAULT_SHARE_MIN_ENDED = 20

const LIMITS = ['mitraEarlyEndsPerHour', 'mitraEarlyEndShare', 'reviewsOpenedToday'] as const
/**
 * The name of one threshold.
 *
 * ```ts
 * const name: GuardThresholdName = 'reviewsOpenedToday'
 * ```
 */
export type GuardThresholdName = (typeof LIMITS)[number]
const KEYS = [...LIMITS, 'shareMinEnded'] as const
const MAX_COUNT = 1_000_000

/**
 * What is wrong with a value for `early_end_guard` (null: fine): `off`, or an object of known
 * thresholds in range with at least one limit.
 *
 * ```ts
 * guardProblem({ mitraEarlyEndsPerHour: 0 }) // 'mitraEarlyEndsPerHour: expected an integer from 1 to 1000000'
 * ```
 */
export function guardProblem(value: unknown): string | null {
  if (value === 'off') return null
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'expected off or an object of thresholds, e.g. {"mitraEarlyEndsPerHour":50}'
  const o = value as Record<string, unknown>
  for (const k of Object.keys(o)) if (!(KEYS as readonly string[]).includes(k)) return `unknown threshold "${k}"; known: ${KEYS.join(', ')}`
  for (const k of ['mitraEarlyEndsPerHour', 'reviewsOpenedToday', 'shareMinEnded'] as const) {
    const v = o[k]
    if (v !== undefined && !(typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_COUNT))
      return `${k}: expected an integer from 1 to ${MAX_COUNT}`
  }
  const share = o.mitraEarlyEndShare
  if (share !== undefined && !(typeof share === 'number' && share > 0 && share <= 1)) return 'mitraEarlyEndShare: expected a number above 0 and at most 1'
  if (o.shareMinEnded !== undefined && share === undefined) return 'shareMinEnded goes with mitraEarlyEndShare'
  if (!LIMITS.some((k) => o[k] !== undefined)) return `at least one threshold: ${LIMITS.join(', ')}`
  return null
}

/**
 * What the guard measures, as of one moment (in the transaction of the early end that asks).
 *
 * ```ts
 * const m: GuardMeasures = { mitraEarlyEndsLastHour: 12, endedLastHour: 80, reviewsOpenedToday: 1 }
 * ```
 */
export interface GuardMeasures {
  readonly mitraEarlyEndsLastHour: number
  /** Sessions that entered closing in the last hour: every early end and expiry. */
  readonly endedLastHour: number
  readonly reviewsOpenedToday: number
}

/**
 * One threshold against its measure: what `guard status` and the TUI show.
 *
 * ```ts
 * const r: GuardReading = { threshold: 'mitraEarlyEndsPerHour', limit: 50, value: 12, reached: false, closeness: 0.24, text: '12 of 50 mitra early ends in the last hour' }
 * ```
 */
export interface GuardReading {
  readonly threshold: GuardThresholdName
  readonly limit: number
  /** The measure; for the share, null until `shareMinEnded` sessions ended in the window. */
  readonly value: number | null
  readonly reached: boolean
  /** value / limit, 0 when there is no value: how close it is (1 or more: reached). */
  readonly closeness: number
  /** For people: the measure against the limit, in words. */
  readonly text: string
}

const pct = (x: number) => `${(Math.round(x * 1000) / 10).toString()}%`

/**
 * Every threshold the guard has, against its measure, in a fixed order.
 *
 * ```ts
 * guardReadings({ reviewsOpenedToday: 10 }, measures) // [{ threshold: 'reviewsOpenedToday', limit: 10, value: 1, … }]
 * ```
 */
export function guardReadings(guard: GuardThresholds, m: GuardMeasures): GuardReading[] {
  const out: GuardReading[] = []
  const count = (threshold: 'mitraEarlyEndsPerHour' | 'reviewsOpenedToday', limit: number, value: number, what: string): GuardReading => ({
    threshold,
    limit,
    value,
    reached: value >= limit,
    closeness: value / limit,
    text: `${value} of ${limit} ${what}`,
  })
  if (guard.mitraEarlyEndsPerHour !== undefined)
    out.push(count('mitraEarlyEndsPerHour', guard.mitraEarlyEndsPerHour, m.mitraEarlyEndsLastHour, 'mitra early ends in the last hour'))
  if (guard.mitraEarlyEndShare !== undefined) {
    const limit = guard.mitraEarlyEndShare
    const min = guard.shareMinEnded ?? DEFAULT_SHARE_MIN_ENDED
    const counts = m.endedLastHour >= min
    const value = counts && m.endedLastHour > 0 ? m.mitraEarlyEndsLastHour / m.endedLastHour : null
    out.push({
      threshold: 'mitraEarlyEndShare',
      limit,
      value,
      reached: value !== null && value >= limit,
      closeness: value === null ? 0 : value / limit,
      text: counts
        ? `${pct(value ?? 0)} of ${m.endedLastHour} sessions ended in the last hour were mitra early ends (limit ${pct(limit)})`
        : `${m.mitraEarlyEndsLastHour} of ${m.endedLastHour} sessions ended in the last hour were mitra early ends; the share counts from ${min} (limit ${pct(limit)})`,
    })
  }
  if (guard.reviewsOpenedToday !== undefined) out.push(count('reviewsOpenedToday', guard.reviewsOpenedToday, m.reviewsOpenedToday, 'CC reviews opened today'))
  return out
}

/**
 * The guard's decision: the first threshold reached, and the audit note naming it and its measure;
 * null while every measure is below its limit (or the guard is off).
 *
 * ```ts
 * const trip = guardTrip(flags.early_end_guard, measures)
 * if (trip !== null) switchOff('guard', trip.note) // 'guard: mitraEarlyEndsPerHour reached: 50 of 50 mitra early ends in the last hour'
 * ```
 */
export function guardTrip(guard: GuardSetting, m: GuardMeasures): { reading: GuardReading; note: string } | null {
  if (guard === 'off') return null
  const reading = guardReadings(guard, m).find((r) => r.reached)
  if (reading === undefined) return null
  return { reading, note: `guard: ${reading.threshold} reached: ${reading.text}` }
}
