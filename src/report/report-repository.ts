/** The queries of the reports: no rules here, only reads. */
import { sql, type Kysely } from 'kysely'
import type { EngineName } from '../store/engine.js'
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

/** Closure counts per value of `column` in the range. */
export async function countClosures(
  db: Kysely<Schema>,
  column: GroupColumn,
  range: ResolvedRange,
  f: ClosureFilterValues,
): Promise<{ key: string | null; count: number }[]> {
  const rows = await closuresIn(db, range, f)
    .select((eb) => [eb.ref(column).as('key'), eb.fn.countAll().as('count')])
    .groupBy(column)
    .execute()
  return rows.map((r) => ({ key: r.key as string | null, count: Number(r.count) }))
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
 * flat on both engines. On SQLite the day test is written `business_day || ''` on purpose: it keeps the
 * planner off the (business_day, …) indexes, which would sort the whole range for every page (EXPLAIN:
 * temp b-tree, 40 s for 1M rows), and on the rowid range instead. PostgreSQL already walks the primary
 * key for this query (EXPLAIN: Index Scan using session_closures_pkey), and the same trick would
 * make it scan the table per page, so it gets the plain column.
 */
export function closurePage(
  db: Kysely<Schema>,
  engine: EngineName,
  range: ResolvedRange,
  f: ClosureFilterValues,
  afterId: number,
  lastId: number,
  limit: number,
) {
  const day = engine === 'sqlite' ? sql<string>`${sql.ref('business_day')} || ''` : sql.ref<string>('business_day')
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

/** The `daily_cap_reached` reviews of the range. */
export function capReviews(db: Kysely<Schema>, range: ResolvedRange) {
  return db
    .selectFrom('cc_reviews')
    .select(['id', 'mitra_id', 'business_day', 'status'])
    .where('business_day', '>=', range.from)
    .where('business_day', '<=', range.to)
    .where('trigger', '=', 'daily_cap_reached')
    .orderBy('id')
    .execute()
}
