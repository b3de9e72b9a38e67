/** The queries of the review service: no rules here, only reads and writes of `cc_reviews` and what hangs off it. */
import type { Kysely, Selectable } from 'kysely'
import { osIdentity } from '../access/identity.js'
import type { Schema, SessionClosuresTable } from '../store/schema.js'

/** The columns a review is read with: the row, the early ends attached to it, and its mitra's count that day. */
function selectReviews(db: Kysely<Schema>) {
  return db
    .selectFrom('cc_reviews as r')
    .selectAll('r')
    .select((eb) => [
      eb
        .selectFrom('session_closures as c')
        .select((e) => e.fn.countAll<number>().as('n'))
        .whereRef('c.review_id', '=', 'r.id')
        .as('early_ends'),
      // the mitra's counter for the review's day: what `report cap` shows (and the cap counted)
      eb
        .selectFrom('mitra_daily_counts as d')
        .select('d.early_end_count')
        .whereRef('d.mitra_id', '=', 'r.mitra_id')
        .whereRef('d.business_day', '=', 'r.business_day')
        .as('early_ends_that_day'),
    ])
}

export type ReviewRow = Awaited<ReturnType<ReturnType<typeof selectReviews>['executeTakeFirstOrThrow']>>
export type ClosureRow = Selectable<SessionClosuresTable>

export interface ReviewQuery {
  readonly status?: 'open' | 'resolved'
  readonly mitraId?: string
  /** Only reviews older than this one (newest first: the next page). */
  readonly idBelow?: number
  readonly limit: number
}

/** Reviews newest first. */
export function listReviews(db: Kysely<Schema>, q: ReviewQuery): Promise<ReviewRow[]> {
  let query = selectReviews(db).orderBy('r.id', 'desc').limit(q.limit)
  if (q.status !== undefined) query = query.where('r.status', '=', q.status)
  if (q.mitraId !== undefined) query = query.where('r.mitra_id', '=', q.mitraId)
  if (q.idBelow !== undefined) query = query.where('r.id', '<', q.idBelow)
  return query.execute()
}

export function findReview(db: Kysely<Schema>, id: number): Promise<ReviewRow | undefined> {
  return selectReviews(db).where('r.id', '=', id).executeTakeFirst()
}

/** A review's status, read inside the resolving transaction. */
export function reviewStatus(trx: Kysely<Schema>, id: number): Promise<{ status: string } | undefined> {
  return trx.selectFrom('cc_reviews').select('status').where('id', '=', id).executeTakeFirst()
}

/** Resolves an open review; false when it was not open any more (resolved meanwhile). */
export async function markResolved(trx: Kysely<Schema>, id: number, r: { outcome: string; note: string | null; at: string; actor: string }): Promise<boolean> {
  const result = await trx
    .updateTable('cc_reviews')
    .set({ status: 'resolved', outcome: r.outcome, note: r.note, resolved_at: r.at, resolved_by: r.actor, resolved_authenticated_as: osIdentity() })
    .where('id', '=', id)
    .where('status', '=', 'open')
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

/**
 * The mitra's own early ends on a business day (through the (day, initiator, mitra) index), and the
 * closures attached to the review (through its partial index), oldest first, each once.
 */
export async function closuresOfReview(db: Kysely<Schema>, reviewId: number, mitraId: string, day: string): Promise<ClosureRow[]> {
  const ofDay = await db
    .selectFrom('session_closures')
    .selectAll()
    .where('business_day', '=', day)
    .where('initiated_by', '=', 'mitra')
    .where('mitra_id', '=', mitraId)
    .execute()
  const attached = await db.selectFrom('session_closures').selectAll().where('review_id', '=', reviewId).execute()
  const byId = new Map([...ofDay, ...attached].map((c) => [c.id, c]))
  return [...byId.values()].sort((a, b) => a.id - b.id)
}
