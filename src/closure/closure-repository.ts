/** The queries of the closure service: no rules here, only reads and writes. */
import type { Insertable, Kysely, Selectable } from 'kysely'
import { COHORT_MODES, type CohortMode } from '../core/rollout.js'
import { osIdentity } from '../access/identity.js'
import { DAILY_CAP_TRIGGER, ENDABLE_STATUSES, LIVE_STATUSES, type SessionStatus } from '../core/vocabulary.js'
import type { HaloDatabase } from '../store/database.js'
import type { DirectStatements, Engine } from '../store/engine.js'
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

const SESSION_COLUMNS = [
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

// ---------------------------------------------------------------------------------------------
// The early end: what it reads under its locks, and what it writes.

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
  readonly session: SessionRow | undefined
  /** The closure the idempotency key already names, if any. */
  readonly prior: PriorClosure | undefined
  readonly flagRows: readonly { key: string; value: string }[]
  /** The counter claimed for the day asked (`claimDay`), when the engine reads it in the same statement; else null. */
  readonly cap: ClaimedCap | null
  /** The cohort membership of the mitra asked about (`cohortOf`): read with the flags, under the same lock. */
  readonly cohort: CohortMode | null
}

const sessionById = (db: Kysely<Schema>, id: Slot<number>) => db.selectFrom('sessions').select(SESSION_COLUMNS).where('id', '=', id)
const selectSessionLocked = queryTemplate((db, engine, id: Slot<number>) => engine.lockForUpdate(sessionById(db, id)))

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

/**
 * PostgreSQL, one round trip: the session locked, the closure an idempotency key names, every flag,
 * and (with `claimDay`) the session's mitra's counter for that day created-or-locked with the day's
 * review. The counter is claimed from the locked session row, so the session lock always comes
 * first and two early ends of one session never lock in opposite orders. Only facts come back; every
 * decision is `core/early-end-rules.ts`'s.
 */
const earlyEndFactsStatement = queryTemplate(
  (db, engine, id: Slot<number>, key: Slot<string | null>, claimDay: Slot<string | null>, cohortOf: Slot<string | null>) => {
    const { sql } = queryBuilder()
    const t = (name: string) => sql.raw(engine.table(name))
    return sql<Record<string, unknown>>`
    with s as (
      select ${sql.join(SESSION_COLUMNS.map((c) => sql.ref(c)))} from ${t('sessions')} where id = ${id} for update
    ),
    claimed as (
      insert into ${t('mitra_daily_counts')} as m (mitra_id, business_day, early_end_count)
      select s.mitra_id, ${claimDay}::varchar, 0 from s where ${claimDay}::varchar is not null
      on conflict (mitra_id, business_day) do update set early_end_count = m.early_end_count
      returning m.business_day, m.early_end_count,
        (select r.id from ${t('cc_reviews')} r where r.mitra_id = m.mitra_id and r.business_day = m.business_day and r.trigger = ${DAILY_CAP_TRIGGER}) as review_id
    ),
    prior as (
      select c.*, (c.review_id is not null and c.id = (select min(f.id) from ${t('session_closures')} f where f.review_id = c.review_id)) as opened_review
      from ${t('session_closures')} c where c.idempotency_key = ${key}::varchar
    )
    select
      ${sql.join(SESSION_COLUMNS.map((c) => sql`s.${sql.ref(c)} as ${sql.ref(`s_${c}`)}`))},
      ${sql.join(['id', ...CLOSURE_COLUMNS, 'opened_review'].map((c) => sql`p.${sql.ref(c)} as ${sql.ref(`p_${c}`)}`))},
      cl.business_day as cap_day, cl.early_end_count as cap_count, cl.review_id as cap_review_id,
      (select coalesce(json_agg(json_build_array(a.key, a.value)), '[]') from ${t('app_config')} a) as flags,
      (select r.mode from ${t('rollout_cohort')} r where r.mitra_id = ${cohortOf}::varchar) as cohort
    from (select 1) one left join s on true left join prior p on true left join claimed cl on true
  `
  },
)

function pick<T>(row: Record<string, unknown>, prefix: string, columns: readonly string[]): T | undefined {
  if (row[`${prefix}id`] === null || row[`${prefix}id`] === undefined) return undefined
  return Object.fromEntries(columns.map((c) => [c, row[`${prefix}${c}`]])) as T
}

