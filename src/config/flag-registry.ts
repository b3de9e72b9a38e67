import { z } from 'zod'
import { isValidTimeZone } from '../core/business-day.js'

const reasonCode = z.string().regex(/^[a-z0-9_]{1,40}$/, 'reason codes are 1-40 of a-z, 0-9 and _')

/** Every flag's schema: the single source of keys, types and defaults. */
const schemas = {
  early_end_mitra_enabled: z.boolean(),
  early_end_customer_enabled: z.boolean(),
  early_end_reason_required: z.boolean(),
  early_end_reason_codes: z
    .array(reasonCode)
    .min(1, 'at least one reason code')
    .refine((a) => new Set(a).size === a.length, 'reason codes must be unique'),
  early_end_mitra_daily_cap: z.number().int().min(1).max(1_000_000),
  early_end_mitra_over_cap_action: z.enum(['block', 'allow']),
  closing_grace_seconds: z.number().int().min(0).max(3600),
  business_timezone: z.string().refine(isValidTimeZone, 'not an IANA time zone'),
} as const

/** The typed values of every flag, as the rules read them. */
export type Flags = { -readonly [K in keyof typeof schemas]: z.infer<(typeof schemas)[K]> }
export type FlagKey = keyof Flags

export type FlagType = 'boolean' | 'integer' | 'code-list' | 'enum' | 'timezone'

export interface FlagDefinition<K extends FlagKey = FlagKey> {
  readonly key: K
  readonly type: FlagType
  readonly default: Flags[K]
  readonly description: string
  /** Allowed values for `enum`, bounds for `integer`: shown by `flag list` and the TUI. */
  readonly hint: string
}

function define<K extends FlagKey>(key: K, type: FlagType, dflt: Flags[K], hint: string, description: string): FlagDefinition<K> {
  return Object.freeze({ key, type, default: dflt, hint, description })
}

/**
 * The flag registry of contract §3, in display order.
 *
 * ```ts
 * FLAG_DEFINITIONS.map((d) => d.key) // ['early_end_mitra_enabled', …]
 * ```
 */
export const FLAG_DEFINITIONS: readonly FlagDefinition[] = Object.freeze([
  define('early_end_mitra_enabled', 'boolean', false, 'true|false', 'mitras may end sessions early; also shows the "Akhiri" button in the mitra app'),
  define('early_end_customer_enabled', 'boolean', false, 'true|false', 'customers may end sessions early'),
  define('early_end_reason_required', 'boolean', true, 'true|false', "a mitra's early end must carry a reason"),
  define(
    'early_end_reason_codes',
    'code-list',
    ['customer_abusive', 'customer_left', 'out_of_scope', 'other'],
    'comma-separated codes',
    'the reasons offered; "other" needs a free-text note',
  ),
  define('early_end_mitra_daily_cap', 'integer', 3, 'integer >= 1', 'mitra early ends per business day before a CC review opens'),
  define('early_end_mitra_over_cap_action', 'enum', 'block', 'block|allow', 'what an early end past the cap gets'),
  define('closing_grace_seconds', 'integer', 300, 'integer 0..3600', 'length of the closing window'),
  define('business_timezone', 'timezone', 'Asia/Jakarta', 'IANA zone', 'where a "day" starts and ends, for the cap and for reports'),
])

const byKey = new Map<string, FlagDefinition>(FLAG_DEFINITIONS.map((d) => [d.key, d]))

export function isFlagKey(key: string): key is FlagKey {
  return byKey.has(key)
}

export function flagDefinition(key: FlagKey): FlagDefinition {
  return byKey.get(key)!
}

/** The defaults of every flag, as a fresh object. */
export function defaultFlags(): Flags {
  const out: Record<string, unknown> = {}
  for (const d of FLAG_DEFINITIONS) out[d.key] = structuredClone(d.default)
  return out as Flags
}

export type ValueCheck<T> = { ok: true; value: T } | { ok: false; message: string }

/** Checks a typed value (from JSON or the library) against the flag's schema. */
export function checkFlagValue<K extends FlagKey>(key: K, value: unknown): ValueCheck<Flags[K]> {
  const r = schemas[key].safeParse(value)
  if (r.success) return { ok: true, value: r.data as Flags[K] }
  const issue = r.error.issues[0]
  return { ok: false, message: `${key}: ${issue?.message ?? 'invalid value'}` }
}

/**
 * Reads a value the way a person types it on a command line or in the TUI:
 * `true`/`false`, an integer, `a,b,c` or a JSON array for code lists.
 */
export function parseFlagText<K extends FlagKey>(key: K, text: string): ValueCheck<Flags[K]> {
  const t = text.trim()
  const def = flagDefinition(key)
  let value: unknown = t
  switch (def.type) {
    case 'boolean':
      value = t === 'true' ? true : t === 'false' ? false : t
      break
    case 'integer':
      value = /^[+-]?\d{1,16}$/.test(t) ? Number(t) : t
      break
    case 'code-list':
      if (t.startsWith('[')) {
        try {
          value = JSON.parse(t)
        } catch {
          return { ok: false, message: `${key}: not a JSON array` }
        }
      } else {
        value = t === '' ? [] : t.split(',').map((s) => s.trim())
      }
      break
    default:
      break
  }
  const checked = checkFlagValue(key, value)
  if (!checked.ok && def.type !== 'code-list' && typeof value === 'string') {
    return { ok: false, message: `${key}: expected ${def.hint}, got ${JSON.stringify(text)}` }
  }
  return checked
}

/** Reads a stored JSON value; a value no longer valid falls back to the default. */
export function decodeStoredFlag<K extends FlagKey>(key: K, json: string): Flags[K] {
  try {
    const checked = checkFlagValue(key, JSON.parse(json))
    if (checked.ok) return checked.value
  } catch {
    /* fall through to the default */
  }
  return structuredClone(flagDefinition(key).default) as Flags[K]
}
