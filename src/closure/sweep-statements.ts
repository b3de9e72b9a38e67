/**
 * The sweep's statements: one batch of sessions moved on, with every row it writes. No rules here:
 * the grace end, the business day and the instant come in as values (src/closure/sweep.ts computes
 * them from the flags with src/core).
 *
 * PostgreSQL writes a batch in one statement (its CTEs lock, move, and write the closures and events
 * from the rows moved), compiled once per engine; SQLite runs a few set-wise statements straight on its
 * driver (`Engine.direct`), synchronously, under the writer lock its transaction already holds.
 */
import type { Kysely } from 'kysely'
import { osIdentity } from '../access/identity.js'
import { ENDABLE_STATUSES, type SessionStatus } from '../core/vocabulary.js'
import type { DirectStatements, Engine } from '../store/engine.js'
import { queryBuilder } from '../store/query-builder.js'
import { queryTemplate, type Slot } from '../store/query-template.js'
import type { Schema } from '../store/schema.js'
import { CLOSURE_COLUMNS } from './closure-repository.js'

/** One expire batch: which sessions, and what their closures say. */
export interface ExpireBatch {
  /** The sweep's instant (ISO-8601): sessions whose `ends_at` is at or before it are due. */
  readonly at: string
  /** Their grace window's end. */
  readonly graceEndsAt: string
  /** The business day their closures count on. */
  readonly businessDay: string
  readonly limit: number
  /** Only these sessions (`simulate`'s), when given. */
  readonly only: readonly number[] | undefined
}

/** One finalize batch: closing sessions whose grace window ended at or before `at`. */
export interface FinalizeBatch {
  readonly at: string
  readonly limit: number
  readonly only: readonly number[] | undefined
}

/**
 * `"status" in ('active', …)` as text, the statuses literals: a partial index serves a query only when
 * its condition is spelled in it (see `statusIn` in closure-repository.ts, the query builder's form).
 */
function statusInText(statuses: readonly SessionStatus[]): string {
  if (statuses.length === 1) return `"status" = '${statuses[0]!}'`
  return `"status" in (${statuses.map((s) => `'${s}'`).join(', ')})`
}
const ENDABLE = statusInText(ENDABLE_STATUSES)
const CLOSING = statusInText(['closing'])

const EVENT_COLUMNS = 'session_id, event, from_status, to_status, actor_type, actor_id, created_at'

/**
 * PostgreSQL: one expire batch in one statement. `due` locks the batch (SKIP LOCKED: parallel sweepers
 * split the work; READ COMMITTED checks each row's status again once it holds its lock, so a session
 * another transaction ended meanwhile is not in it), `moved` moves it, and the closures and events are
 * written from the rows moved. The ids come back in the order moved.
 *
 * `moved` joins `due` by id alone. Its status, already held by the lock, would let the planner walk
 * the status's partial index for every row of the batch instead, which it does when its statistics
 * say that index is nearly empty (as they do right after a burst of sessions came due): 6.5 s a batch
 * of 500 at 25,000 due, against 20 ms.
 */
function expireStatement(withOnly: boolean) {
  return queryTemplate(
    (
      _db,
      engine,
      at: Slot<string>,
      graceEndsAt: Slot<string>,
      businessDay: Slot<string>,
      limit: Slot<number>,
      only: Slot<readonly number[] | null>,
      authenticatedAs: Slot<string | null>,
    ) => {
      const { sql } = queryBuilder()
      const t = (name: string) => sql.raw(engine.table(name))
      // `only` is a value of both texts (a template takes every slot); the plain one ignores it
      const onlyIds = withOnly ? sql`and id = any(${only}::bigint[])` : sql`and ${only}::bigint[] is null`
      return sql<{ id: number | string }>`
        with due as (
          select id, status, ends_at from ${t('sessions')}
          where ${sql.raw(ENDABLE)} and "ends_at" <= ${at}::timestamptz ${onlyIds}
          order by ends_at limit ${limit}::int for update skip locked
        ),
        moved as (
          update ${t('sessions')} s set status = 'closing', grace_ends_at = ${graceEndsAt}::timestamptz from due
          where s.id = due.id
          returning s.id, s.mitra_id, due.status as from_status, due.ends_at
        ),
        closures as (
          insert into ${t('session_closures')} (${sql.join(CLOSURE_COLUMNS.map((c) => sql.ref(c)))})
          select id, mitra_id, 'expired', 'system', null, null, null, ${businessDay}::varchar, false, null, null,
            ${at}::timestamptz, ${graceEndsAt}::timestamptz, null, ${authenticatedAs}::varchar
          from moved
        ),
        events as (
          insert into ${t('session_events')} (${sql.raw(EVENT_COLUMNS)})
          select id, 'expired', from_status, 'closing', 'system', null, ${at}::timestamptz from moved
        )
        select id from moved order by ends_at, id
      `
    },
  )
}

