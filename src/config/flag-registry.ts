import { HaloError } from '../errors.js'
import { canonicalTimeZone, isValidTimeZone } from '../core/business-day.js'
import type { FlagKey, Flags } from '../core/flags.js'
import { guardProblem } from '../core/guard-rules.js'
import { REASON_CODE_MESSAGE, REASON_CODE_PATTERN } from '../core/ids.js'

/*
 * The registry is data: each flag's type (and bounds) decides how its values
 * are checked. It is deliberately free of zod, which takes ~50 ms to load:
 * `halo-admin flag get` must start about as fast as plain Node.
 */

/** The typed values of every flag (defined in core, where the rules read them). */
export type { FlagKey, Flags } from '../core/flags.js'

export type FlagType = 'boolean' | 'integer' | 'code-list' | 'enum' | 'timezone' | 'guard'

/**
 * One flag of the registry: its type, default, description and the values it takes.
 *
 * ```ts
 * const cap = FLAG_DEFINITIONS.find((d) => d.key === 'early_end_mitra_daily_cap')! // { type: 'integer', default: 3, … }
 * ```
 */
export interface FlagDefinition<K extends FlagKey = FlagKey> {
  readonly key: K
  readonly type: FlagType
  readonly default: Flags[K]
  readonly description: string
  /** Allowed values for `enum`, bounds for `integer`: shown by `flag list` and the TUI. */
  readonly hint: string
}

/** What a value of each type must be: null when it is fine, else what is wrong. */
type Check = (value: unknown) => string | null

const isBoolean: Check = (v) => (typeof v === 'boolean' ? null : 'expected true or false')

const integerFrom =
  (min: number, max: number): Check =>
  (v) =>
    typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? null : `expected an integer from ${min} to ${max}`

const oneOf =
  (...allowed: string[]): Check =>
  (v) =>
    typeof v === 'string' && allowed.includes(v) ? null : `expected one of ${allowed.join(', ')}`

const isCodeList: Check = (v) => {
  if (!Array.isArray(v)) return 'expected a list of reason codes'
  if (v.length === 0) return 'at least one reason code'
  if (!v.every((c) => typeof c === 'string' && REASON_CODE_PATTERN.test(c))) return REASON_CODE_MESSAGE
  return new Set(v).size === v.length ? null : 'reason codes must be unique'
}

const isTimeZone: Check = (v) => (typeof v === 'string' && isValidTimeZone(v) ? null : 'not an IANA time zone')

const isGuard: Check = (v) => guardProblem(v)

const checks = new Map<FlagKey, Check>()

function define<K extends FlagKey>(key: K, type: FlagType, check: Check, dflt: Flags[K], hint: string, description: string): FlagDefinition<K> {
  checks.set(key, check)
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
  define(
    'early_end_mitra_enabled',
    'boolean',
    isBoolean,
    false,
    'true|false',
    'mitras may end sessions early; also shows the "Akhiri" button in the mitra app',
  ),
  define('early_end_customer_enabled', 'boolean', isBoolean, false, 'true|false', 'customers may end sessions early'),
  define('early_end_reason_required', 'boolean', isBoolean, true, 'true|false', "a mitra's early end must carry a reason"),
  define(
    'early_end_reason_codes',
    'code-list',
    isCodeList,
    ['customer_abusive', 'customer_left', 'out_of_scope', 'other'],
    'comma-separated codes',
    'the reasons offered; "other" needs a free-text note',
  ),
  define('early_end_mitra_daily_cap', 'integer', integerFrom(1, 1_000_000), 3, 'integer >= 1', 'mitra early ends per business day before a CC review opens'),
  define('early_end_mitra_over_cap_action', 'enum', oneOf('block', 'allow'), 'block', 'block|allow', 'what an early end past the cap gets'),
  define('closing_grace_seconds', 'integer', integerFrom(0, 3600), 300, 'integer 0..3600', 'length of the closing window'),
  define('business_timezone', 'timezone', isTimeZone, 'Asia/Jakarta', 'IANA zone', 'where a "day" starts and ends, for the cap and for reports'),
  define(
    'early_end_mitra_rollout_percent',
    'integer',
    integerFrom(0, 100),
    100,
    'integer 0..100',
    'share of mitras (stable per mitra id) who get Akhiri while early_end_mitra_enabled is on',
  ),
  define(
    'early_end_guard',
    'guard',
    isGuard,
    'off',
    'off | JSON thresholds: mitraEarlyEndsPerHour, mitraEarlyEndShare, shareMinEnded, reviewsOpenedToday',
    'thresholds that switch early_end_mitra_enabled off by themselves',
  ),
])

