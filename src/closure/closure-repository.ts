/** The queries of the closure service: no rules here, only reads and writes. */
import { type Kysely, type Selectable } from 'kysely'
import type { Engine } from '../store/engine.js'
import type { Schema, SessionClosuresTable, SessionEventsTable, SessionsTable } from '../store/schema.js'
import type { SessionStatus } from '../core/user-type.js'
import { queryTemplate } from './query-template.js'

export type SessionRow = Selectable<SessionsTable>
export type ClosureRow = Selectable<SessionClosuresTable>
export type SessionEventRow = Selectable<SessionEventsTable>

export const DAILY_CAP_TRIGGER = 'daily_cap_reached'

// The early end's queries are templates: built and compiled once per engine (see query-template.ts).
const sessionById = (db: Kysely<Schema>, id: unknown) =>
  db
    .selectFrom('sessions')
    .selectAll()
    .where('id', '=', id as number)
const selectSession = queryTemplate((db, _engine, id) => sessionById(db, id))
const selectSessionLocked = queryTemplate((db, engine, id) => engine.lockForUpdate(sessionById(db, id)))

export async function findSession(trx: Kysely<Schema>, engine: Engine, id: number, lock: boolean): Promise<SessionRow | undefined> {
  return (await (lock ? selectSessionLocked : selectSession)(trx, engine, id)).rows[0]
}

const selectClosureByKey = queryTemplate((db, _engine, key) =>
  db
    .selectFrom('session_closures')
    .selectAll()
    .where('idempotency_key', '=', key as never),
)

export async function findClosureByKey(trx: Kysely<Schema>, engine: Engine, key: string): Promise<ClosureRow | undefined> {
  return (await selectClosureByKey(trx, engine, key)).rows[0]
}

export function findClosureBySession(trx: Kysely<Schema>, sessionId: number): Promise<ClosureRow | undefined> {
  return trx.selectFrom('session_closures').selectAll().where('session_id', '=', sessionId).executeTakeFirst()
}

/** The session's audit trail, oldest first (the `session_events_session` index serves it). */
export function sessionEvents(trx: Kysely<Schema>, sessionId: number): Promise<SessionEventRow[]> {
  return trx.selectFrom('session_events').selectAll().where('session_id', '=', sessionId).orderBy('id').execute()
}

/** True when `closureId` is the first closure attached to its review, i.e. the one that opened it. */
export async function openedReview(trx: Kysely<Schema>, closure: ClosureRow): Promise<boolean> {
  if (closure.review_id === null) return false
  const first = await trx
    .selectFrom('session_closures')
    .select((eb) => eb.fn.min('id').as('id'))
    .where('review_id', '=', closure.review_id)
    .executeTakeFirst()
  return Number(first?.id) === closure.id
}

/**
 * The mitra's counter and review for a business day. With `lock`, the counter
 * row is created if missing and locked, so concurrent early ends of the same
 * mitra and day queue behind each other: this is what keeps the cap exact.
 */
export async function readCap(
  trx: Kysely<Schema>,
  engine: Engine,
  mitraId: string,
  day: string,
  lock: boolean,
): Promise<{ countToday: number; reviewId: number | null }> {
  if (lock) {
    // one round trip: create-or-lock the counter row and read the day's review
    const claimed = (await claimCounter(trx, engine, mitraId, day)).rows[0]!
    return { countToday: claimed.early_end_count, reviewId: claimed.review_id ?? null }
  }
  const counter = (await selectCounter(trx, engine, mitraId, day)).rows[0]
  const review = await findReview(trx, engine, mitraId, day)
  return { countToday: counter?.early_end_count ?? 0, reviewId: review?.id ?? null }
}

/**
 * Creates the mitra's counter row for the day, or locks the existing one (an
 * upsert whose update changes nothing takes the row lock, as FOR UPDATE would,
 * and waits for a concurrent creator), and returns the count with the day's review.
 */
const claimCounter = queryTemplate((db, _engine, mitraId, day) =>
  db
    .insertInto('mitra_daily_counts')
    .values({ mitra_id: mitraId as never, business_day: day as never, early_end_count: 0 })
    .onConflict((oc) => oc.columns(['mitra_id', 'business_day']).doUpdateSet({ early_end_count: (eb) => eb.ref('mitra_daily_counts.early_end_count') }))
    .returning((eb) => [
      'early_end_count',
      eb
        .selectFrom('cc_reviews')
        .select('cc_reviews.id')
        .whereRef('cc_reviews.mitra_id', '=', 'mitra_daily_counts.mitra_id')
        .whereRef('cc_reviews.business_day', '=', 'mitra_daily_counts.business_day')
        .where('cc_reviews.trigger', '=', DAILY_CAP_TRIGGER)
        .as('review_id'),
    ]),
)

const counterOf = (db: Kysely<Schema>, mitraId: unknown, day: unknown) =>
  db
    .selectFrom('mitra_daily_counts')
    .select('early_end_count')
    .where('mitra_id', '=', mitraId as string)
    .where('business_day', '=', day as string)
const selectCounter = queryTemplate((db, _engine, mitraId, day) => counterOf(db, mitraId, day))

const selectReview = queryTemplate((db, _engine, mitraId, day) =>
  db
    .selectFrom('cc_reviews')
    .select('id')
    .where('mitra_id', '=', mitraId as never)
    .where('business_day', '=', day as never)
    .where('trigger', '=', DAILY_CAP_TRIGGER),
)

