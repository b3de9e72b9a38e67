/** The queries of the closure service: no rules here, only reads and writes. */
import { type Kysely, type Selectable } from 'kysely'
import type { Engine } from '../store/engine.js'
import type { Schema, SessionClosuresTable, SessionsTable } from '../store/schema.js'
import type { SessionStatus } from '../core/user-type.js'

export type SessionRow = Selectable<SessionsTable>
export type ClosureRow = Selectable<SessionClosuresTable>

export const DAILY_CAP_TRIGGER = 'daily_cap_reached'

export function findSession(trx: Kysely<Schema>, engine: Engine, id: number, lock: boolean): Promise<SessionRow | undefined> {
  const q = trx.selectFrom('sessions').selectAll().where('id', '=', id)
  return (lock ? engine.lockForUpdate(q) : q).executeTakeFirst()
}

export function findClosureByKey(trx: Kysely<Schema>, key: string): Promise<ClosureRow | undefined> {
  return trx.selectFrom('session_closures').selectAll().where('idempotency_key', '=', key).executeTakeFirst()
}

export function findClosureBySession(trx: Kysely<Schema>, sessionId: number): Promise<ClosureRow | undefined> {
  return trx.selectFrom('session_closures').selectAll().where('session_id', '=', sessionId).executeTakeFirst()
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
    await trx
      .insertInto('mitra_daily_counts')
      .values({ mitra_id: mitraId, business_day: day, early_end_count: 0 })
      .onConflict((oc) => oc.columns(['mitra_id', 'business_day']).doNothing())
      .execute()
  }
  const q = trx
    .selectFrom('mitra_daily_counts')
    .select('early_end_count')
    .where('mitra_id', '=', mitraId)
    .where('business_day', '=', day)
  const counter = await (lock ? engine.lockForUpdate(q) : q).executeTakeFirst()
  const review = await findReview(trx, mitraId, day)
  return { countToday: counter?.early_end_count ?? 0, reviewId: review?.id ?? null }
}

export function findReview(trx: Kysely<Schema>, mitraId: string, day: string) {
  return trx
    .selectFrom('cc_reviews')
    .select('id')
    .where('mitra_id', '=', mitraId)
    .where('business_day', '=', day)
    .where('trigger', '=', DAILY_CAP_TRIGGER)
    .executeTakeFirst()
}

export async function setCount(trx: Kysely<Schema>, mitraId: string, day: string, count: number): Promise<void> {
  await trx
    .updateTable('mitra_daily_counts')
    .set({ early_end_count: count })
    .where('mitra_id', '=', mitraId)
    .where('business_day', '=', day)
    .execute()
}

export async function insertReview(trx: Kysely<Schema>, mitraId: string, day: string, at: string): Promise<number> {
  const row = await trx
    .insertInto('cc_reviews')
    .values({ mitra_id: mitraId, business_day: day, trigger: DAILY_CAP_TRIGGER, status: 'open', opened_at: at })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

/** Moves a session into closing; false when it was no longer active or extending. */
export async function markClosing(trx: Kysely<Schema>, ids: readonly number[], graceEndsAt: string): Promise<number> {
  if (ids.length === 0) return 0
  const r = await trx
    .updateTable('sessions')
    .set({ status: 'closing', grace_ends_at: graceEndsAt })
    .where('id', 'in', ids)
    .where('status', 'in', ['active', 'extending'])
    .executeTakeFirst()
  return Number(r.numUpdatedRows)
}

export async function insertClosures(trx: Kysely<Schema>, rows: readonly Omit<ClosureRow, 'id'>[]): Promise<number[]> {
  if (rows.length === 0) return []
  const out = await trx.insertInto('session_closures').values(rows as Omit<ClosureRow, 'id'>[]).returning('id').execute()
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

export async function insertEvents(trx: Kysely<Schema>, rows: readonly EventRow[]): Promise<void> {
  if (rows.length > 0) await trx.insertInto('session_events').values(rows as EventRow[]).execute()
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
  const q = trx
    .selectFrom('sessions')
    .select(['id'])
    .where('status', '=', 'closing')
    .where('grace_ends_at', '<=', now)
    .orderBy('grace_ends_at')
    .limit(limit)
  return engine.lockSkipLocked(q).execute()
}

export async function markClosed(trx: Kysely<Schema>, ids: readonly number[], at: string): Promise<number> {
  if (ids.length === 0) return 0
  const r = await trx
    .updateTable('sessions')
    .set({ status: 'closed', closed_at: at })
    .where('id', 'in', ids)
    .where('status', '=', 'closing')
    .executeTakeFirst()
  await trx.updateTable('session_closures').set({ finalized_at: at }).where('session_id', 'in', ids).execute()
  return Number(r.numUpdatedRows)
}

export function goodbyeSides(trx: Kysely<Schema>, sessionId: number) {
  return trx.selectFrom('session_goodbyes').select('side').where('session_id', '=', sessionId).execute()
}