/**
 * What an early end decides on, read after the transaction's locks: the session (locked), the closure
 * its idempotency key already names, the flags, and where the engine can read it in the same round
 * trip, the session's mitra's counter for `claimDay`. Otherwise `cap` is null and the caller claims
 * the counter with `claimCap` once it knows the day. With `cohortOf` (a mitra's id), that mitra's cohort
 * membership too, read with the flags.
 */
export async function loadEarlyEndFacts(
  trx: Kysely<Schema>,
  engine: Engine,
  sessionId: number,
  idempotencyKey: string | null,
  claimDay: string | null,
  cohortOf: string | null = null,
): Promise<EarlyEndFacts> {
  if (engine.dataModifyingCtes) {
    const row = (await earlyEndFactsStatement(trx, engine, sessionId, idempotencyKey, claimDay, cohortOf)).rows[0]!
    const session = pick<SessionRow>(row, 's_', SESSION_COLUMNS)
    const prior = pick<PriorClosure>(row, 'p_', ['id', ...CLOSURE_COLUMNS, 'opened_review'])
    const flags = (typeof row.flags === 'string' ? JSON.parse(row.flags) : row.flags) as [string, string][]
    const cap =
      row.cap_day === null || row.cap_day === undefined
        ? null
        : { day: row.cap_day as string, countToday: Number(row.cap_count), reviewId: (row.cap_review_id as number | null) ?? null }
    return {
      session,
      prior: prior === undefined ? undefined : { ...prior, opened_review: Boolean(prior.opened_review) },
      flagRows: flags.map(([key, value]) => ({ key, value })),
      cap,
      cohort: cohortMode(row.cohort),
    }
  }
  const direct = directOf(engine)
  const t = engine.table.bind(engine)
  const session = direct.get<SessionRow>(`select ${SESSION_COLUMNS.join(', ')} from ${t('sessions')} where id = ?`, sessionId)
  const prior = idempotencyKey === null ? undefined : await findPrior(trx, engine, idempotencyKey)
  const flagRows = direct.all<{ key: string; value: string }>(`select key, value from ${t('app_config')}`)
  const cohort =
    cohortOf === null ? null : cohortMode(direct.get<{ mode: string }>(`select mode from ${t('rollout_cohort')} where mitra_id = ?`, cohortOf)?.mode)
  return { session, prior, flagRows, cap: null, cohort }
}

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
export async function findPrior(trx: Kysely<Schema>, engine: Engine, key: string): Promise<PriorClosure | undefined> {
  const row = (await selectPrior(trx, engine, key)).rows[0]
  return row === undefined ? undefined : { ...row, opened_review: Boolean(row.opened_review) }
}

/** Creates-or-locks the mitra's counter for `day` and reads it with the day's review (see `claimCounter`). */
export async function claimCap(trx: Kysely<Schema>, engine: Engine, mitraId: string, day: string): Promise<ClaimedCap> {
  if (engine.direct !== null) {
    // the one writer holds the file: read the counter (the write creates it) and the day's review
    const t = engine.table.bind(engine)
    const row = engine.direct.get<{ early_end_count: number | null; review_id: number | null }>(
      `select (select early_end_count from ${t('mitra_daily_counts')} where mitra_id = ? and business_day = ?) as early_end_count,
        (select id from ${t('cc_reviews')} where mitra_id = ? and business_day = ? and "trigger" = '${DAILY_CAP_TRIGGER}') as review_id`,
      mitraId,
      day,
      mitraId,
      day,
    )!
    return { day, countToday: row.early_end_count ?? 0, reviewId: row.review_id }
  }
  const claimed = (await claimCounter(trx, engine, mitraId, day)).rows[0]!
  return { day, countToday: claimed.early_end_count, reviewId: claimed.review_id ?? null }
}

