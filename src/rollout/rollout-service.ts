import { z } from 'zod'
import { systemClock, type Clock } from '../core/clock.js'
import { COHORT_MODES, rolloutBucket, rolloutShare, type CohortMode } from '../core/rollout.js'
import { PartyId, parseInput, storedText } from '../core/validation.js'
import { NOTE_MAX } from '../core/ids.js'
import { rowsToFlags, readFlagRows } from '../config/config-repository.js'
import type { HaloDatabase } from '../store/database.js'
import { retryOnUniqueViolation } from '../store/retry.js'
import * as repo from './rollout-repository.js'

/**
 * One mitra of the rollout cohort.
 *
 * ```ts
 * for (const m of await rollout.list()) console.log(m.mitraId, m.mode, m.bucket)
 * ```
 */
export interface CohortMember {
  readonly mitraId: string
  readonly mode: CohortMode
  /** The mitra's bucket (0..99): where the percent alone would put them. */
  readonly bucket: number
  readonly note: string | null
  readonly setBy: string
  readonly setAt: string
}

/**
 * One audited membership change (a `config_audit` row, key `early_end_mitra_cohort`); `null` mode: not in the cohort.
 *
 * ```ts
 * const [c] = await rollout.add(['m-7'], { actor: 'ops-ana' }) // { mitraId: 'm-7', oldMode: null, newMode: 'always', … }
 * ```
 */
export interface CohortChange {
  readonly id: number
  readonly mitraId: string
  readonly oldMode: CohortMode | null
  readonly newMode: CohortMode | null
  readonly actor: string
  readonly note: string | null
  readonly at: string
}

/**
 * Where the rollout stands: the percent, the cohort's sizes, and whether the switch is on.
 *
 * ```ts
 * const s = await rollout.standing() // { enabled: true, percent: 25, always: 3, never: 1 }
 * ```
 */
export interface RolloutStanding {
  readonly enabled: boolean
  readonly percent: number
  readonly always: number
  readonly never: number
  /** Mitras with a live session now, and how many of them see Akhiri (the switch, the percent, the cohort). */
  readonly liveMitras: number
  readonly liveMitrasWithAkhiri: number
}

/**
 * The rollout cohort of contract §4b (`createRolloutService`): mitras always in the rollout, or
 * never (a hold-out), whatever `early_end_mitra_rollout_percent` says. Changes are audited like flag
 * changes and take the same lock, so an early end decided on the old membership never commits after one.
 *
 * ```ts
 * const rollout: RolloutService = createRolloutService(handle)
 * ```
 */
export interface RolloutService {
  /**
   * Puts mitras in the cohort (`always`, the default, or `never`). Audited; a mitra already so is left as is (no change returned).
   * @throws HaloError `INVALID_INPUT` (a bad id, mode, actor or note), `DB_ERROR`
   */
  add(mitraIds: readonly string[], options: { mode?: CohortMode; actor: string; note?: string | undefined }): Promise<CohortChange[]>
  /**
   * Takes mitras out of the cohort: the percent decides for them again. Audited; a mitra not in it is left as is.
   * @throws HaloError `INVALID_INPUT`, `DB_ERROR`
   */
  remove(mitraIds: readonly string[], options: { actor: string; note?: string | undefined }): Promise<CohortChange[]>
  /**
   * Every member, by mitra id.
   * @throws HaloError `DB_ERROR`
   */
  list(): Promise<CohortMember[]>
  /**
   * The percent, the cohort's sizes and the switch.
   * @throws HaloError `DB_ERROR`
   */
  standing(): Promise<RolloutStanding>
}

const Mitras = z.array(PartyId).min(1, 'name at least one mitra').max(10_000)
const AddOptions = z.object({ mode: z.enum(COHORT_MODES).optional(), actor: PartyId, note: storedText(NOTE_MAX).optional() }).strict()
const RemoveOptions = z.object({ actor: PartyId, note: storedText(NOTE_MAX).optional() }).strict()

const membership = (mitraId: string, mode: CohortMode | null) => JSON.stringify({ mitra: mitraId, mode })

/**
 * The rollout cohort's service.
 *
 * ```ts
 * const rollout = createRolloutService(handle)
 * await rollout.add(['mitra-ayu', 'mitra-budi'], { actor: 'ops-ana', note: 'pilot group' })
 * await rollout.add(['mitra-citra'], { mode: 'never', actor: 'ops-ana', note: 'hold-out' })
 * ```
 */
export function createRolloutService(handle: HaloDatabase, options: { clock?: Clock } = {}): RolloutService {
  const clock = options.clock ?? systemClock

  /** Sets each mitra's membership to `mode` (null: out), audited, under the flags' write lock. */
  function change(mitraIds: readonly string[], mode: CohortMode | null, actor: string, note: string | null): Promise<CohortChange[]> {
    const unique = [...new Set(mitraIds)]
    // config 'write': a cohort change waits for every early end deciding on the cohort under way and
    // holds new ones back until it commits, as a flag change does (contract §4 item 9).
    const run = () =>
      handle.write(
        async (trx) => {
          const current = new Map((await repo.lockedMembers(trx, handle.engine, unique)).map((r) => [r.mitra_id, r.mode as CohortMode]))
          const at = clock.now().toISOString()
          const out: CohortChange[] = []
          for (const mitraId of unique) {
            const old = current.get(mitraId) ?? null
            if (old === mode) continue
            if (mode === null) await repo.deleteMember(trx, mitraId)
            else await repo.upsertMember(trx, { mitra_id: mitraId, mode, note, set_by: actor, set_at: at })
            const id = await repo.insertCohortAudit(trx, {
              old_value: membership(mitraId, old),
              new_value: membership(mitraId, mode),
              actor,
              note,
              created_at: at,
            })
            out.push({ id, mitraId, oldMode: old, newMode: mode, actor, note, at })
          }
          return out
        },
        { config: 'write' },
      )
    return retryOnUniqueViolation(handle.engine, run)
  }

  const service: RolloutService = {
    async add(mitraIds, opts) {
      const ids = parseInput(Mitras, mitraIds, 'mitras')
      const o = parseInput(AddOptions, opts, 'rollout add')
      return change(ids, o.mode ?? 'always', o.actor, o.note ?? null)
    },
    async remove(mitraIds, opts) {
      const ids = parseInput(Mitras, mitraIds, 'mitras')
      const o = parseInput(RemoveOptions, opts, 'rollout remove')
      return change(ids, null, o.actor, o.note ?? null)
    },
    async list() {
      const rows = await handle.read((db) => repo.allMembers(db))
      return rows.map((r) => ({
        mitraId: r.mitra_id,
        mode: r.mode as CohortMode,
        bucket: rolloutBucket(r.mitra_id),
        note: r.note,
        setBy: r.set_by,
        setAt: r.set_at,
      }))
    },
    async standing() {
      const [flags, members, live] = await Promise.all([readFlagRows(handle).then(rowsToFlags), service.list(), handle.read((db) => repo.liveMitras(db))])
      const cohort = new Map(members.map((m) => [m.mitraId, m.mode]))
      const share = rolloutShare(live, flags.early_end_mitra_rollout_percent, cohort)
      return {
        enabled: flags.early_end_mitra_enabled,
        percent: flags.early_end_mitra_rollout_percent,
        always: members.filter((m) => m.mode === 'always').length,
        never: members.filter((m) => m.mode === 'never').length,
        liveMitras: share.total,
        liveMitrasWithAkhiri: flags.early_end_mitra_enabled ? share.inRollout : 0,
      }
    },
  }
  return Object.freeze(service)
}
