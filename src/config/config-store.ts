import { NEEDS } from '../access/needed-role.js'
import { HaloError } from '../errors.js'
import { NOTE_MAX, partyIdProblem, storedTextProblem } from '../core/ids.js'
import { systemClock, type Clock } from '../core/clock.js'
import type { Kysely } from 'kysely'
import type { HaloDatabase } from '../store/database.js'
import type { Schema } from '../store/schema.js'
import { retryOnUniqueViolation } from '../store/retry.js'
import * as repo from './config-repository.js'
import { readFlagRows, rowsToFlags } from './config-repository.js'
import {
  checkFlagValue,
  decodeStoredFlag,
  FLAG_DEFINITIONS,
  flagDefinition,
  flagText,
  isFlagKey,
  parseFlagText,
  type FlagDefinition,
  type FlagKey,
  type Flags,
} from './flag-registry.js'

/**
 * One flag as `list()` gives it: value, default, whether it was set, who set it last.
 *
 * ```ts
 * for (const f of await config.list()) console.log(f.key, f.value, f.isSet ? `set by ${f.updatedBy}` : 'default')
 * ```
 */
export interface FlagState<K extends FlagKey = FlagKey> {
  readonly key: K
  readonly value: Flags[K]
  readonly default: Flags[K]
  /** False while the flag still has its default (never set, or reset). */
  readonly isSet: boolean
  readonly type: FlagDefinition['type']
  readonly hint: string
  readonly description: string
  readonly updatedAt: string | null
  readonly updatedBy: string | null
  /**
   * The stored text when it is not a valid value for the key (written by hand): the flag then reads as
   * its default until `set` or `reset` repairs it. Null when the stored value is valid or there is none.
   */
  readonly invalidStored: string | null
}

/**
 * One audited flag change (`config_audit`), as `set`, `reset` and `history` return it.
 *
 * ```ts
 * const change = await config.set('closing_grace_seconds', 120, { actor: 'ops-ana' }) // null when unchanged
 * ```
 */
export interface FlagChange<K extends FlagKey = FlagKey> {
  readonly id: number
  readonly key: K
  readonly oldValue: unknown
  readonly newValue: unknown
  readonly actor: string
  /** Who made the change as the database knows them: PostgreSQL's `session_user`, SQLite's OS user (null: before migration 0008). */
  readonly authenticatedAs: string | null
  readonly note: string | null
  readonly at: string
}

/**
 * Who changes a flag (an id like any actor's) and, optionally, why.
 *
 * ```ts
 * await config.reset('early_end_mitra_daily_cap', { actor: 'ops-ana', note: 'back to 3 after the trial' })
 * ```
 */
export interface ChangeOptions<V = unknown> {
  readonly actor: string
  readonly note?: string | undefined
  /**
   * Compare-and-set: change the flag only if its value (as `get` reads it) is still this one; a string
   * is read as `set` reads one. Otherwise `INVALID_STATE`, naming the current value, who set it and when,
   * and nothing changes: of two changes expecting the same value, exactly one is made.
   */
  readonly expect?: V
}

/** Who changes a flag and why; checked by hand, as the whole config store stays free of zod (see flag-registry.ts). */
function checkChange(options: ChangeOptions): { actor: string; note: string | undefined } {
  const { actor, note } = (options ?? {}) as Partial<ChangeOptions> & { actor: string }
  const bad = partyIdProblem(actor)
  if (bad !== null) throw new HaloError('INVALID_INPUT', `flag change: actor: ${bad}`)
  if (note !== undefined && typeof note !== 'string') throw new HaloError('INVALID_INPUT', 'flag change: note: expected a string')
  const problem = note === undefined ? null : storedTextProblem(note, NOTE_MAX)
  if (problem !== null) throw new HaloError('INVALID_INPUT', `flag change: note: ${problem}`)
  return { actor, note }
}

const HISTORY_MAX = 10_000

/**
 * The typed, audited flags of contract §3 (`createConfigStore`).
 *
 * ```ts
 * const config: ConfigStore = createConfigStore(handle)
 * ```
 */
