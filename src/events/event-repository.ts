/** The queries of the event feed: no rules here, only reads of `session_events`. */
import type { Kysely } from 'kysely'
import type { EventRow as AuditEventRow } from '../closure/closure-repository.js'
import type { Engine } from '../store/engine.js'
import { queryBuilder } from '../store/query-builder.js'
import type { Schema } from '../store/schema.js'

/** A `session_events` row as the feed reads it: the audit trail's row, with its id. */
export type EventRow = AuditEventRow & { readonly id: number }

const COLUMNS = ['id', 'session_id', 'event', 'from_status', 'to_status', 'actor_type', 'actor_id', 'created_at'] as const

/** Events after `afterId`, by id (where ids are given out in commit order). */
export function eventsAfter(db: Kysely<Schema>, afterId: number, limit: number): Promise<EventRow[]> {
  return db.selectFrom('session_events').select(COLUMNS).where('id', '>', afterId).orderBy('id').limit(limit).execute()
}

/**
 * Events of the transactions in `[from, to)` (xid8, as decimal text) after `afterId`, by id: a band of
 * ended transactions, so none of them can still add an event to it.
 */
export async function eventsOfTransactions(db: Kysely<Schema>, engine: Engine, from: string, to: string, afterId: number, limit: number): Promise<EventRow[]> {
  const { sql } = queryBuilder()
  const { rows } = await sql<EventRow>`
    select ${sql.join(COLUMNS.map((c) => sql.ref(c)))} from ${sql.raw(engine.table('session_events'))}
    where tx >= ${from}::xid8 and tx < ${to}::xid8 and id > ${afterId}
    order by id limit ${limit}`.execute(db)
  return rows
}

/** The newest event's id, 0 when there is none. */
export async function latestId(db: Kysely<Schema>): Promise<number> {
  const row = await db
    .selectFrom('session_events')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirst()
  return Number(row?.id ?? 0)
}

/** Which events a listing or a follower wants: every condition given must hold. */
export interface EventQuery {
  /** Only events with an id below this one (the next page of a newest-first listing). */
  readonly beforeId?: number
  /** Only events at or after this instant (ISO-8601 UTC). */
  readonly since?: string
  readonly sessionId?: number
  /** Only events of this mitra's sessions. */
  readonly mitraId?: string
  /** Only these kinds of event (`early_end`, `goodbye`, …). */
  readonly types?: readonly string[]
}

/** The newest `limit` events that `q` wants, newest first (by id). */
export function recentEvents(db: Kysely<Schema>, q: EventQuery, limit: number): Promise<EventRow[]> {
  let query = db.selectFrom('session_events').select(COLUMNS)
  if (q.beforeId !== undefined) query = query.where('id', '<', q.beforeId)
  if (q.since !== undefined) query = query.where('created_at', '>=', q.since)
  if (q.sessionId !== undefined) query = query.where('session_id', '=', q.sessionId)
  if (q.mitraId !== undefined) {
    const mitraId = q.mitraId
    query = query.where('session_id', 'in', (eb) => eb.selectFrom('sessions').select('id').where('mitra_id', '=', mitraId))
  }
  if (q.types !== undefined) query = query.where('event', 'in', [...q.types])
  return query.orderBy('id', 'desc').limit(limit).execute()
}

/** What the feed adds to an event from its session: the mitra, and the closure's reason (null without one). */
export interface SessionFacts {
  readonly session_id: number
  readonly mitra_id: string
  readonly reason: string | null
}

/** The mitra and the closure reason of each of `sessionIds` (one read for a page of events). */
export function sessionFacts(db: Kysely<Schema>, sessionIds: readonly number[]): Promise<SessionFacts[]> {
  if (sessionIds.length === 0) return Promise.resolve([])
  return db
    .selectFrom('sessions as s')
    .leftJoin('session_closures as c', 'c.session_id', 's.id')
    .select(['s.id as session_id', 's.mitra_id', 'c.reason'])
    .where('s.id', 'in', [...sessionIds])
    .execute()
}