/** PostgreSQL: one finalize batch in one statement (see `expireStatement`). */
function finalizeStatement(withOnly: boolean) {
  return queryTemplate((_db, engine, at: Slot<string>, limit: Slot<number>, only: Slot<readonly number[] | null>) => {
    const { sql } = queryBuilder()
    const t = (name: string) => sql.raw(engine.table(name))
    const onlyIds = withOnly ? sql`and id = any(${only}::bigint[])` : sql`and ${only}::bigint[] is null`
    return sql<{ id: number | string }>`
      with due as (
        select id, grace_ends_at from ${t('sessions')}
        where ${sql.raw(CLOSING)} and "grace_ends_at" <= ${at}::timestamptz ${onlyIds}
        order by grace_ends_at limit ${limit}::int for update skip locked
      ),
      moved as (
        update ${t('sessions')} s set status = 'closed', closed_at = ${at}::timestamptz from due
        where s.id = due.id
        returning s.id, due.grace_ends_at
      ),
      finalized as (
        update ${t('session_closures')} c set finalized_at = ${at}::timestamptz from moved where c.session_id = moved.id
      ),
      events as (
        insert into ${t('session_events')} (${sql.raw(EVENT_COLUMNS)})
        select id, 'finalized', 'closing', 'closed', 'system', null, ${at}::timestamptz from moved
      )
      select id from moved order by grace_ends_at, id
    `
  })
}

const expireAll = expireStatement(false)
const expireOnly = expireStatement(true)
const finalizeAll = finalizeStatement(false)
const finalizeOnly = finalizeStatement(true)

/** Ids as numbers (pg returns a bigint as text). */
const ids = (rows: readonly { id: number | string }[]): number[] => rows.map((r) => Number(r.id))

/**
 * SQLite: the ids of one batch: sessions under `condition` (a partial index's, as it spells it) whose
 * `column` (that index's) is at or before the batch's instant, oldest first; of `only`, when given.
 */
function dueIds(direct: DirectStatements, sessions: string, condition: string, column: string, b: FinalizeBatch): number[] {
  const only = b.only === undefined ? '' : 'and "id" in (select value from json_each(?))'
  return direct
    .all<{ id: number }>(
      `select "id" from ${sessions} where ${condition} and ${column} <= ? ${only} order by ${column} limit ?`,
      ...(b.only === undefined ? [b.at, b.limit] : [b.at, JSON.stringify(b.only), b.limit]),
    )
    .map((d) => d.id)
}

/** Moves one batch of sessions past their scheduled end into closing (kind `expired`, by `system`); their ids, in the order moved. */
export async function expireBatch(trx: Kysely<Schema>, engine: Engine, b: ExpireBatch): Promise<number[]> {
  if (engine.direct === null) {
    const run = b.only === undefined ? expireAll : expireOnly
    // PostgreSQL's trigger puts session_user in authenticated_as (migration 0008)
    return ids((await run(trx, engine, b.at, b.graceEndsAt, b.businessDay, b.limit, b.only ?? null, null)).rows)
  }
  const direct = engine.direct
  const t = engine.table.bind(engine)
  const due = dueIds(direct, t('sessions'), ENDABLE, '"ends_at"', b)
  if (due.length === 0) return []
  const batch = JSON.stringify(due)
  const inBatch = `"id" in (select value from json_each(?))`
  // the closures and events first, from the sessions as they stand (their status is the event's from_status)
  direct.run(
    `insert into ${t('session_closures')} (${CLOSURE_COLUMNS.join(', ')})
     select "id", "mitra_id", 'expired', 'system', null, null, null, ?, 0, null, null, ?, ?, null, ? from ${t('sessions')} where ${inBatch}`,
    b.businessDay,
    b.at,
    b.graceEndsAt,
    osIdentity(),
    batch,
  )
  direct.run(
    `insert into ${t('session_events')} (${EVENT_COLUMNS})
     select "id", 'expired', "status", 'closing', 'system', null, ? from ${t('sessions')} where ${inBatch}`,
    b.at,
    batch,
  )
  direct.run(`update ${t('sessions')} set "status" = 'closing', "grace_ends_at" = ? where ${inBatch}`, b.graceEndsAt, batch)
  return due
}

/** Moves one batch of closing sessions past their grace window to closed; their ids, in the order moved. */
export async function finalizeBatch(trx: Kysely<Schema>, engine: Engine, b: FinalizeBatch): Promise<number[]> {
  if (engine.direct === null) {
    const run = b.only === undefined ? finalizeAll : finalizeOnly
    return ids((await run(trx, engine, b.at, b.limit, b.only ?? null)).rows)
  }
  const direct = engine.direct
  const t = engine.table.bind(engine)
  const due = dueIds(direct, t('sessions'), CLOSING, '"grace_ends_at"', b)
  if (due.length === 0) return []
  const batch = JSON.stringify(due)
  direct.run(`update ${t('sessions')} set "status" = 'closed', "closed_at" = ? where "id" in (select value from json_each(?))`, b.at, batch)
  direct.run(`update ${t('session_closures')} set "finalized_at" = ? where "session_id" in (select value from json_each(?))`, b.at, batch)
  direct.run(
    `insert into ${t('session_events')} (${EVENT_COLUMNS}) select value, 'finalized', 'closing', 'closed', 'system', null, ? from json_each(?)`,
    b.at,
    batch,
  )
  return due
}

/** The stored flags, for the sweep's batch: straight on SQLite's driver, else through the query builder's one compiled statement. */
export function directFlagRows(engine: Engine): readonly { key: string; value: string }[] | null {
  return engine.direct === null ? null : engine.direct.all<{ key: string; value: string }>(`select key, value from ${engine.table('app_config')}`)
}
