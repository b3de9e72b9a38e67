import { NEEDS } from '../access/needed-role.js'
import { z } from 'zod'
import { HaloError } from '../errors.js'
import { systemClock, type Clock } from '../core/clock.js'
import { REVIEW_OUTCOMES, type ReviewOutcome } from '../core/vocabulary.js'
import { NOTE_MAX, PartyId, RowId, parseInput, storedText } from '../core/validation.js'
import type { HaloDatabase } from '../store/database.js'
import { toClosure, type Closure } from '../closure/session-view.js'
import * as repo from './review-repository.js'

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
  /** Who resolved it as the database knows them: PostgreSQL's `session_user`, SQLite's OS user (null while open, or resolved before migration 0008). */
  readonly resolvedAuthenticatedAs: string | null
  /** Early ends attached to the review (the one that reached the cap and any over it). */
  readonly earlyEnds: number
  /** The mitra's early ends on `businessDay`, as the cap counted them and `report cap` shows them. */
  readonly earlyEndsThatDay: number
}

/**
 * A review with what it is about: what `show` returns (`review show`).
 *
 * ```ts
 * const detail: ReviewDetail = await reviews.show(7)
 * detail.earlyEndsThatDay // 3: the mitra's early ends that day, attached or not
 * ```
 */
export interface ReviewDetail extends Review {
  /**
   * The mitra's own early ends on the review's day, and any other closure attached to the review,
   * oldest first; those attached have `reviewId` set to the review's id.
   */
  readonly closures: readonly Closure[]
}

/**
 * Which reviews `list` returns (default: all, newest first, at most 100; `after` pages on).
 *
 * ```ts
 * await reviews.list({ status: 'open', mitraId: 'm-7' })
 * ```
 */
export interface ReviewFilter {
  readonly status?: 'open' | 'resolved'
  readonly mitraId?: string
  /** A cursor: only reviews older than this one (the list is newest first). Pass a page's last id for the next page. */
  readonly after?: number
  /** At most this many (default 100, at most 100000). */
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
   * Reviews, newest first, a page at a time (`after` the last id of a page gives the next).
   * @throws HaloError `INVALID_INPUT`, `DB_ERROR`
   */
  list(filter?: ReviewFilter): Promise<Review[]>
  /**
   * One review.
   * @throws HaloError `INVALID_INPUT`, `REVIEW_NOT_FOUND`, `DB_ERROR`
   */
  get(id: number): Promise<Review>
  /**
   * A review with the mitra's early ends that day and the closures attached to it.
   *
   * ```ts
   * const r = await reviews.show(12)
   * r.closures.filter((c) => c.reviewId === r.id) // the early ends attached to it
   * ```
   * @throws HaloError `INVALID_INPUT`, `REVIEW_NOT_FOUND`, `DB_ERROR`
   */
  show(id: number): Promise<ReviewDetail>
  /**
   * Resolves an open review with an outcome; returns it as it now is.
   * @throws HaloError `INVALID_INPUT`; `REVIEW_NOT_FOUND`; `INVALID_STATE` (already resolved); `DB_ERROR`
   */
  resolve(id: number, input: ResolveInput): Promise<Review>
}

const FilterSchema = z
  .object({
    status: z.enum(['open', 'resolved']).optional(),
    mitraId: PartyId.optional(),
    after: RowId.optional(),
    limit: z.number().int().min(1).max(100_000).optional(),
  })
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

  async function get(reviewId: number): Promise<Review> {
    const id = parseInput(RowId, reviewId, 'review id')
    const row = await handle.read((db) => repo.findReview(db, id))
    if (row === undefined) throw new HaloError('REVIEW_NOT_FOUND', `no review ${id}`)
    return toReview(row)
  }

  const service: ReviewService = {
    async list(filter = {}) {
      const f = parseInput(FilterSchema, filter, 'review filter')
      const rows = await handle.read((db) =>
        repo.listReviews(db, {
          ...(f.status === undefined ? {} : { status: f.status }),
          ...(f.mitraId === undefined ? {} : { mitraId: f.mitraId }),
          ...(f.after === undefined ? {} : { idBelow: f.after }),
          limit: f.limit ?? 100,
        }),
      )
      return rows.map(toReview)
    },

    get,

    async show(reviewId) {
      const id = parseInput(RowId, reviewId, 'review id')
      return handle.read(async (db) => {
        const row = await repo.findReview(db, id)
        if (row === undefined) throw new HaloError('REVIEW_NOT_FOUND', `no review ${id}`)
        const closures = await repo.closuresOfReview(db, id, row.mitra_id, row.business_day)
        return { ...toReview(row), closures: closures.map(toClosure) }
      })
    },

    async resolve(reviewId, input) {
      const id = parseInput(RowId, reviewId, 'review id')
      const { outcome, note, actor } = parseInput(ResolveSchema, input, 'review resolution')
      await handle.write(
        async (trx) => {
          const row = await repo.reviewStatus(trx, id)
          if (row === undefined) throw new HaloError('REVIEW_NOT_FOUND', `no review ${id}`)
          if (row.status !== 'open') throw new HaloError('INVALID_STATE', `review ${id} is already resolved`)
          // another resolution committed between our read and our update (PostgreSQL, READ COMMITTED)
          if (!(await repo.markResolved(trx, id, { outcome, note: note ?? null, at: clock.now().toISOString(), actor })))
            throw new HaloError('INVALID_STATE', `review ${id} is already resolved`)
        },
        { role: NEEDS.resolveReview },
      )
      return get(id)
    },
  }
  return Object.freeze(service)
}

function toReview(r: repo.ReviewRow): Review {
  return {
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
    resolvedAuthenticatedAs: r.resolved_authenticated_as ?? null,
    earlyEnds: Number(r.early_ends ?? 0),
    earlyEndsThatDay: Number(r.early_ends_that_day ?? 0),
  }
}