export interface ConfigStore {
  /**
   * The typed value of one flag.
   * @throws HaloError `UNKNOWN_FLAG`, `DB_ERROR`
   */
  get<K extends FlagKey>(key: K): Promise<Flags[K]>
  /**
   * Every flag with value, default and description.
   * @throws HaloError `DB_ERROR`
   */
  list(): Promise<FlagState[]>
  /**
   * Every flag's value, as the rules read them.
   * @throws HaloError `DB_ERROR`
   */
  all(): Promise<Flags>
  /**
   * Sets a flag to a value of its type: an unknown key or a value of another type does not compile
   * (and, from JavaScript, is refused). Text as a person types it (`'true'`, `'5'`, `'a,b,other'`) is
   * read first with `readFlagText(key, text)`. Audited; null when the value was already that.
   *
   * ```ts
   * await config.set('early_end_mitra_daily_cap', 5, { actor: 'ops-ana' })
   * await config.set('early_end_mitra_daily_cap', readFlagText('early_end_mitra_daily_cap', '5'), { actor: 'ops-ana' })
   * ```
   * `expect` makes it a compare-and-set. Whatever is stored (a value written by hand that is not valid) is replaced.
   * @throws HaloError `UNKNOWN_FLAG`; `INVALID_INPUT` (an ill-typed value or `expect`, a bad actor or note);
   *   `INVALID_STATE` (`expect` is not the current value); `DB_ERROR`
   */
  set<K extends FlagKey>(key: K, value: Flags[K], options: ChangeOptions<Flags[K]>): Promise<FlagChange<K> | null>
  /**
   * Back to the default. Audited; null when it had the default already.
   * @throws HaloError `UNKNOWN_FLAG`; `INVALID_INPUT` (a bad actor, note or `expect`);
   *   `INVALID_STATE` (`expect` is not the current value); `DB_ERROR`
   */
  reset<K extends FlagKey>(key: K, options: ChangeOptions<Flags[K]>): Promise<FlagChange<K> | null>
  /**
   * Changes, newest first (default 50, at most 10000).
   * @throws HaloError `UNKNOWN_FLAG`; `INVALID_INPUT` (a bad limit); `DB_ERROR`
   */
  history(key?: FlagKey, limit?: number): Promise<FlagChange[]>
}

/** The key, checked at run time too: JavaScript callers (and casts) get past the types. */
function requireKey<K extends FlagKey>(key: K): K {
  if (typeof key !== 'string' || !isFlagKey(key)) {
    throw new HaloError('UNKNOWN_FLAG', `unknown flag "${key}"; known: ${FLAG_DEFINITIONS.map((d) => d.key).join(', ')}`)
  }
  return key
}

/** A value for `key` as `set` takes it (a string as a person types it, except for enums and zones); INVALID_INPUT otherwise. */
function checkedValue(key: FlagKey, value: unknown, what: string): unknown {
  const checked =
    typeof value === 'string' && flagDefinition(key).type !== 'enum' && flagDefinition(key).type !== 'timezone'
      ? parseFlagText(key, value)
      : checkFlagValue(key, value)
  if (!checked.ok) throw new HaloError('INVALID_INPUT', what === 'value' ? checked.message : `${what}: ${checked.message}`)
  return checked.value
}

