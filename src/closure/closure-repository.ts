/** The queries of the closure service: no rules here, only reads and writes. */
import type { Insertable, Kysely, Selectable } from 'kysely'
import { osIdentity } from '../access/identity.js'
import { ENDABLE_STATUSES, LIVE_STATUSES, type SessionStatus } from '../core/vocabulary.js'
import type { HaloDatabase } from '../store/database.js'
import type { Engine } from '../store/engine.js'
import { queryBuilder } from '../store/query-builder.js'
import { queryTemplate, type Slot } from '../store/query-template.js'
import type { Schema, SessionClosuresTable, SessionEventsTable, SessionsTable } from '../store/schema.js'

export type SessionRow = Selectable<SessionsTable>
export type ClosureRow = Selectable<SessionClosuresTable>
export type NewClosure = Omit<Insertable<SessionClosuresTable>, 'id'> & Omit<ClosureRow, 'id'>
export type EventRow = Omit<Selectable<SessionEventsTable>, 'id'>

/** Every column of `session_closures` but its id, in table order: the one list the inserts use. */
export const CLOSURE_COLUMNS = [
  'session_id',
  'mitra_id',
  'kind',
  'initiated_by',
  'actor_id',
  'reason',
  'reason_note',
  'business_day',
  'over_cap',
  'review_id',
  'idempotency_key',
  'created_at',
  'grace_ends_at',
  'finalized_at',
  'authenticated_as',
] as const satisfies readonly (keyof NewClosure)[]

export const SESSION_COLUMNS = [
  'id',
  'customer_id',
  'mitra_id',
  'status',
  'started_at',
  'ends_at',
  'grace_ends_at',
  'closed_at',
] as const satisfies readonly (keyof SessionRow)[]

/** A closure row, from the facts of one transition into closing. */
export function closureRow(c: {
  sessionId: number
  mitraId: string
  kind: 'early_end' | 'expired'
  initiatedBy: string
  actorId: string | null
  reason: string | null
  note: string | null
  businessDay: string
  overCap: boolean
  reviewId: number | null
  idempotencyKey: string | null
  at: string
  graceEndsAt: string
}): NewClosure {
  return {
    session_id: c.sessionId,
    mitra_id: c.mitraId,
    kind: c.kind,
    initiated_by: c.initiatedBy,
    actor_id: c.actorId,
    reason: c.reason,
    reason_note: c.note,
    business_day: c.businessDay,
    over_cap: c.overCap ? 1 : 0,
    review_id: c.reviewId,
    idempotency_key: c.idempotencyKey,
    created_at: c.at,
    grace_ends_at: c.graceEndsAt,
    finalized_at: null,
    // PostgreSQL's trigger puts session_user here instead (migration 0008)
    authenticated_as: osIdentity(),
  }
}

/** A `session_events` row: one state change of one session, by whom, when. */
export function eventRow(
  sessionId: number,
  event: string,
  from: SessionStatus | null,
  to: SessionStatus,
  actorType: string,
  actorId: string | null,
  at: string,
): EventRow {
  return { session_id: sessionId, event, from_status: from, to_status: to, actor_type: actorType, actor_id: actorId, created_at: at }
}

/**
 * `status in ('active', …)` with the statuses written as literals: a partial index (the sweep's, on
 * live and on closing sessions) serves a query only when its condition is spelled in the query, and
 * a bound parameter hides the value from both engines' planners.
 */
export function statusIn(statuses: readonly SessionStatus[]) {
  const { sql } = queryBuilder()
  // one status as `=`: SQLite matches a partial index's `status = 'closing'` only to the same comparison
  if (statuses.length === 1) return sql<boolean>`${sql.ref('status')} = ${sql.lit(statuses[0]!)}`
  return sql<boolean>`${sql.ref('status')} in (${sql.join(statuses.map((s) => sql.lit(s)))})`
}

const sessionById = (db: Kysely<Schema>, id: Slot<number>) => db.selectFrom('sessions').select(SESSION_COLUMNS).where('id', '=', id)
const selectSessionLocked = queryTemplate((db, engine, id: Slot<number>) => engine.lockForUpdate(sessionById(db, id)))

/** A row of slots, one per column in order: what a one-row insert template writes. */
function slotRow<R>(columns: readonly (keyof R & string)[], slots: readonly Slot<unknown>[]): { [K in keyof R]: Slot<R[K]> } {
  return Object.fromEntries(columns.map((c, i) => [c, slots[i]])) as { [K in keyof R]: Slot<R[K]> }
}
/** The values of `row` in the order of `columns`, for a one-row insert template. */
export function inOrder<R>(columns: readonly (keyof R & string)[], row: R): unknown[] {
  return columns.map((c) => row[c])
}

