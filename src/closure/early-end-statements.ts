/**
 * The statements of an early end: what it reads under its locks (the session, a prior closure of its
 * idempotency key, the flags, the mitra's counter and cohort) and what it writes (the counter, the
 * review it opens, the session's move, its closure and event). On PostgreSQL each is one compiled
 * statement, a round trip each; on SQLite they run synchronously on the driver (`Engine.direct`).
 * No rules here: every decision is `core/early-end-rules.ts`'s.
 */
import type { Kysely } from 'kysely'
import { rowsToFlags } from '../config/config-repository.js'
import type { Flags } from '../config/flag-registry.js'
import { COHORT_MODES, type CohortMode } from '../core/rollout.js'
import { DAILY_CAP_TRIGGER, ENDABLE_STATUSES } from '../core/vocabulary.js'
import type { DirectStatements, Engine, StatementRunner } from '../store/engine.js'
import { queryBuilder } from '../store/query-builder.js'
import { directSql, queryTemplate, type Slot } from '../store/query-template.js'
import type { Schema } from '../store/schema.js'
import { CLOSURE_COLUMNS, EVENT_COLUMNS, inOrder, type ClosureRow, type EventRow, type NewClosure, type SessionRow } from './closure-repository.js'

/** A closure found by its idempotency key, and whether it is the one that opened its review. */
export type PriorClosure = ClosureRow & { readonly opened_review: boolean }

/** The mitra's counter for a day, locked, with the day's review. */
export interface ClaimedCap {
  readonly day: string
  readonly countToday: number
  readonly reviewId: number | null
}

export interface EarlyEndFacts {
  /** The session, locked; undefined when there is none. */
  readonly session: EarlyEndSession | undefined
  /** The closure the idempotency key already names, if any. */
  readonly prior: PriorClosure | undefined
  /** Every flag, stored values over the defaults (frozen: shared until they change). */
  readonly flags: Flags
  /** The counter claimed for the day asked (`claimDay`), when the engine reads it in the same statement; else null. */
  readonly cap: ClaimedCap | null
  /** The cohort membership of the mitra asked about (`cohortOf`): read with the flags, under the same lock. */
  readonly cohort: CohortMode | null
}

const selectPrior = queryTemplate((db, _engine, key: Slot<string>) =>
  db
    .selectFrom('session_closures as c')
    .selectAll('c')
    .select((eb) =>
      eb
        .and([
          eb('c.review_id', 'is not', null),
          eb(
            'c.id',
            '=',
            eb
              .selectFrom('session_closures as r')
              .select((e) => e.fn.min('r.id').as('first'))
              .whereRef('r.review_id', '=', 'c.review_id'),
          ),
        ])
        .as('opened_review'),
    )
    .where('c.idempotency_key', '=', key),
)

/**
 * Creates the mitra's counter row for the day, or locks the existing one (an upsert whose update
 * changes nothing takes the row lock, as FOR UPDATE would, and waits for a concurrent creator), and
 * returns the count with the day's review.
 */
