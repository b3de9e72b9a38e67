import { z } from 'zod'
import { HaloError } from '../errors.js'
import { systemClock, type Clock } from '../core/clock.js'
import { REVIEW_OUTCOMES, type ReviewOutcome } from '../core/vocabulary.js'
import { NOTE_MAX, PartyId, RowId, parseInput, storedText } from '../core/validation.js'
import type { HaloDatabase } from '../store/database.js'

/**
 * A control-centre review, opened when a mitra reaches the daily cap.
 *
 * ```ts
 * const review: Review = await reviews.get(7)
 * review.earlyEnds // the early ends attached to it
 * ```
 */
export interface Review {
  readonly id: number
  readonly mitraId: string
  readonly businessDay: string
  readonly trigger: string
  readonly status: 'open' | 'resolved'
  readonly outcome: ReviewOutcome | null
  readonly note: string | null
  readonly openedAt: string
  readonly resolvedAt: string | null
  readonly resolvedBy: string | null
  /** Early ends attached to the review (the one that reached the cap and any over it). */
  readonly earlyEnds: number
}

/**
 * Which reviews `list` returns (default: all, newest first, at most 100).
 *
 * ```ts
 * await reviews.list({ status: 'open', mitraId: 'm-7' })
 * ```
 */
export interface ReviewFilter {
  readonly status?: 'open' | 'resolved'
  readonly mitraId?: string
  readonly limit?: number
}

/**
 * How a review is resolved, and by whom.
 *
 * ```ts
 * await reviews.resolve(7, { outcome: 'cleared', note: 'customers were abusive', actor: 'cc-budi' })
 * ```
 */
export interface ResolveInput {
  readonly outcome: ReviewOutcome
  readonly note?: string
  readonly actor: string
}

/**
 * The CC reviews the daily cap opens (`createReviewService`).
 *
 * ```ts
 * const reviews: ReviewService = createReviewService(handle)
 * ```
 */
export interface ReviewService {
  /**
   * Reviews, newest first.
   * @throws HaloError `INVALID_INPUT`, `DB_ERROR`
   */
  list(filter?: ReviewFilter): Promise<Review[]>
  /**
   * One review.
   * @throws HaloError `INVALID_INPUT`, `REVIEW_NOT_FOUND`, `DB_ERROR`
   */
  get(id: number): Promise<Review>
  /**
   * Resolves an open review with an outcome; returns it as it now is.
   * @throws HaloError `INVALID_INPUT`; `REVIEW_NOT_FOUND`; `INVALID_STATE` (already resolved); `DB_ERROR`
   */
  resolve(id: number, input: ResolveInput): Promise<Review>
}

const FilterSchema = z
  .object({ status: z.enum(['open', 'resolved']).optional(), mitraId: PartyId.optional(), limit: z.number().int().min(1).max(100_000).optional() })
  .strict()
const ResolveSchema = z.object({ outcome: z.enum(REVIEW_OUTCOMES), note: storedText(NOTE_MAX).optional(), actor: PartyId }).strict()

/**
 * The CC reviews opened by the daily cap.
 *
 * ```ts
 * const reviews = createReviewService(handle)
 * for (const r of await reviews.list({ status: 'open' })) console.log(r.mitraId, r.businessDay)
 * await reviews.resolve(1, { outcome: 'warned', note: 'talked to the mitra', actor: 'cc-budi' })
 * ```
 */
export function createReviewService(handle: HaloDatabase, options: { clock?: Clock } = {}): ReviewService {
  const clock = options.clock ?? systemClock

  const selectReviews = (db: HaloDatabase['db']) =>
    db
      .selectFrom('cc_reviews as r')
      .selectAll('r')
      .select((eb) =>
        eb
          .selectFrom('session_closures as c')
          .select((e) => e.fn.countAll<number>().as('n'))
          .whereRef('c.review_id', '=', 'r.id')
          .as('early_ends'),
      )

  type Row = Awaited<ReturnType<ReturnType<typeof selectReviews>['executeTakeFirstOrThrow']>>
  const toReview = (r: Row): Review => ({
    id: r.id,
    mitraId: r.mitra_id,
    businessDay: r.business_day,
    trigger: r.trigger,
    status: r.status as Review['status'],
    outcome: r.outcome as ReviewOutcome | null,
    note: r.note,
    openedAt: r.opened_at,
    resolvedAt: r.resolved_at,
    resolvedBy: r.resolved_by,
    earlyEnds: Number(r.early_ends ?? 0),
  })

  async function get(reviewId: number): Promise<Review> {
    const id = parseInput(RowId, reviewId, 'review id')
    const row = await handle.read((db) => selectReviews(db).where('r.id', '=', id).executeTakeFirst())
    if (row === undefined) throw new HaloError('REVIEW_NOT_FOUND', `no review ${id}`)
    return toReview(row)
  }

  const service: ReviewService = {
    async list(filter = {}) {
      const f = parseInput(FilterSchema, filter, 'review filter')
      const rows = await handle.read((db) => {
        let q = selectReviews(db)
          .orderBy('r.id', 'desc')
          .limit(f.limit ?? 100)
        if (f.status !== undefined) q = q.where('r.status', '=', f.status)
        if (f.mitraId !== undefined) q = q.where('r.mitra_id', '=', f.mitraId)
        return q.execute()
      })
      return rows.map(toReview)
    },

    get,

    async resolve(reviewId, input) {
      const id = parseInput(RowId, reviewId, 'review id')
      const { outcome, note, actor } = parseInput(ResolveSchema, input, 'review resolution')
      await handle.write(async (trx) => {
        const row = await trx.selectFrom('cc_reviews').select('status').where('id', '=', id).executeTakeFirst()
        if (row === undefined) throw new HaloError('REVIEW_NOT_FOUND', `no review ${id}`)
        if (row.status !== 'open') throw new HaloError('INVALID_STATE', `review ${id} is already resolved`)
        const r = await trx
          .updateTable('cc_reviews')
          .set({ status: 'resolved', outcome, note: note ?? null, resolved_at: clock.now().toISOString(), resolved_by: actor })
          .where('id', '=', id)
          .where('status', '=', 'open')
          .executeTakeFirst()
        // another resolution committed between our read and our update (PostgreSQL, READ COMMITTED)
        if (Number(r.numUpdatedRows) !== 1) throw new HaloError('INVALID_STATE', `review ${id} is already resolved`)
      })
      return get(id)
    },
  }
  return Object.freeze(service)
}