export const EVENT_COLUMNS = [
  'session_id',
  'event',
  'from_status',
  'to_status',
  'actor_type',
  'actor_id',
  'created_at',
] as const satisfies readonly (keyof EventRow)[]
const insertOneEvent = queryTemplate((db, _engine, ...values: Slot<unknown>[]) =>
  db.insertInto('session_events').values(slotRow<EventRow>(EVENT_COLUMNS, values)),
)

// ---------------------------------------------------------------------------------------------
// Sessions, goodbyes, reads.

export function insertSession(trx: Kysely<Schema>, s: Omit<SessionRow, 'id'>): Promise<SessionRow> {
  return trx.insertInto('sessions').values(s).returning(SESSION_COLUMNS).executeTakeFirstOrThrow()
}

export async function insertEvents(trx: Kysely<Schema>, engine: Engine, rows: readonly EventRow[]): Promise<void> {
  if (rows.length === 1) await insertOneEvent(trx, engine, ...inOrder(EVENT_COLUMNS, rows[0]!))
  else if (rows.length > 0)
    await trx
      .insertInto('session_events')
      .values([...rows])
      .execute()
}

export async function findSessionLocked(trx: Kysely<Schema>, engine: Engine, id: number): Promise<SessionRow | undefined> {
  return (await selectSessionLocked(trx, engine, id)).rows[0]
}

export function findSession(db: Kysely<Schema>, id: number): Promise<SessionRow | undefined> {
  return db.selectFrom('sessions').select(SESSION_COLUMNS).where('id', '=', id).executeTakeFirst()
}

export function findClosureBySession(db: Kysely<Schema>, sessionId: number): Promise<ClosureRow | undefined> {
  return db.selectFrom('session_closures').selectAll().where('session_id', '=', sessionId).executeTakeFirst()
}

export function goodbyesOf(db: Kysely<Schema>, sessionId: number) {
  return db.selectFrom('session_goodbyes').select(['side', 'actor_id', 'message', 'created_at']).where('session_id', '=', sessionId).orderBy('id').execute()
}

/** The live statuses as SQL, exactly as the partial index on live sessions says them (migration 0004). */
const LIVE = `status in (${LIVE_STATUSES.map((s) => `'${s}'`).join(', ')})`

/**
 * How many live sessions there are, and the newest `limit` of them, newest first: the first screenful
 * of a long list. Two reads of a few milliseconds at 25,000 live sessions: the count and the largest id
 * together (on SQLite the partial index on live sessions holds both; `max(id)` alone walks the table
 * from its last row), then the rows from that id down. Plain SQL through `handle.select`, so the CLI
 * reads the TUI's first frame with it before loading the query builder (src/tui/first-frame.ts).
 */
export async function headOfLiveSessions(handle: HaloDatabase, limit: number): Promise<{ total: number; rows: SessionRow[] }> {
  const sessions = handle.engine.table('sessions')
  const [stats] = await handle.select<{ n: number | string; last: number | string | null }>(
    `select count(*) as n, max(id) as last from ${sessions} where ${LIVE}`,
  )
  const total = Number(stats?.n ?? 0)
  if (total === 0 || stats?.last === null || stats?.last === undefined) return { total, rows: [] }
  const last = Number(stats.last)
  const count = Math.max(0, Math.floor(limit))
  if (!Number.isSafeInteger(last)) throw new Error(`unexpected session id ${String(stats.last)}`)
  // newest first, as every list for people: the live sessions are the newest, so the walk down from the last one is short
  const rows = await handle.select<SessionRow>(
    `select ${SESSION_COLUMNS.join(', ')} from ${sessions} where ${LIVE} and id <= ${last} order by id desc limit ${count}`,
  )
  return { total, rows: rows.map((r) => ({ ...r, id: Number(r.id) })) }
}

/**
 * The ids of every live session, in id order, in plain SQL like `headOfLiveSessions`: on SQLite from
 * the partial index on live sessions alone (~8 ms at 165,000 sessions, 25,000 live). Ordered by `+id`:
 * by `id`, SQLite walks the whole table in id order to find the live ones; `+id` lets the partial
 * index lead and sorts what it finds.
 */
export async function liveSessionIds(handle: HaloDatabase): Promise<number[]> {
  const rows = await handle.select<{ id: number | string }>(`select id from ${handle.engine.table('sessions')} where ${LIVE} order by +id`)
  return rows.map((r) => Number(r.id))
}

