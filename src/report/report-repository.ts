/** The queries of the reports: no rules here, only reads. */
import type { Kysely } from 'kysely'
import type { Engine } from '../store/engine.js'
import { queryBuilder } from '../store/query-builder.js'
import type { Schema } from '../store/schema.js'
import type { ResolvedRange } from './day-range.js'

export type GroupColumn = 'business_day' | 'mitra_id' | 'reason' | 'initiated_by'

export interface ClosureFilterValues {
  readonly initiator?: string | undefined
  readonly mitraId?: string | undefined
  readonly reason?: string | undefined
}

function closuresIn(db: Kysely<Schema>, range: ResolvedRange, f: ClosureFilterValues) {
  // The range leads every report index: (business_day, mitra_id | reason | initiated_by).
  let q = db.selectFrom('session_closures').where('business_day', '>=', range.from).where('business_day', '<=', range.to)
  if (f.initiator !== undefined) q = q.where('initiated_by', '=', f.initiator)
  if (f.mitraId !== undefined) q = q.where('mitra_id', '=', f.mitraId)
  if (f.reason !== undefined) q = q.where('reason', '=', f.reason)
  return q
}

/** A SQL string literal. Every value given here was checked against a pattern without quotes; doubling them is a second guard. */
function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`
}

/** What `closure_daily_counts.reason` holds for closures without a reason (migration 0003); read back as null. */
export const NO_REASON = ''

/**
 * Closure counts per value of `column` in the range, as one plain SQL text for `handle.select`: the
 * grouped report needs no query builder, so `halo-admin report closures` starts without loading
 * kysely. The values must have been validated (days, ids, codes: no quotes); `literal` quotes them.
 *
 * It sums `closure_daily_counts` (one row per day, mitra, initiator and reason, kept by triggers on
 * `session_closures`), not the closures: a range of its primary key (business_day, mitra_id,
 * initiated_by, reason), or of (mitra_id, business_day) with `mitraId`. `reason` comes back as
 * `NO_REASON` for closures without one. EXPLAIN QUERY PLAN on SQLite: `group by business_day` is the
 * key's own order; `group by mitra_id` would sort the range's rows in a temp b-tree, so with
 * `dayFirst` the rows are grouped by day and mitra, again the key's order, a mitra comes once per day
 * and the caller sums them. Initiator and reason come after the mitra in the key, so those two sort the
 * range's rollup rows (137k for 1M closures of 500 mitras over 28 days) in a temp b-tree; shipping them
 * to JS in key order to sum there costs more.
 */
export function countClosuresSql(
  table: string,
  column: GroupColumn,
  range: ResolvedRange,
  f: ClosureFilterValues,
  options: { dayFirst?: boolean } = {},
): string {
  const where = [`business_day >= ${literal(range.from)}`, `business_day <= ${literal(range.to)}`]
  if (f.initiator !== undefined) where.push(`initiated_by = ${literal(f.initiator)}`)
  if (f.mitraId !== undefined) where.push(`mitra_id = ${literal(f.mitraId)}`)
  if (f.reason !== undefined) where.push(`reason = ${literal(f.reason)}`)
  const groupBy = options.dayFirst === true && column === 'mitra_id' ? 'business_day, mitra_id' : column
  return `select ${column} as "key", sum(closure_count) as "count" from ${table} where ${where.join(' and ')} group by ${groupBy}`
}

export const DETAIL_COLUMNS = [
  'id',
  'session_id',
  'business_day',
  'created_at',
  'mitra_id',
  'kind',
  'initiated_by',
  'actor_id',
  'reason',
  'reason_note',
  'over_cap',
  'review_id',
] as const

/** The lowest and highest closure id in the range (a covering-index lookup), to bound the detail scan. */
export async function idBounds(db: Kysely<Schema>, range: ResolvedRange, f: ClosureFilterValues): Promise<{ min: number; max: number } | null> {
  const r = await closuresIn(db, range, f)
    .select((eb) => [eb.fn.min('id').as('min'), eb.fn.max('id').as('max')])
    .executeTakeFirst()
  return r?.min == null || r.max == null ? null : { min: Number(r.min), max: Number(r.max) }
}

/**
 * One page of closures in the range with `afterId < id <= lastId`, by id: keyset paging keeps memory
 * flat on both engines. The day test goes through `engine.unindexed`: SQLite would pick the
 * (business_day, …) index and sort the whole range for every page (EXPLAIN: temp b-tree, 40 s for 1M
 * rows), and walks the rowid range instead; PostgreSQL already walks the primary key for this query
 * (EXPLAIN: Index Scan using session_closures_pkey), and the same trick would make it scan the table
 * per page, so it gets the plain column.
 */
export function closurePage(db: Kysely<Schema>, engine: Engine, range: ResolvedRange, f: ClosureFilterValues, afterId: number, lastId: number, limit: number) {
  const { sql } = queryBuilder()
  const day = sql<string>`${sql.raw(engine.unindexed('business_day'))}`
  let q = db.selectFrom('session_closures').where(day, '>=', range.from).where(day, '<=', range.to)
  if (f.initiator !== undefined) q = q.where('initiated_by', '=', f.initiator)
  if (f.mitraId !== undefined) q = q.where('mitra_id', '=', f.mitraId)
  if (f.reason !== undefined) q = q.where('reason', '=', f.reason)
  return q.select(DETAIL_COLUMNS).where('id', '>', afterId).where('id', '<=', lastId).orderBy('id').limit(limit).execute()
}

/** The day's cap counters with the day's `daily_cap_reached` review, if any. */
export function capCounters(db: Kysely<Schema>, day: string) {
  return db
    .selectFrom('mitra_daily_counts as c')
    .leftJoin('cc_reviews as r', (j) =>
      j.onRef('r.mitra_id', '=', 'c.mitra_id').onRef('r.business_day', '=', 'c.business_day').on('r.trigger', '=', 'daily_cap_reached'),
    )
    .select(['c.mitra_id', 'c.early_end_count', 'r.id as review_id', 'r.status as review_status'])
    .where('c.business_day', '=', day)
    .where('c.early_end_count', '>', 0)
    .orderBy('c.early_end_count', 'desc')
    .orderBy('c.mitra_id')
    .execute()
}

/** The recorded mitra early ends of the range in the order they happened (what `whatif` replays). */
export function mitraEarlyEnds(db: Kysely<Schema>, range: ResolvedRange) {
  return db
    .selectFrom('session_closures')
    .select(['id', 'session_id', 'mitra_id', 'actor_id', 'reason', 'reason_note', 'business_day', 'over_cap', 'review_id', 'created_at'])
    .where('business_day', '>=', range.from)
    .where('business_day', '<=', range.to)
    .where('initiated_by', '=', 'mitra')
    .orderBy('id')
    .execute()
}

/** Changes of the cap and the over-cap action made after `since` (an instant), oldest first: what was in force when. */
export function capChangesSince(db: Kysely<Schema>, since: string) {
  return db
    .selectFrom('config_audit')
    .select(['key', 'old_value', 'created_at'])
    .where('key', 'in', ['early_end_mitra_daily_cap', 'early_end_mitra_over_cap_action'])
    .where('created_at', '>', since)
    .orderBy('id')
    .execute()
}

/** Each mitra's last early end on `day`, and whether any was marked over the cap: when to judge the day's count. */
export function lastEarlyEnds(db: Kysely<Schema>, day: string) {
  const { sql } = queryBuilder()
  return db
    .selectFrom('session_closures')
    .select((eb) => ['mitra_id', eb.fn.max('created_at').as('last_at'), sql<number>`max(case when over_cap then 1 else 0 end)`.as('any_over')])
    .where('business_day', '=', day)
    .where('initiated_by', '=', 'mitra')
    .groupBy('mitra_id')
    .execute()
}
