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