const byKey = new Map<string, FlagDefinition>(FLAG_DEFINITIONS.map((d) => [d.key, d]))

/**
 * True when `key` names a flag of the registry.
 *
 * ```ts
 * isFlagKey('early_end_mitra_enabled') // true
 * ```
 */
export function isFlagKey(key: string): key is FlagKey {
  return byKey.has(key)
}

export function flagDefinition(key: FlagKey): FlagDefinition {
  return byKey.get(key)!
}

/**
 * The defaults of every flag, as a fresh object.
 *
 * ```ts
 * decideEarlyEnd(session, ask, { ...defaultFlags(), early_end_mitra_enabled: true }, cap, day, now)
 * ```
 */
export function defaultFlags(): Flags {
  const out: Record<string, unknown> = {}
  // the defaults are booleans, numbers, strings and one list of strings: a list's copy is a deep one
  for (const d of FLAG_DEFINITIONS) out[d.key] = Array.isArray(d.default) ? [...d.default] : d.default
  return out as Flags
}

export type ValueCheck<T> = { ok: true; value: T } | { ok: false; message: string }

/** Checks a typed value (from JSON or the library) against the flag's type and range. */
export function checkFlagValue<K extends FlagKey>(key: K, value: unknown): ValueCheck<Flags[K]> {
  const problem = checks.get(key)!(value)
  if (problem !== null) return { ok: false, message: `${key}: ${problem}` }
  // lists and objects are copied, so a caller cannot change what it handed in through what it gets back
  if (Array.isArray(value)) return { ok: true, value: [...value] as Flags[K] }
  if (typeof value === 'object' && value !== null) return { ok: true, value: structuredClone(value) as Flags[K] }
  // a zone is stored as the runtime spells it (ASIA/JAKARTA, utc → Asia/Jakarta, UTC): other readers of app_config may match names exactly
  if (flagDefinition(key).type === 'timezone') return { ok: true, value: canonicalTimeZone(value as string) as Flags[K] }
  return { ok: true, value: value as Flags[K] }
}

/** How a value reads for a person, as `parseFlagText` reads it back: lists comma-separated, objects as JSON. */
export function flagText(value: unknown): string {
  if (Array.isArray(value)) return value.join(',')
  if (typeof value === 'object' && value !== null) return JSON.stringify(value)
  return String(value)
}

/**
 * Reads a value the way a person types it on a command line or in the TUI:
 * `true`/`false`, an integer, `a,b,c` or a JSON array for code lists.
 *
 * ```ts
 * parseFlagText('early_end_reason_codes', 'customer_left,other') // { ok: true, value: ['customer_left', 'other'] }
 * ```
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
    case 'guard': {
      // a list as a,b,c or a JSON array; the guard as off or a JSON object
      const json = def.type === 'guard' ? { open: '{', what: 'object' } : { open: '[', what: 'array' }
      if (t.startsWith(json.open)) {
        try {
          value = JSON.parse(t)
        } catch {
          return { ok: false, message: `${key}: not a JSON ${json.what}` }
        }
      } else if (def.type === 'code-list') {
        value = t === '' ? [] : t.split(',').map((s) => s.trim())
      }
      break
    }
    default:
      break
  }
  const checked = checkFlagValue(key, value)
  if (!checked.ok && def.type !== 'code-list' && def.type !== 'guard' && typeof value === 'string') {
    return { ok: false, message: `${key}: expected ${def.hint}, got ${JSON.stringify(text)}` }
  }
  return checked
}

/**
 * A flag's value from text as a person types it (`parseFlagText`), for `ConfigStore.set`: the CLI's
 * and the TUI's way in, kept apart from the store, which takes typed values only.
 *
 * ```ts
 * await config.set('early_end_mitra_daily_cap', readFlagText('early_end_mitra_daily_cap', '5'), { actor: 'ops-ana' }) // 5
 * ```
 *
 * @throws HaloError `INVALID_INPUT` (text that is no value of the flag's type)
 */
export function readFlagText<K extends FlagKey>(key: K, text: string): Flags[K] {
  const parsed = parseFlagText(key, text)
  if (!parsed.ok) throw new HaloError('INVALID_INPUT', parsed.message)
  return parsed.value
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
