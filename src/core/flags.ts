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
}

/**
 * The name of a flag.
 *
 * ```ts
 * const key: FlagKey = 'closing_grace_seconds'
 * ```
 */
export type FlagKey = keyof Flags