/** Stored JSON text read back: its value, or the text itself when it is not JSON (written by hand). */
function parseStored(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** Whether stored text is a valid value of the key (JSON of the right type), as `decodeStoredFlag` reads it. */
function isValidStored(key: FlagKey, text: string): boolean {
  try {
    return checkFlagValue(key, JSON.parse(text)).ok
  } catch {
    return false
  }
}

/**
 * The typed, audited flag store of contract §3.
 *
 * ```ts
 * const config = createConfigStore(handle)
 * await config.set('early_end_mitra_enabled', true, { actor: 'ops-ana', note: 'rollout day 1' })
 * await config.get('early_end_mitra_daily_cap') // 3
 * ```
 */
export function createConfigStore(handle: HaloDatabase, options: { clock?: Clock } = {}): ConfigStore {
  const clock = options.clock ?? systemClock

  async function write<K extends FlagKey>(key: K, next: unknown | undefined, opts: ChangeOptions): Promise<FlagChange<K> | null> {
    const { actor, note } = checkChange(opts)
    const expected = opts.expect === undefined ? undefined : JSON.stringify(checkedValue(key, opts.expect, 'expect'))
    const newJson = next === undefined ? null : JSON.stringify(next)
    const defaultJson = JSON.stringify(flagDefinition(key).default)
    // config 'write': flag changes take turns, and wait for every early end deciding on the flags under
    // way (PostgreSQL: a lock on app_config), so each audit row's old value is the previous new one and
    // no early end decided on the old value commits after this change.
    const change = () =>
      handle.write(
        async (trx) => {
          const oldJson = await repo.lockedFlagValue(trx, handle.engine, key)
          // what get() reads: a stored value that is not valid for the key reads as the default
          const current = oldJson === null ? flagDefinition(key).default : decodeStoredFlag(key, oldJson)
          if (expected !== undefined && JSON.stringify(current) !== expected) throw await notExpected(trx, key, current, expected)
          if (oldJson === newJson) return null
          const at = clock.now().toISOString()
          await repo.storeFlag(trx, key, newJson, oldJson !== null, at, actor)
          // a hand-written value that is not JSON is kept in the audit as the text it was
          const oldStored = oldJson === null ? null : parseStored(oldJson)
          const audit = await repo.insertAudit(trx, {
            key,
            old_value: oldStored === null ? defaultJson : JSON.stringify(oldStored),
            new_value: newJson ?? defaultJson,
            actor,
            note: note ?? null,
            created_at: at,
          })
          return {
            id: audit.id,
            key,
            oldValue: oldStored === null ? flagDefinition(key).default : oldStored,
            newValue: next === undefined ? flagDefinition(key).default : next,
            actor,
            authenticatedAs: audit.authenticated_as ?? null,
            note: note ?? null,
            at,
          }
        },
        { config: 'write', role: NEEDS.flags },
      )
    // Two first-time sets of one flag raced on the insert (a writer that took no lock): the loser runs again.
    return retryOnUniqueViolation(handle.engine, change)
  }

  /** The refusal of a change whose `expect` is not the current value: what it is, who set it and when. */
  async function notExpected(trx: Kysely<Schema>, key: FlagKey, current: unknown, expected: string): Promise<HaloError> {
    const [last] = await repo.auditRows(trx, key, 1)
    const by = last === undefined ? 'never changed by halo-admin' : `set by ${last.actor} at ${last.created_at}, change #${last.id}`
    return new HaloError(
      'INVALID_STATE',
      `${key} is ${flagText(current)}, not ${flagText(JSON.parse(expected))} as expected (${by}); nothing changed: look again and retry with --expect ${flagText(current)}`,
      {
        details: {
          key,
          current,
          expected: JSON.parse(expected) as unknown,
          changedBy: last?.actor ?? null,
          changedAt: last?.created_at ?? null,
          changeId: last?.id ?? null,
        },
      },
    )
  }

  const service: ConfigStore = {
    async get<K extends FlagKey>(key: K): Promise<Flags[K]> {
      const k = requireKey(key)
      return rowsToFlags(await readFlagRows(handle))[k]
    },

    all: async () => rowsToFlags(await readFlagRows(handle)),

    async list(): Promise<FlagState[]> {
      const rows = await readFlagRows(handle)
      const byKey = new Map(rows.map((r) => [r.key, r]))
      return FLAG_DEFINITIONS.map((d) => {
        const row = byKey.get(d.key)
        const valid = row === undefined || isValidStored(d.key, row.value)
        return {
          key: d.key,
          value: row === undefined ? d.default : decodeStoredFlag(d.key, row.value),
          default: d.default,
          isSet: row !== undefined,
          type: d.type,
          hint: d.hint,
          description: d.description,
          updatedAt: row?.updated_at ?? null,
          updatedBy: row?.updated_by ?? null,
          invalidStored: valid ? null : row!.value,
        }
      })
    },

    async set(key, value, opts) {
      const k = requireKey(key)
      const checked = checkFlagValue(k, value)
      if (!checked.ok) throw new HaloError('INVALID_INPUT', checked.message)
      return write(k, checked.value, opts)
    },

    async reset(key, opts) {
      return write(requireKey(key), undefined, opts)
    },

    async history(key, limit = 50) {
      const k = key === undefined ? undefined : requireKey(key)
      if (!Number.isInteger(limit) || limit < 1 || limit > HISTORY_MAX)
        throw new HaloError('INVALID_INPUT', `history limit: expected an integer from 1 to ${HISTORY_MAX}, got ${String(limit)}`)
      const rows = await handle.read((db) => repo.auditRows(db, k, limit))
      return rows.map((r) => ({
        id: r.id,
        key: r.key as FlagKey,
        // rows written by hand may hold text that is not JSON: shown as that text
        oldValue: r.old_value === null ? null : parseStored(r.old_value),
        newValue: r.new_value === null ? null : parseStored(r.new_value),
        actor: r.actor,
        authenticatedAs: r.authenticated_as ?? null,
        note: r.note,
        at: r.created_at,
      }))
    },
  }
  return Object.freeze(service)
}
