import type { GuardSetting } from './guard-rules.js'

/**
 * The typed values of every flag, as the rules read them. The rules in `src/core` need the type
 * and nothing else of the registry; the registry (`src/config/flag-registry.ts`) defines each
 * flag's checks and defaults over it and re-exports it.
 *
 * ```ts
 * const flags: Flags = await config.all()
 * flags.early_end_mitra_daily_cap // 3
 * ```
 */
export type Flags = {
  early_end_mitra_enabled: boolean
  early_end_customer_enabled: boolean
  early_end_reason_required: boolean
  early_end_reason_codes: string[]
  early_end_mitra_daily_cap: number
  early_end_mitra_over_cap_action: 'block' | 'allow'
  closing_grace_seconds: number
  business_timezone: string
  /** Share of mitras (0..100, by a stable bucket of their id) who get Akhiri while `early_end_mitra_enabled` is on. */
  early_end_mitra_rollout_percent: number
  /** Thresholds that switch `early_end_mitra_enabled` off by themselves, or `off`. */
  early_end_guard: GuardSetting
}

/**
 * The name of a flag.
 *
 * ```ts
 * const key: FlagKey = 'closing_grace_seconds'
 * ```
 */
export type FlagKey = keyof Flags
