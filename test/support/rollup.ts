/**
 * `closure_daily_counts` against the closures it counts: the tests that write closures in every way
 * (services, simulate, racing processes, plain SQL) assert with these that the two agree key for key.
 */
import { sql } from 'kysely'
import type { HaloDatabase } from '../../src/index.js'

export interface RollupRow {
  readonly business_day: string
  readonly mitra_id: string
  readonly initiated_by: string
  /** '' for closures without a reason. */
  readonly reason: string
  readonly closure_count: number
}

/** Sorted in JS: the engines collate text differently. */
function sorted(rows: readonly RollupRow[]): RollupRow[] {
  const key = (r: RollupRow) => `${r.business_day}\u0000${r.mitra_id}\u0000${r.initiated_by}\u0000${r.reason}`
  return rows.map((r) => ({ ...r, closure_count: Number(r.closure_count) })).sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
}

/** The rollup's rows, in key order. */
export async function rollupRows(handle: HaloDatabase): Promise<RollupRow[]> {
  return sorted(await handle.db.selectFrom('closure_daily_counts').selectAll().execute())
}

/** What the rollup must hold: `session_closures` counted per day, mitra, initiator and reason, in key order. */
export async function countedClosures(handle: HaloDatabase): Promise<RollupRow[]> {
  const { rows } = await sql<RollupRow>`
    select business_day, mitra_id, initiated_by, coalesce(reason, '') as reason, count(*) as closure_count from session_closures
    group by business_day, mitra_id, initiated_by, coalesce(reason, '')`.execute(handle.db)
  return sorted(rows)
}
