import { NEEDS } from '../access/needed-role.js'
import { HaloError } from '../errors.js'
import { NOTE_MAX, partyIdProblem, storedTextProblem } from '../core/ids.js'
import { systemClock, type Clock } from '../core/clock.js'
import type { HaloDatabase } from '../store/database.js'
import { retryOnUniqueViolation } from '../store/retry.js'
import * as repo from './config-repository.js'
import { readFlagRows, rowsToFlags } from './config-repository.js'
import {
  checkFlagValue,
  decodeStoredFlag,
  FLAG_DEFINITIONS,
  flagDefinition,
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
}

/**
 * One audited flag change (`config_audit`), as `set`, `reset` and `history` return it.
 *
 * ```ts
 * const change = await config.set('closing_grace_seconds', 120, { actor: 'ops-ana' }) // null when unchanged
 * ```
 */
export interface FlagChange {
  readonly id: number
  readonly key: FlagKey
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
export interface ChangeOptions {
  readonly actor: string
  readonly note?: string | undefined
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
   * Sets a typed value (a string is parsed as a person would type it). Audited; null when the value
   * was already that.
   * @throws HaloError `UNKNOWN_FLAG`; `INVALID_INPUT` (an ill-typed value, a bad actor or note); `DB_ERROR`
   */
  set<K extends FlagKey>(key: K | string, value: Flags[K] | string, options: ChangeOptions): Promise<FlagChange | null>
  /**
   * Back to the default. Audited; null when it had the default already.
   * @throws HaloError `UNKNOWN_FLAG`; `INVALID_INPUT` (a bad actor or note); `DB_ERROR`
   */
  reset(key: FlagKey | string, options: ChangeOptions): Promise<FlagChange | null>
  /**
   * Changes, newest first (default 50, at most 10000).
   * @throws HaloError `UNKNOWN_FLAG`; `INVALID_INPUT` (a bad limit); `DB_ERROR`
   */
  history(key?: FlagKey | string, limit?: number): Promise<FlagChange[]>
}

function requireKey(key: string): FlagKey {
  if (!isFlagKey(key)) {
    throw new HaloError('UNKNOWN_FLAG', `unknown flag "${key}"; known: ${FLAG_DEFINITIONS.map((d) => d.key).join(', ')}`)
  }
  return key
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

  async function write(key: FlagKey, next: unknown | undefined, opts: ChangeOptions): Promise<FlagChange | null> {
    const { actor, note } = checkChange(opts)
    const newJson = next === undefined ? null : JSON.stringify(next)
    const defaultJson = JSON.stringify(flagDefinition(key).default)
    // config 'write': flag changes take turns, and wait for every early end deciding on the flags under
    // way (PostgreSQL: a lock on app_config), so each audit row's old value is the previous new one and
    // no early end decided on the old value commits after this change.
    const change = () =>
      handle.write(
        async (trx) => {
          const oldJson = await repo.lockedFlagValue(trx, handle.engine, key)
          if (oldJson === newJson) return null
          const at = clock.now().toISOString()
          await repo.storeFlag(trx, key, newJson, oldJson !== null, at, actor)
          const audit = await repo.insertAudit(trx, {
            key,
            old_value: oldJson ?? defaultJson,
            new_value: newJson ?? defaultJson,
            actor,
            note: note ?? null,
            created_at: at,
          })
          return {
            id: audit.id,
            key,
            oldValue: oldJson === null ? flagDefinition(key).default : JSON.parse(oldJson),
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

  const service: ConfigStore = {
    async get<K extends FlagKey>(key: K): Promise<Flags[K]> {
      const k = requireKey(key) as K
      return rowsToFlags(await readFlagRows(handle))[k]
    },

    all: async () => rowsToFlags(await readFlagRows(handle)),

    async list(): Promise<FlagState[]> {
      const rows = await readFlagRows(handle)
      const byKey = new Map(rows.map((r) => [r.key, r]))
      return FLAG_DEFINITIONS.map((d) => {
        const row = byKey.get(d.key)
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
        }
      })
    },

    async set(key, value, opts) {
      const k = requireKey(key)
      const checked =
        typeof value === 'string' && flagDefinition(k).type !== 'enum' && flagDefinition(k).type !== 'timezone'
          ? parseFlagText(k, value)
          : checkFlagValue(k, value)
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
        oldValue: r.old_value === null ? null : JSON.parse(r.old_value),
        newValue: r.new_value === null ? null : JSON.parse(r.new_value),
        actor: r.actor,
        authenticatedAs: r.authenticated_as ?? null,
        note: r.note,
        at: r.created_at,
      }))
    },
  }
  return Object.freeze(service)
}
