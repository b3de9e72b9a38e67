import type { Kysely } from 'kysely'
import { periodsInForce, valueInForce, type ChangeAfter, type InForce } from '../core/flags-in-force.js'
import { decodeStoredFlag, type Flags } from '../config/flag-registry.js'
import type { Schema } from '../store/schema.js'
import { capChangesSince } from './report-repository.js'

type Action = Flags['early_end_mitra_over_cap_action']

/**
 * The daily cap and over-cap action as they stood at any instant after `since`, from `config_audit`:
 * `report cap` and `whatif` judge each closure by the rule in force when it committed, not by today's.
 *
 * ```ts
 * const caps = await capsInForce(db, dayStart, flags)
 * caps.capAt(closure.createdAt) // 4, though the cap is 6 now
 * ```
 */
export interface CapsInForce {
  capAt(at: string): number
  actionAt(at: string): Action
  /** The caps in force from `since` on, oldest first. */
  readonly caps: readonly InForce<number>[]
  readonly actions: readonly InForce<Action>[]
}

export async function capsInForce(db: Kysely<Schema>, since: string, now: Flags): Promise<CapsInForce> {
  const rows = await capChangesSince(db, since)
  const cap: ChangeAfter<number>[] = []
  const action: ChangeAfter<Action>[] = []
  for (const r of rows) {
    // an old value written by hand that is not valid was read as the default then, as now
    if (r.key === 'early_end_mitra_daily_cap') cap.push({ at: r.created_at, oldValue: decodeStoredFlag('early_end_mitra_daily_cap', r.old_value ?? 'null') })
    else action.push({ at: r.created_at, oldValue: decodeStoredFlag('early_end_mitra_over_cap_action', r.old_value ?? 'null') })
  }
  return {
    capAt: (at) => valueInForce(cap, at, now.early_end_mitra_daily_cap),
    actionAt: (at) => valueInForce(action, at, now.early_end_mitra_over_cap_action),
    caps: periodsInForce(cap, since, now.early_end_mitra_daily_cap),
    actions: periodsInForce(action, since, now.early_end_mitra_over_cap_action),
  }
}
