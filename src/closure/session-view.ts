import type { Initiator, SessionStatus } from '../core/vocabulary.js'
import type { ClosureRow, EventRow, SessionRow } from './closure-repository.js'

/**
 * A session as the library returns it.
 *
 * ```ts
 * const s: Session = await closures.openSession({ customerId: 'c-1', mitraId: 'm-7' })
 * s.endsAt // an hour from now
 * ```
 */
export interface Session {
  readonly id: number
  readonly customerId: string
  readonly mitraId: string
  readonly status: SessionStatus
  readonly startedAt: string
  readonly endsAt: string
  readonly graceEndsAt: string | null
  readonly closedAt: string | null
}

/**
 * The `session_closures` row of a session that entered closing.
 *
 * ```ts
 * const closure: Closure | null = (await closures.getSession(42)).closure
 * ```
 */
export interface Closure {
  readonly id: number
  readonly sessionId: number
  readonly kind: 'early_end' | 'expired'
  readonly initiatedBy: Initiator
  readonly actorId: string | null
  readonly reason: string | null
  readonly reasonNote: string | null
  readonly businessDay: string
  readonly overCap: boolean
  readonly reviewId: number | null
  readonly idempotencyKey: string | null
  readonly createdAt: string
  readonly graceEndsAt: string
  readonly finalizedAt: string | null
  /** Who ended it as the database knows them: PostgreSQL's `session_user`, SQLite's OS user (null: ended before migration 0008). */
  readonly authenticatedAs: string | null
}

/**
 * One side's goodbye, posted while the session was closing.
 *
 * ```ts
 * const g: Goodbye = await closures.postGoodbye(42, UserType.CUSTOMER, { actorId: 'c-1', message: 'Makasih!' })
 * ```
 */
export interface Goodbye {
  readonly side: 'mitra' | 'customer'
  readonly actorId: string
  readonly message: string
  readonly at: string
}

/**
 * One state change of a session, from its audit trail (`session_events`).
 *
 * ```ts
 * for (const e of (await closures.getSession(42)).events) console.log(e.at, e.event, e.fromStatus, '→', e.toStatus)
 * ```
 */
export interface SessionEvent {
  readonly id: number
  /** `opened`, `early_end`, `expired`, `goodbye` or `finalized`. */
  readonly event: string
  readonly fromStatus: SessionStatus | null
  readonly toStatus: SessionStatus
  /** Who acted: `mitra`, `customer`, `support` or `system`. */
  readonly actorType: string
  readonly actorId: string | null
  readonly at: string
}

/**
 * A session with its closure, goodbyes and events: what `getSession` returns.
 *
 * ```ts
 * const { status, closure, goodbyes, events } = await closures.getSession(42)
 * ```
 */
export interface SessionDetail extends Session {
  readonly closure: Closure | null
  readonly goodbyes: readonly Goodbye[]
  /** Every state change, oldest first. */
  readonly events: readonly SessionEvent[]
}

export function toEvent(r: EventRow & { id: number }): SessionEvent {
  return {
    id: r.id,
    event: r.event,
    fromStatus: r.from_status as SessionStatus | null,
    toStatus: r.to_status as SessionStatus,
    actorType: r.actor_type,
    actorId: r.actor_id,
    at: r.created_at,
  }
}

export function toSession(r: SessionRow): Session {
  return {
    id: r.id,
    customerId: r.customer_id,
    mitraId: r.mitra_id,
    status: r.status as SessionStatus,
    startedAt: r.started_at,
    endsAt: r.ends_at,
    graceEndsAt: r.grace_ends_at,
    closedAt: r.closed_at,
  }
}

export function toClosure(r: ClosureRow): Closure {
  return {
    id: r.id,
    sessionId: r.session_id,
    kind: r.kind as Closure['kind'],
    initiatedBy: r.initiated_by as Initiator,
    actorId: r.actor_id,
    reason: r.reason,
    reasonNote: r.reason_note,
    businessDay: r.business_day,
    overCap: Boolean(r.over_cap),
    reviewId: r.review_id,
    idempotencyKey: r.idempotency_key,
    createdAt: r.created_at,
    graceEndsAt: r.grace_ends_at,
    finalizedAt: r.finalized_at,
    authenticatedAs: r.authenticated_as ?? null,
  }
}