export async function findReview(trx: Kysely<Schema>, engine: Engine, mitraId: string, day: string): Promise<{ id: number } | undefined> {
  return (await selectReview(trx, engine, mitraId, day)).rows[0]
}

const updateCount = queryTemplate((db, _engine, count, mitraId, day) =>
  db
    .updateTable('mitra_daily_counts')
    .set({ early_end_count: count as never })
    .where('mitra_id', '=', mitraId as never)
    .where('business_day', '=', day as never),
)

export async function setCount(trx: Kysely<Schema>, engine: Engine, mitraId: string, day: string, count: number): Promise<void> {
  await updateCount(trx, engine, count, mitraId, day)
}

export async function insertReview(trx: Kysely<Schema>, mitraId: string, day: string, at: string): Promise<number> {
  const row = await trx
    .insertInto('cc_reviews')
    .values({ mitra_id: mitraId, business_day: day, trigger: DAILY_CAP_TRIGGER, status: 'open', opened_at: at })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

const markOneClosing = queryTemplate((db, _engine, graceEndsAt, id) =>
  db
    .updateTable('sessions')
    .set({ status: 'closing', grace_ends_at: graceEndsAt as never })
    .where('id', '=', id as never)
    .where('status', 'in', ['active', 'extending']),
)

/** Moves sessions into closing; returns how many were still active or extending. */
export async function markClosing(trx: Kysely<Schema>, engine: Engine, ids: readonly number[], graceEndsAt: string): Promise<number> {
  if (ids.length === 0) return 0
  if (ids.length === 1) return Number((await markOneClosing(trx, engine, graceEndsAt, ids[0])).numAffectedRows ?? 0)
  const r = await trx
    .updateTable('sessions')
    .set({ status: 'closing', grace_ends_at: graceEndsAt })
    .where('id', 'in', ids)
    .where('status', 'in', ['active', 'extending'])
    .executeTakeFirst()
  return Number(r.numUpdatedRows)
}

const CLOSURE_COLUMNS = [
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
] as const satisfies readonly (keyof Omit<ClosureRow, 'id'>)[]

const insertOneClosure = queryTemplate((db, _engine, ...values) =>
  db
    .insertInto('session_closures')
    .values(Object.fromEntries(CLOSURE_COLUMNS.map((c, i) => [c, values[i]])) as never)
    .returning('id'),
)

export async function insertClosures(trx: Kysely<Schema>, engine: Engine, rows: readonly Omit<ClosureRow, 'id'>[]): Promise<number[]> {
  if (rows.length === 0) return []
  if (rows.length === 1) {
    const row = rows[0]!
    return (await insertOneClosure(trx, engine, ...CLOSURE_COLUMNS.map((c) => row[c]))).rows.map((r) => r.id)
  }
  const out = await trx
    .insertInto('session_closures')
    .values(rows as Omit<ClosureRow, 'id'>[])
    .returning('id')
    .execute()
  return out.map((r) => r.id)
}

export interface EventRow {
  session_id: number
  event: string
  from_status: string | null
  to_status: SessionStatus
  actor_type: string
  actor_id: string | null
  created_at: string
}

const EVENT_COLUMNS = ['session_id', 'event', 'from_status', 'to_status', 'actor_type', 'actor_id', 'created_at'] as const satisfies readonly (keyof EventRow)[]

const insertOneEvent = queryTemplate((db, _engine, ...values) =>
  db.insertInto('session_events').values(Object.fromEntries(EVENT_COLUMNS.map((c, i) => [c, values[i]])) as never),
)

export async function insertEvents(trx: Kysely<Schema>, engine: Engine, rows: readonly EventRow[]): Promise<void> {
  if (rows.length === 1) {
    const row = rows[0]!
    await insertOneEvent(trx, engine, ...EVENT_COLUMNS.map((c) => row[c]))
  } else if (rows.length > 0)
    await trx
      .insertInto('session_events')
      .values(rows as EventRow[])
      .execute()
}

export async function dueForExpiry(trx: Kysely<Schema>, engine: Engine, now: string, limit: number) {
  const q = trx
    .selectFrom('sessions')
    .select(['id', 'mitra_id', 'status'])
    .where('status', 'in', ['active', 'extending'])
    .where('ends_at', '<=', now)
    .orderBy('ends_at')
    .limit(limit)
  return engine.lockSkipLocked(q).execute()
}

export async function dueForFinalize(trx: Kysely<Schema>, engine: Engine, now: string, limit: number) {
  const q = trx.selectFrom('sessions').select(['id']).where('status', '=', 'closing').where('grace_ends_at', '<=', now).orderBy('grace_ends_at').limit(limit)
  return engine.lockSkipLocked(q).execute()
}

export async function markClosed(trx: Kysely<Schema>, ids: readonly number[], at: string): Promise<number> {
  if (ids.length === 0) return 0
  const r = await trx.updateTable('sessions').set({ status: 'closed', closed_at: at }).where('id', 'in', ids).where('status', '=', 'closing').executeTakeFirst()
  await trx.updateTable('session_closures').set({ finalized_at: at }).where('session_id', 'in', ids).execute()
  return Number(r.numUpdatedRows)
}

export function goodbyeSides(trx: Kysely<Schema>, sessionId: number) {
  return trx.selectFrom('session_goodbyes').select('side').where('session_id', '=', sessionId).execute()
}
