/** The queries of the event feed: no rules here, only reads of `session_events` and `event_feed_state`. */
import type { Kysely } from 'kysely'
import type { EventRow as AuditEventRow } from '../closure/closure-repository.js'
import type { Engine } from '../store/engine.js'
import { queryBuilder } from '../store/query-builder.js'
import type { Schema } from '../store/schema.js'

/** A `session_events` row as the feed reads it: the audit trail's row, with its id (and on PostgreSQL its key, as decimal text). */
export type EventRow = AuditEventRow & { readonly id: number; readonly key?: string }

const COLUMNS = ['id', 'session_id', 'event', 'from_status', 'to_status', 'actor_type', 'actor_id', 'created_at'] as const

function columns(engine: Engine) {
  const { sql } = queryBuilder()
  const list = sql.join(COLUMNS.map((c) => sql.ref(c)))
  return engine.eventOrder === 'transaction' ? sql`${list}, tx::text as key` : list
}

const table = (engine: Engine) => queryBuilder().sql.raw(engine.table('session_events'))
const stateTable = (engine: Engine) => queryBuilder().sql.raw(engine.table('event_feed_state'))

/**
 * Where the feed stands, read in one statement. `origin`: the install's name (migration 0007).
 * PostgreSQL also: `fence`, the oldest transaction in flight as a key (every event below it is
 * committed or gone); `ceiling`, the next transaction id as a key (no event of this server can be at
 * or above it); `newest`, the highest committed key (null: no events).
 */
export async function feedState(db: Kysely<Schema>, engine: Engine): Promise<{ origin: string; fence?: string; ceiling?: string; newest?: string | null }> {
  const { sql } = queryBuilder()
  if (engine.eventOrder === 'id') {
    const { rows } = await sql<{ origin: string }>`select origin from ${stateTable(engine)}`.execute(db)
    return { origin: rows[0]!.origin }
  }
  const { rows } = await sql<{ origin: string; fence: string; ceiling: string; newest: string | null }>`
    select s.origin,
      (pg_snapshot_xmin(c.snap)::text::numeric + s.key_offset)::text as fence,
      (pg_snapshot_xmax(c.snap)::text::numeric + s.key_offset)::text as ceiling,
      (select e.tx::text from ${table(engine)} e order by e.tx desc limit 1) as newest
    from ${stateTable(engine)} s, (select pg_current_snapshot() as snap) c`.execute(db)
  return rows[0]!
}

/** The event with this id (decimal text), or undefined. */
export async function eventAt(db: Kysely<Schema>, engine: Engine, id: string): Promise<EventRow | undefined> {
  const { sql } = queryBuilder()
  const { rows } = await sql<EventRow>`select ${columns(engine)} from ${table(engine)} where id = cast(${id} as bigint)`.execute(db)
  return rows[0]
}

/** SQLite: events after `afterId`, by id (given out in commit order there). */
export async function eventsAfter(db: Kysely<Schema>, engine: Engine, afterId: string, limit: number): Promise<EventRow[]> {
  const { sql } = queryBuilder()
  const { rows } =
    await sql<EventRow>`select ${columns(engine)} from ${table(engine)} where id > cast(${afterId} as bigint) order by id limit ${limit}`.execute(db)
  return rows
}

/** SQLite: the newest event, undefined when there is none. */
export async function newestEvent(db: Kysely<Schema>, engine: Engine): Promise<EventRow | undefined> {
  const { sql } = queryBuilder()
  const { rows } = await sql<EventRow>`select ${columns(engine)} from ${table(engine)} order by id desc limit 1`.execute(db)
  return rows[0]
}

/**
 * PostgreSQL: events below `fence` after the position (`key`, `afterId`), in (key, id) order; from the
 * first when `key` is null.
 */
export async function eventsBelowFence(
  db: Kysely<Schema>,
  engine: Engine,
  key: string | null,
  afterId: string,
  fence: string,
  limit: number,
): Promise<EventRow[]> {
  const { sql } = queryBuilder()
  const after = key === null ? sql`true` : sql`(tx, id) > (${key}::xid8, cast(${afterId} as bigint))`
  const { rows } = await sql<EventRow>`
    select ${columns(engine)} from ${table(engine)}
    where tx < ${fence}::xid8 and ${after}
    order by tx, id limit ${limit}`.execute(db)
  return rows
}

/** PostgreSQL: the last event below `fence` in (key, id) order, undefined when there is none. */
export async function lastEventBelowFence(db: Kysely<Schema>, engine: Engine, fence: string): Promise<EventRow | undefined> {
  const { sql } = queryBuilder()
  const { rows } = await sql<EventRow>`
    select ${columns(engine)} from ${table(engine)} where tx < ${fence}::xid8 order by tx desc, id desc limit 1`.execute(db)
  return rows[0]
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