const claimCounter = queryTemplate((db, _engine, mitraId: Slot<string>, day: Slot<string>) =>
  db
    .insertInto('mitra_daily_counts')
    .values({ mitra_id: mitraId, business_day: day, early_end_count: 0 })
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

/** The session's columns an early end decides on and writes from. */
export const EARLY_END_SESSION_COLUMNS = ['id', 'customer_id', 'mitra_id', 'status', 'grace_ends_at'] as const satisfies readonly (keyof SessionRow)[]
export type EarlyEndSession = Pick<SessionRow, (typeof EARLY_END_SESSION_COLUMNS)[number]>

/**
 * PostgreSQL, one round trip: the session locked, the id of the closure an idempotency key names,
 * every flag (as one JSON text), and (with `claimDay`) the session's mitra's counter for that day
 * created-or-locked with the day's review. The counter is claimed from the locked session row, so the
 * session lock always comes first and two early ends of one session never lock in opposite orders.
 * Only the facts a decision needs come back, a dozen columns; a prior closure is read whole only when
 * there is one (a replay). Every decision is `core/early-end-rules.ts`'s.
 */
const earlyEndFactsStatement = queryTemplate(
  (_db, engine, id: Slot<number>, key: Slot<string | null>, claimDay: Slot<string | null>, cohortOf: Slot<string | null>) => {
    const { sql } = queryBuilder()
    const t = (name: string) => sql.raw(engine.table(name))
    return sql<FactsRow>`
    with s as (
      select ${sql.join(EARLY_END_SESSION_COLUMNS.map((c) => sql.ref(c)))} from ${t('sessions')} where id = ${id} for update
    ),
    claimed as (
      insert into ${t('mitra_daily_counts')} as m (mitra_id, business_day, early_end_count)
      select s.mitra_id, ${claimDay}::varchar, 0 from s where ${claimDay}::varchar is not null
      on conflict (mitra_id, business_day) do update set early_end_count = m.early_end_count
      returning m.business_day, m.early_end_count,
        (select r.id from ${t('cc_reviews')} r where r.mitra_id = m.mitra_id and r.business_day = m.business_day and r.trigger = ${DAILY_CAP_TRIGGER}) as review_id
    )
    select
      ${sql.join(EARLY_END_SESSION_COLUMNS.map((c) => sql`s.${sql.ref(c)}`))},
      (select c.id from ${t('session_closures')} c where c.idempotency_key = ${key}::varchar) as prior_id,
      cl.business_day as cap_day, cl.early_end_count as cap_count, cl.review_id as cap_review_id,
      (select coalesce(json_agg(json_build_array(a.key, a.value)), '[]') from ${t('app_config')} a)::text as flags,
      (select r.mode from ${t('rollout_cohort')} r where r.mitra_id = ${cohortOf}::varchar) as cohort
    from (select 1) one left join s on true left join claimed cl on true
  `
  },
)

/** What both engines' facts statements return: the session's columns (null without one), the flags as one JSON text, the cohort. */
type DirectFactsRow = { [C in (typeof EARLY_END_SESSION_COLUMNS)[number]]: SessionRow[C] | null } & { flags: string; cohort: string | null }
/** PostgreSQL's also returns the prior closure's id and the counter it claimed. */
type FactsRow = DirectFactsRow & { prior_id: number | null; cap_day: string | null; cap_count: number | null; cap_review_id: number | null }

function sessionOf(row: DirectFactsRow): EarlyEndSession | undefined {
  if (row.id === null) return undefined
  return { id: row.id, customer_id: row.customer_id!, mitra_id: row.mitra_id!, status: row.status!, grace_ends_at: row.grace_ends_at }
}

/** The flags as the last early end read them (one JSON text of every stored row), decoded once until they change. */
let lastFlags: { text: string; flags: Flags } | undefined

/** The flags a JSON text of `[key, value]` rows holds, over the defaults; frozen, as every early end until they change shares them. */
function flagsOf(text: string): Flags {
  if (lastFlags?.text !== text) {
    const rows = (JSON.parse(text) as [string, string][]).map(([key, value]) => ({ key, value }))
    const flags = rowsToFlags(rows)
    for (const value of Object.values(flags)) if (Array.isArray(value)) Object.freeze(value)
    lastFlags = { text, flags: Object.freeze(flags) }
  }
  return lastFlags.flags
}

/**
 * What an early end decides on, read after the transaction's locks: the session (locked), the closure
 * its idempotency key already names, the flags, and where the engine can read it in the same round
 * trip, the session's mitra's counter for `claimDay`. Otherwise `cap` is null and the caller claims
 * the counter with `claimCap` once it knows the day. With `cohortOf` (a mitra's id), that mitra's cohort
 * membership too, read with the flags.
 */
export async function loadEarlyEndFacts(
  tx: StatementRunner,
  engine: Engine,
  sessionId: number,
  idempotencyKey: string | null,
  claimDay: string | null,
  cohortOf: string | null = null,
): Promise<EarlyEndFacts> {
  if (engine.dataModifyingCtes) {
    const row = (await earlyEndFactsStatement(tx, engine, sessionId, idempotencyKey, claimDay, cohortOf)).rows[0]!
    return {
      session: sessionOf(row),
      prior: row.prior_id === null || idempotencyKey === null ? undefined : await findPrior(tx, engine, idempotencyKey),
      flags: flagsOf(row.flags),
      cap: row.cap_day === null ? null : { day: row.cap_day, countToday: Number(row.cap_count), reviewId: row.cap_review_id ?? null },
      cohort: cohortMode(row.cohort),
    }
  }
  const row = directOf(engine).get<DirectFactsRow>(directFactsText(engine), cohortOf, sessionId)!
  const prior = idempotencyKey === null ? undefined : await findPrior(tx, engine, idempotencyKey)
  return { session: sessionOf(row), prior, flags: flagsOf(row.flags), cap: null, cohort: cohortMode(row.cohort) }
}

/**
 * SQLite, one statement (the writer lock is the lock): the session, every flag as one JSON text, and
 * the cohort membership of the mitra asked about (the first value; null: none asked), for the session
 * of the second.
 */
const directFactsText = directSql(
  (t) => `select ${EARLY_END_SESSION_COLUMNS.map((c) => `s.${c}`).join(', ')},
    (select json_group_array(json_array(key, value)) from ${t('app_config')}) as flags,
    (select mode from ${t('rollout_cohort')} where mitra_id = ?) as cohort
  from (select 1) one left join ${t('sessions')} s on s.id = ?`,
)

/** A stored cohort mode; anything else (none, or a value written by hand) is no membership. */
export function cohortMode(stored: unknown): CohortMode | null {
  return (COHORT_MODES as readonly unknown[]).includes(stored) ? (stored as CohortMode) : null
}

/** A mitra's cohort membership, outside an early end (what `clientConfig` reads). */
export async function cohortOf(db: Kysely<Schema>, mitraId: string): Promise<CohortMode | null> {
  return cohortMode((await db.selectFrom('rollout_cohort').select('mode').where('mitra_id', '=', mitraId).executeTakeFirst())?.mode)
}

/**
 * SQLite runs the early end's statements straight on its driver, synchronously (`Engine.direct`):
 * one writer holds the file for the whole transaction, so there is nothing to lock row by row, and
 * the query builder's per-statement work would cost as much as SQLite's own.
 */
function directOf(engine: Engine): DirectStatements {
  if (engine.direct === null) throw new Error('an engine without data-modifying CTEs must run statements directly')
  return engine.direct
}

/** The closure an idempotency key names, read anew (a statement of its own, so it sees what committed since). */
export async function findPrior(trx: StatementRunner, engine: Engine, key: string): Promise<PriorClosure | undefined> {
  const row = (await selectPrior(trx, engine, key)).rows[0]
  return row === undefined ? undefined : { ...row, opened_review: Boolean(row.opened_review) }
}

/** Creates-or-locks the mitra's counter for `day` and reads it with the day's review (see `claimCounter`). */
/** SQLite: a mitra's counter for a day and the day's review (values: mitra, day, mitra, day). */
const directCapText = directSql(
  (t) => `select (select early_end_count from ${t('mitra_daily_counts')} where mitra_id = ? and business_day = ?) as early_end_count,
    (select id from ${t('cc_reviews')} where mitra_id = ? and business_day = ? and "trigger" = '${DAILY_CAP_TRIGGER}') as review_id`,
)

export async function claimCap(trx: StatementRunner, engine: Engine, mitraId: string, day: string): Promise<ClaimedCap> {
  if (engine.direct !== null) {
    // the one writer holds the file: read the counter (the write creates it) and the day's review
    const row = engine.direct.get<{ early_end_count: number | null; review_id: number | null }>(directCapText(engine), mitraId, day, mitraId, day)!
    return { day, countToday: row.early_end_count ?? 0, reviewId: row.review_id }
  }
  const claimed = (await claimCounter(trx, engine, mitraId, day)).rows[0]!
  return { day, countToday: claimed.early_end_count, reviewId: claimed.review_id ?? null }
}

/** What an early end writes: the counter, the review it opens, the session's move, its closure and event. */
export interface EarlyEndWrite {
  readonly session: EarlyEndSession
  readonly counter: { readonly day: string; readonly countAfter: number } | null
  /** Open the day's review for the session's mitra (the early end that reaches the cap). */
  readonly openReview: boolean
  /** The closure, its `review_id` the existing review (or null when `openReview` opens one). */
  readonly closure: NewClosure
  readonly event: EventRow
}

/**
 * PostgreSQL, one round trip: every write of an early end in one statement. Each part is switched on
 * or off by a value, so the statement's text never changes and it is prepared once per connection.
 */
const earlyEndWriteStatement = queryTemplate(
  (
    db,
    engine,
    sessionId: Slot<number>,
    mitraId: Slot<string>,
    day: Slot<string>,
    openReview: Slot<boolean>,
    setCount: Slot<boolean>,
    countAfter: Slot<number>,
    graceEndsAt: Slot<string>,
    initiatedBy: Slot<string>,
    actorId: Slot<string | null>,
    reason: Slot<string | null>,
    note: Slot<string | null>,
    overCap: Slot<boolean>,
    reviewId: Slot<number | null>,
    key: Slot<string | null>,
    at: Slot<string>,
    fromStatus: Slot<string>,
  ) => {
    const { sql } = queryBuilder()
    const t = (name: string) => sql.raw(engine.table(name))
    return sql<{ closure_id: number | null; review_id: number | null; authenticated_as: string | null }>`
      with review as (
        insert into ${t('cc_reviews')} (mitra_id, business_day, trigger, status, opened_at)
        select ${mitraId}::varchar, ${day}::varchar, ${DAILY_CAP_TRIGGER}, 'open', ${at}::timestamptz where ${openReview}::boolean
        returning id
      ),
      counted as (
        update ${t('mitra_daily_counts')} set early_end_count = ${countAfter}::int
        where ${setCount}::boolean and mitra_id = ${mitraId}::varchar and business_day = ${day}::varchar
      ),
      moved as (
        update ${t('sessions')} set status = 'closing', grace_ends_at = ${graceEndsAt}::timestamptz
        where id = ${sessionId}::bigint and status in (${sql.join(ENDABLE_STATUSES.map((s) => sql.lit(s)))})
        returning id
      ),
      closure as (
        insert into ${t('session_closures')} (${sql.join(CLOSURE_COLUMNS.map((c) => sql.ref(c)))})
        select moved.id, ${mitraId}::varchar, 'early_end', ${initiatedBy}::varchar, ${actorId}::varchar, ${reason}::varchar, ${note}::varchar,
          ${day}::varchar, ${overCap}::boolean, coalesce((select id from review), ${reviewId}::bigint), ${key}::varchar, ${at}::timestamptz,
          ${graceEndsAt}::timestamptz, null, null
        from moved
        returning id, authenticated_as
      ),
      event as (
        insert into ${t('session_events')} (session_id, event, from_status, to_status, actor_type, actor_id, created_at)
        select moved.id, 'early_end', ${fromStatus}::varchar, 'closing', ${initiatedBy}::varchar, ${actorId}::varchar, ${at}::timestamptz from moved
      )
      select (select id from closure) as closure_id, (select id from review) as review_id, (select authenticated_as from closure) as authenticated_as
    `
  },
)

/** SQLite: an early end's writes, one statement each, on the driver (the writer lock is held). */
const DIRECT_WRITE = {
  review: directSql(
    (t) => `insert into ${t('cc_reviews')} (mitra_id, business_day, "trigger", status, opened_at) values (?, ?, '${DAILY_CAP_TRIGGER}', 'open', ?)`,
  ),
  counter: directSql(
    (t) => `insert into ${t('mitra_daily_counts')} (mitra_id, business_day, early_end_count) values (?, ?, ?)
       on conflict (mitra_id, business_day) do update set early_end_count = excluded.early_end_count`,
  ),
  move: directSql(
    (t) => `update ${t('sessions')} set status = 'closing', grace_ends_at = ? where id = ? and status in (${ENDABLE_STATUSES.map((s) => `'${s}'`).join(', ')})`,
  ),
  closure: directSql((t) => `insert into ${t('session_closures')} (${CLOSURE_COLUMNS.join(', ')}) values (${CLOSURE_COLUMNS.map(() => '?').join(', ')})`),
  event: directSql((t) => `insert into ${t('session_events')} (${EVENT_COLUMNS.join(', ')}) values (${EVENT_COLUMNS.map(() => '?').join(', ')})`),
}

/**
 * Writes an early end; returns the closure's id and its review's (opened or attached), or null when
 * the session was no longer active or extending (nothing was written then, or the caller rolls back).
 */
export async function writeEarlyEnd(
  trx: StatementRunner,
  engine: Engine,
  w: EarlyEndWrite,
): Promise<{ closureId: number; reviewId: number | null; authenticatedAs: string | null } | null> {
  const c = w.closure
  if (engine.dataModifyingCtes) {
    const row = (
      await earlyEndWriteStatement(
        trx,
        engine,
        w.session.id,
        c.mitra_id,
        c.business_day,
        w.openReview,
        w.counter !== null,
        w.counter?.countAfter ?? 0,
        c.grace_ends_at,
        c.initiated_by,
        c.actor_id,
        c.reason,
        c.reason_note,
        Boolean(c.over_cap),
        c.review_id,
        c.idempotency_key,
        c.created_at,
        w.event.from_status ?? w.session.status,
      )
    ).rows[0]
    if (row?.closure_id == null) return null
    return { closureId: row.closure_id, reviewId: row.review_id ?? c.review_id, authenticatedAs: row.authenticated_as }
  }
  const direct = directOf(engine)
  const reviewId = w.openReview ? direct.run(DIRECT_WRITE.review(engine), c.mitra_id, c.business_day, c.created_at).lastInsertRowid : c.review_id
  if (w.counter !== null) direct.run(DIRECT_WRITE.counter(engine), c.mitra_id, w.counter.day, w.counter.countAfter)
  const moved = direct.run(DIRECT_WRITE.move(engine), c.grace_ends_at, w.session.id)
  if (moved.changes !== 1) return null
  const closure = { ...c, review_id: reviewId }
  const closureId = direct.run(DIRECT_WRITE.closure(engine), ...inOrder(CLOSURE_COLUMNS, closure)).lastInsertRowid
  direct.run(DIRECT_WRITE.event(engine), ...inOrder(EVENT_COLUMNS, w.event))
  return { closureId, reviewId, authenticatedAs: c.authenticated_as }
}