/** The sessions among `ids` that are live, by id: a page of `liveSessionIds` (a few ms for 2,500). */
export async function liveSessionsByIds(handle: HaloDatabase, ids: readonly number[]): Promise<SessionRow[]> {
  if (ids.length === 0) return []
  // ids read from the database: integers, checked, so they go into the text as they are (no 2,500 parameters)
  for (const id of ids) if (!Number.isSafeInteger(id)) throw new Error(`unexpected session id ${String(id)}`)
  const rows = await handle.select<SessionRow>(
    `select ${SESSION_COLUMNS.join(', ')} from ${handle.engine.table('sessions')} where ${LIVE} and id in (${ids.join(', ')}) order by id`,
  )
  return rows.map((r) => ({ ...r, id: Number(r.id) }))
}

export function sessionsByIds(db: Kysely<Schema>, ids: readonly number[]): Promise<SessionRow[]> {
  if (ids.length === 0) return Promise.resolve([])
  return db
    .selectFrom('sessions')
    .select(SESSION_COLUMNS)
    .where('id', 'in', [...ids])
    .orderBy('id')
    .execute()
}

export function eventsOf(db: Kysely<Schema>, sessionId: number) {
  return db.selectFrom('session_events').selectAll().where('session_id', '=', sessionId).orderBy('id').execute()
}

export function insertGoodbye(trx: Kysely<Schema>, g: { session_id: number; side: string; actor_id: string; message: string; created_at: string }) {
  return trx.insertInto('session_goodbyes').values(g).execute()
}

/** The mitra's count for a day, unlocked (what the mitra app shows at start-up). */
export async function countOn(db: Kysely<Schema>, mitraId: string, day: string): Promise<number> {
  const row = await db
    .selectFrom('mitra_daily_counts')
    .select('early_end_count')
    .where('mitra_id', '=', mitraId)
    .where('business_day', '=', day)
    .executeTakeFirst()
  return row?.early_end_count ?? 0
}

export interface SessionQuery {
  readonly statuses?: readonly SessionStatus[]
  readonly mitraId?: string
  readonly customerId?: string
  /** Only sessions started at or after this instant (ISO-8601). */
  readonly startedSince?: string
  /** Only ids above this one. */
  readonly idAbove?: number
  /** Only ids below this one. */
  readonly idBelow?: number
  /** By id, ascending (the default) or descending: ids grow as sessions open, so `desc` is newest first. */
  readonly order?: 'asc' | 'desc'
  /** At most this many; all when absent. */
  readonly limit?: number
}

/** The statuses the partial indexes of `sessions` hold (migration 0004), each as its index's condition spells them. */
const INDEXED_STATUS_SETS: readonly (readonly SessionStatus[])[] = [ENDABLE_STATUSES, ['closing']]

/**
 * Sessions by id in `order`, as one query (`listSessions` runs it; the plan tests explain it).
 *
 * When every status asked is held by a partial index (the live ones, `active` and `extending`, in
 * `sessions_live_ends_at`; `closing` in `sessions_closing_grace_ends_at`), the index's condition is
 * written as it stands (`statusIn()`, literals), and the id is ordered and bounded as `+id`, which no
 * index serves: both engines then read the partial index and sort what it holds, a cost that follows
 * the live sessions, never the table (165,000 sessions, 25,000 of them live: one index read and a
 * top-N sort). Ordered by the bare id they walk the primary key instead, through every closed
 * session older than the live ones when few are live. Without such statuses the primary key is the
 * way: walked in order, stopping at `limit`, or a party's own index.
 */
export function sessionListQuery(db: Kysely<Schema>, q: SessionQuery) {
  const { sql } = queryBuilder()
  const covering = q.statuses === undefined ? undefined : INDEXED_STATUS_SETS.find((set) => q.statuses!.every((s) => set.includes(s)))
  const byIndex = covering !== undefined && q.mitraId === undefined && q.customerId === undefined
  const id = byIndex ? sql<number>`+${sql.ref('id')}` : sql<number>`${sql.ref('id')}`
  let query = db
    .selectFrom('sessions')
    .select(SESSION_COLUMNS)
    .orderBy(id, q.order ?? 'asc')
  if (q.limit !== undefined) query = query.limit(q.limit)
  if (q.statuses !== undefined) {
    if (covering !== undefined) query = query.where(statusIn(covering))
    if (covering === undefined || q.statuses.length < covering.length) query = query.where(statusIn(q.statuses))
  }
  if (q.mitraId !== undefined) query = query.where('mitra_id', '=', q.mitraId)
  if (q.customerId !== undefined) query = query.where('customer_id', '=', q.customerId)
  if (q.startedSince !== undefined) query = query.where('started_at', '>=', q.startedSince)
  if (q.idAbove !== undefined) query = query.where(id, '>', q.idAbove)
  if (q.idBelow !== undefined) query = query.where(id, '<', q.idBelow)
  return query
}

/** The sessions `q` asks for (see `sessionListQuery`). */
export function listSessions(db: Kysely<Schema>, q: SessionQuery): Promise<SessionRow[]> {
  return sessionListQuery(db, q).execute()
}