/** What an early end writes: the counter, the review it opens, the session's move, its closure and event. */
export interface EarlyEndWrite {
  readonly session: SessionRow
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

/** A row of slots, one per column in order: what a one-row insert template writes. */
function slotRow<R>(columns: readonly (keyof R & string)[], slots: readonly Slot<unknown>[]): { [K in keyof R]: Slot<R[K]> } {
  return Object.fromEntries(columns.map((c, i) => [c, slots[i]])) as { [K in keyof R]: Slot<R[K]> }
}
/** The values of `row` in the order of `columns`, for a one-row insert template. */
function inOrder<R>(columns: readonly (keyof R & string)[], row: R): unknown[] {
  return columns.map((c) => row[c])
}

const EVENT_COLUMNS = ['session_id', 'event', 'from_status', 'to_status', 'actor_type', 'actor_id', 'created_at'] as const satisfies readonly (keyof EventRow)[]
const insertOneEvent = queryTemplate((db, _engine, ...values: Slot<unknown>[]) =>
  db.insertInto('session_events').values(slotRow<EventRow>(EVENT_COLUMNS, values)),
)

/**
 * Writes an early end; returns the closure's id and its review's (opened or attached), or null when
 * the session was no longer active or extending (nothing was written then, or the caller rolls back).
 */
export async function writeEarlyEnd(
  trx: Kysely<Schema>,
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
  const t = engine.table.bind(engine)
  const reviewId = w.openReview
    ? direct.run(
        `insert into ${t('cc_reviews')} (mitra_id, business_day, "trigger", status, opened_at) values (?, ?, '${DAILY_CAP_TRIGGER}', 'open', ?)`,
        c.mitra_id,
        c.business_day,
        c.created_at,
      ).lastInsertRowid
    : c.review_id
  if (w.counter !== null)
    direct.run(
      `insert into ${t('mitra_daily_counts')} (mitra_id, business_day, early_end_count) values (?, ?, ?)
       on conflict (mitra_id, business_day) do update set early_end_count = excluded.early_end_count`,
      c.mitra_id,
      w.counter.day,
      w.counter.countAfter,
    )
  const moved = direct.run(
    `update ${t('sessions')} set status = 'closing', grace_ends_at = ? where id = ? and status in (${ENDABLE_STATUSES.map((s) => `'${s}'`).join(', ')})`,
    c.grace_ends_at,
    w.session.id,
  )
  if (moved.changes !== 1) return null
  const closure = { ...c, review_id: reviewId }
  const closureId = direct.run(
    `insert into ${t('session_closures')} (${CLOSURE_COLUMNS.join(', ')}) values (${CLOSURE_COLUMNS.map(() => '?').join(', ')})`,
    ...inOrder(CLOSURE_COLUMNS, closure),
  ).lastInsertRowid
  direct.run(
    `insert into ${t('session_events')} (${EVENT_COLUMNS.join(', ')}) values (${EVENT_COLUMNS.map(() => '?').join(', ')})`,
    ...inOrder(EVENT_COLUMNS, w.event),
  )
  return { closureId, reviewId, authenticatedAs: c.authenticated_as }
}

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

/**
 * How many live sessions there are, and the newest `limit` of them, newest first: the first screenful
 * of a long list. Two reads of a few milliseconds at 25,000 live sessions: the count and the largest id
 * together (on SQLite the partial index on live sessions holds both; `max(id)` alone walks the table
 * from its last row), then the rows from that id down. Plain SQL through `handle.select`, so the CLI
 * draws the TUI's first frame with it before loading the query builder (src/tui/first-frame.ts).
 */
export async function headOfLiveSessions(handle: HaloDatabase, limit: number): Promise<{ total: number; rows: SessionRow[] }> {
  const sessions = handle.engine.table('sessions')
  const live = `status in (${LIVE_STATUSES.map((s) => `'${s}'`).join(', ')})`
  const [stats] = await handle.select<{ n: number | string; last: number | string | null }>(
    `select count(*) as n, max(id) as last from ${sessions} where ${live}`,
  )
  const total = Number(stats?.n ?? 0)
  if (total === 0 || stats?.last === null || stats?.last === undefined) return { total, rows: [] }
  const last = Number(stats.last)
  const count = Math.max(0, Math.floor(limit))
  if (!Number.isSafeInteger(last)) throw new Error(`unexpected session id ${String(stats.last)}`)
  // newest first, as every list for people: the live sessions are the newest, so the walk down from the last one is short
  const rows = await handle.select<SessionRow>(
    `select ${SESSION_COLUMNS.join(', ')} from ${sessions} where ${live} and id <= ${last} order by id desc limit ${count}`,
  )
  return { total, rows: rows.map((r) => ({ ...r, id: Number(r.id) })) }
}

/**
 * Every live session by id, in plain SQL like `headOfLiveSessions`. Ordered by `+id`: by `id`, SQLite walks the whole table in id order
 * to find the live ones (260 ms at 165,000 sessions, 25,000 live); `+id` lets the partial index on
 * live sessions lead and sorts what it finds (160 ms).
 */
export async function allLiveSessions(handle: HaloDatabase): Promise<SessionRow[]> {
  const live = `status in (${LIVE_STATUSES.map((s) => `'${s}'`).join(', ')})`
  const rows = await handle.select<SessionRow>(`select ${SESSION_COLUMNS.join(', ')} from ${handle.engine.table('sessions')} where ${live} order by +id`)
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
