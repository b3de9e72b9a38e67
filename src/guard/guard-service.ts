import { businessDay } from '../core/business-day.js'
import { systemClock, type Clock } from '../core/clock.js'
import { guardReadings, type GuardMeasures, type GuardReading, type GuardSetting } from '../core/guard-rules.js'
import { readFlagRows, rowsToFlags } from '../config/config-repository.js'
import type { HaloDatabase } from '../store/database.js'
import { lastGuardTrip, measureGuard } from './guard-repository.js'

/**
 * Where the guard stands (`guard status`): its thresholds against their measures now, whether mitra
 * early ends are on, and when the guard last switched them off.
 *
 * ```ts
 * const s: GuardStatus = await guard.status()
 * for (const r of s.readings) console.log(r.threshold, r.value, '/', r.limit, r.reached ? 'REACHED' : '')
 * ```
 */
export interface GuardStatus {
  readonly guard: GuardSetting
  readonly enabled: boolean
  readonly percent: number
  readonly measures: GuardMeasures
  /** Each threshold against its measure; empty while the guard is off. */
  readonly readings: readonly GuardReading[]
  /** The guard's last switch-off (its audit row), if it ever acted. */
  readonly lastTrip: { readonly at: string; readonly note: string | null } | null
  /** When the measures were taken. */
  readonly at: string
}

/**
 * The guard of contract §4b, as ops read it. It acts by itself, in the early end that reaches a
 * threshold; turning mitra early ends back on is a person's act (`flag set early_end_mitra_enabled true`).
 *
 * ```ts
 * const guard: GuardService = createGuardService(handle)
 * ```
 */
export interface GuardService {
  /**
   * The thresholds against their current values.
   * @throws HaloError `DB_ERROR`
   */
  status(): Promise<GuardStatus>
}

/**
 * The guard's status service.
 *
 * ```ts
 * const { readings } = await createGuardService(handle).status()
 * ```
 */
export function createGuardService(handle: HaloDatabase, options: { clock?: Clock } = {}): GuardService {
  const clock = options.clock ?? systemClock
  return Object.freeze({
    async status(): Promise<GuardStatus> {
      const now = clock.now()
      const flags = rowsToFlags(await readFlagRows(handle))
      const [measures, last] = await handle.read(async (db) =>
        Promise.all([measureGuard(db, now, businessDay(now, flags.business_timezone)), lastGuardTrip(db)]),
      )
      return {
        guard: flags.early_end_guard,
        enabled: flags.early_end_mitra_enabled,
        percent: flags.early_end_mitra_rollout_percent,
        measures,
        readings: flags.early_end_guard === 'off' ? [] : guardReadings(flags.early_end_guard, measures),
        lastTrip: last === undefined ? null : { at: last.created_at, note: last.note },
        at: now.toISOString(),
      }
    },
  })
}
