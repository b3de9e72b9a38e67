import { createHash } from 'node:crypto'
import type { HaloDatabase } from '../store/database.js'

/** Every table of the schema with the columns that order it: what a fingerprint covers. */
export const FINGERPRINT_TABLES: readonly (readonly [string, string])[] = [
  ['app_config', 'key'],
  ['config_audit', 'id'],
  ['sessions', 'id'],
  ['session_closures', 'id'],
  ['session_goodbyes', 'id'],
  ['session_events', 'id'],
  ['cc_reviews', 'id'],
  ['mitra_daily_counts', 'mitra_id, business_day'],
  ['closure_daily_counts', 'business_day, mitra_id, initiated_by, reason'],
  ['rollout_cohort', 'mitra_id'],
]

/**
 * A SHA-256 of every row of every halo-admin table, in key order: two databases (or one database at
 * two moments) with the same fingerprint hold the same data. Reads only; one pass over each table, so
 * it is meant for small databases (the demo's), and costs a second or so per hundred thousand rows.
 *
 * ```ts
 * const before = await fingerprint(handle)
 * // … later: has anyone changed anything?
 * if ((await fingerprint(handle)) !== before) console.log('changed')
 * ```
 */
export async function fingerprint(handle: HaloDatabase): Promise<string> {
  const hash = createHash('sha256')
  for (const [table, order] of FINGERPRINT_TABLES) {
    hash.update(`\u0000${table}\u0000`)
    for (const row of await handle.select<Record<string, unknown>>(`select * from ${handle.engine.table(table)} order by ${order}`))
      hash.update(`${JSON.stringify(row)}\n`)
  }
  return hash.digest('hex')
}
