/**
 * The data invariants of contract §2-§4 and §8, checked over the whole
 * database: what `halo-admin db check` runs. Reads only, one snapshot, one
 * set-based query per check (no per-row round trips), the same SQL on both
 * engines. On a million closures (2 cores): about 5 s on PostgreSQL, 9 s on
 * SQLite with the quick file check (`integrity: 'full'` adds about 10 s).
 */
import type { Kysely } from 'kysely'
import { HaloError } from '../errors.js'
import type { HaloDatabase } from '../store/database.js'
import type { Schema } from '../store/schema.js'
import { schemaState } from '../store/schema-state.js'
import { DAILY_CAP_TRIGGER } from '../core/vocabulary.js'
import { systemClock, type Clock } from '../core/clock.js'

/**
 * One invariant of `checkInvariants`, with what breaks it.
 *
 * ```ts
 * const broken: InvariantCheck[] = (await checkInvariants(handle)).checks.filter((c) => !c.ok)
 * ```
 */
export interface InvariantCheck {
  /** Stable identifier, e.g. `closure_per_closing_session`. */
  readonly name: string
  /** What holds when the check passes, in one sentence. */
  readonly description: string
  readonly ok: boolean
  /** How many rows (or groups, for the per-day checks) break it; 0 when ok or skipped. */
  readonly violations: number
  /** Up to five of them, smallest first, e.g. `session 42` or `m-1 2026-11-24: counter 3, closures 2`. */
  readonly examples: readonly string[]
  /** True when the check did not run on this database (the reason is in `note`); a skipped check is ok. */
  readonly skipped?: boolean
  readonly note?: string
}

export interface CheckOptions {
  /**
   * SQLite only: `quick` (the default) runs `PRAGMA quick_check`, every page and row of the file in
   * about a second per million closures; `full` runs `PRAGMA integrity_check`, which also compares every
   * index with its table and takes ten to fifteen times as long.
   */
  readonly integrity?: 'quick' | 'full'
  /** "Now", for the check that no row is stamped in the future (default the system clock). */
  readonly clock?: Clock
  /** How far ahead of now a stamp may lie (clocks of several writers disagree a little); default 5 minutes. */
  readonly clockSkewMs?: number
}

/**
 * Every invariant checked, and whether all hold (what `halo-admin db check --json` prints).
 *
 * ```ts
 * const { ok, checks }: InvariantReport = await checkInvariants(handle)
 * ```
 */
export interface InvariantReport {
  /** True when every check passed (or was skipped). */
  readonly ok: boolean
  readonly engine: HaloDatabase['engineName']
  readonly checks: readonly InvariantCheck[]
}

/** Examples kept per check. */
const EXAMPLES = 5

type Row = Record<string, unknown>

interface DataCheck {
  readonly name: string
  readonly description: string
  /** Selects one row per violation; ordered by its first column for the examples. */
  readonly sql: string
  readonly example: (row: Row) => string
}

/** Mitra early ends, the closures the daily counter counts (over-cap ones included: each one raised the counter). */
const COUNTED = `c.kind = 'early_end' and c.initiated_by = 'mitra'`

/**
 * The checks over the rows. The closure service writes each transition as one
 * transaction (session, closure, counter, review, event), so each of these
 * holds after any crash; a violation means the data was changed outside the
 * library or a bug let a half-write through.
 */
function dataChecks(t: (table: string) => string): DataCheck[] {
  return [
    {
      name: 'closure_per_closing_session',
      description: 'every closing or closed session has exactly one session_closures row',
      // session_id is unique in session_closures (a constraint on both engines), so "exactly one" is "one exists"
      sql: `select s.id from ${t('sessions')} s
          where s.status in ('closing', 'closed') and not exists (select 1 from ${t('session_closures')} c where c.session_id = s.id)`,
      example: (r) => `session ${r.id}`,
    },
    {
      name: 'closure_session_state',
      description: "every closure's session exists, is closing or closed, and belongs to the closure's mitra",
      sql: `select c.id, c.session_id, s.status from ${t('session_closures')} c left join ${t('sessions')} s on s.id = c.session_id
          where s.id is null or s.status not in ('closing', 'closed') or s.mitra_id <> c.mitra_id`,
      example: (r) => `closure ${r.id} (session ${r.session_id} ${r.status ?? 'missing'})`,
    },
    {
      name: 'closed_timestamps',
      description: 'closing and closed sessions have grace_ends_at; a session has closed_at, and its closure finalized_at, exactly when it is closed',
      sql: `select s.id, s.status from ${t('sessions')} s left join ${t('session_closures')} c on c.session_id = s.id
          where (s.status in ('closing', 'closed') and s.grace_ends_at is null)
             or (s.status = 'closed' and (s.closed_at is null or (c.id is not null and c.finalized_at is null)))
             or (s.status <> 'closed' and (s.closed_at is not null or c.finalized_at is not null))`,
      example: (r) => `session ${r.id} (${r.status})`,
    },
    {
      name: 'daily_counter',
      description: "each mitra's daily counter (mitra_daily_counts) equals that mitra's early ends on that business day, over-cap ones included",
      // initiated_by 'mitra' alone picks the mitra early ends (an expiry is always by 'system': closure_actor),
      // so the count reads the (business_day, initiated_by, mitra_id) index only
      sql: `select mitra_id, business_day, sum(counter) as counter, sum(closures) as closures from (
            select mitra_id, business_day, early_end_count as counter, 0 as closures from ${t('mitra_daily_counts')}
            union all
            select mitra_id, business_day, 0 as counter, count(*) as closures from ${t('session_closures')}
            where initiated_by = 'mitra' group by business_day, mitra_id
          ) u group by mitra_id, business_day having sum(counter) <> sum(closures)`,
      example: (r) => `${r.mitra_id} ${r.business_day}: counter ${r.counter}, closures ${r.closures}`,
    },
    {
      name: 'closure_rollup',
      description: "closure_daily_counts (what the closure reports read) equals the closures per business day, mitra, initiator and reason ('' for none)",
      // triggers on session_closures keep it, so only a write to the rollup itself (or a dropped trigger) breaks it
      sql: `select business_day, mitra_id, initiated_by, reason, sum(counted) as counted, sum(closures) as closures from (
            select business_day, mitra_id, initiated_by, reason, closure_count as counted, 0 as closures from ${t('closure_daily_counts')}
            union all
            select business_day, mitra_id, initiated_by, coalesce(reason, '') as reason, 0 as counted, count(*) as closures from ${t('session_closures')}
            group by business_day, mitra_id, initiated_by, coalesce(reason, '')
          ) u group by business_day, mitra_id, initiated_by, reason having sum(counted) <> sum(closures)`,
      example: (r) => `${r.business_day} ${r.mitra_id} ${r.initiated_by} ${r.reason || '(no reason)'}: counted ${r.counted}, closures ${r.closures}`,
    },
    {
      name: 'one_review_per_day',
      description: 'at most one CC review per mitra, business day and trigger',
      sql: `select min(id) as first_id, max(id) as last_id, mitra_id, business_day, trigger, count(*) as reviews from ${t('cc_reviews')}
          group by mitra_id, business_day, trigger having count(*) > 1`,
      example: (r) => `${r.mitra_id} ${r.business_day} ${r.trigger}: ${r.reviews} reviews (${r.first_id}…${r.last_id})`,
    },
    {
      name: 'closure_review_match',
      description: "a closure's review exists and is a review of the closure's mitra and business day",
      sql: `select c.id, c.review_id from ${t('session_closures')} c left join ${t('cc_reviews')} r on r.id = c.review_id
          where c.review_id is not null and (r.id is null or r.mitra_id <> c.mitra_id or r.business_day <> c.business_day)`,
      example: (r) => `closure ${r.id} (review ${r.review_id})`,
    },
    {
      // The cap in force when a closure was written is not on its row (the flag changes over time, and the
      // audit's times and the closures' come from different clocks in replays and simulations), so "reached
      // the cap" is read from what the rows record: over_cap for the early ends past it, and the review,
      // which only the early end reaching (or passing) the cap opens, in its own transaction.
      name: 'cap_review',
      description: 'an early end past the cap (over_cap) is attached to its review; only mitra early ends are over the cap or on a review',
      sql: `select c.id, c.kind, c.initiated_by from ${t('session_closures')} c
          where (c.over_cap and c.review_id is null)
             or ((c.over_cap or c.review_id is not null) and not (${COUNTED}))`,
      example: (r) => `closure ${r.id} (${r.kind} by ${r.initiated_by})`,
    },
    {
      name: 'review_opened_by_closure',
      description: `every ${DAILY_CAP_TRIGGER} review has the early end that reached the cap (and opened it) attached`,
      sql: `select r.id, r.mitra_id, r.business_day from ${t('cc_reviews')} r
          where r.trigger = '${DAILY_CAP_TRIGGER}' and not exists (select 1 from ${t('session_closures')} c where c.review_id = r.id)`,
      example: (r) => `review ${r.id} (${r.mitra_id} ${r.business_day})`,
    },
    // The audit trail of a closure, in three checks (each one scan or anti-join): who ended the session is
    // recorded consistently with how, and session_events holds the transition into closing by that actor
    // and, once the session is closed, the transition into closed. The service writes all of it in one transaction.
    {
      name: 'closure_actor',
      description:
        'every closure records who ended the session consistently with its kind: an expiry by system with no actor; an early end by the mitra itself, the customer itself, or support with a reason; reason "other" with a note',
      sql: `select c.id, c.kind, c.initiated_by from ${t('session_closures')} c left join ${t('sessions')} s on s.id = c.session_id
          where (c.kind = 'expired' and (c.initiated_by <> 'system' or c.actor_id is not null))
             or (c.kind = 'early_end' and (c.actor_id is null or c.initiated_by not in ('mitra', 'customer', 'support')))
             or (c.initiated_by = 'mitra' and c.actor_id <> c.mitra_id)
             or (c.initiated_by = 'customer' and c.actor_id <> s.customer_id)
             or (c.initiated_by = 'support' and c.reason is null)
             or (c.reason = 'other' and (c.reason_note is null or trim(c.reason_note) = ''))`,
      example: (r) => `closure ${r.id} (${r.kind} by ${r.initiated_by})`,
    },
    {
      name: 'closure_event',
      description: "every closure has its session_events row: the session's move into closing, as that kind, by that initiator and actor",
      sql: `select c.id, c.kind, c.initiated_by from ${t('session_closures')} c
          where not exists (select 1 from ${t('session_events')} e where e.session_id = c.session_id and e.event = c.kind and e.to_status = 'closing'
                            and e.actor_type = c.initiated_by and e.actor_id is not distinct from c.actor_id)`,
      example: (r) => `closure ${r.id} (${r.kind} by ${r.initiated_by})`,
    },
    {
      name: 'finalized_event',
      description: "every closed session's closure has its session_events row: the session's move into closed",
      // closures in session order, so the event lookups walk the index in order (SQLite)
      sql: `select c.id, c.session_id from ${t('session_closures')} c
          where not exists (select 1 from ${t('session_events')} e where e.session_id = c.session_id and e.event = 'finalized' and e.to_status = 'closed')
            and exists (select 1 from ${t('sessions')} s where s.id = c.session_id and s.status = 'closed')`,
      example: (r) => `closure ${r.id} (session ${r.session_id})`,
    },
    {
      name: 'no_self_session',
      description: 'no session has its mitra as its customer (a mitra ending it as the customer would dodge the daily cap)',
      sql: `select s.id, s.mitra_id from ${t('sessions')} s where s.customer_id = s.mitra_id`,
      example: (r) => `session ${r.id} (${JSON.stringify(r.mitra_id)} on both sides)`,
    },
  ]
}

const FILE_CHECK = 'sqlite_integrity'
const fileDescription = (pragma: string) => `SQLite: PRAGMA ${pragma} is ok and PRAGMA foreign_key_check finds no dangling reference`

/**
 * Checks every data invariant in one read-only snapshot and reports each
 * check with its violation count and a few examples; never writes. On
 * SQLite the file itself is checked first (`PRAGMA quick_check` or
 * `integrity_check`, and `foreign_key_check`); a damaged file skips the data
 * checks. On PostgreSQL the server guarantees that much, and there is no
 * such check in the report. Database failures throw `DB_ERROR`, and so does a
 * database that is not at this version's schema (not migrated yet, or
 * migrated by a newer version).
 *
 * ```ts
 * const report = await checkInvariants(handle)
 * if (!report.ok) for (const c of report.checks.filter((c) => !c.ok)) console.log(c.name, c.violations, c.examples)
 * ```
 *
 * @throws HaloError `DB_ERROR` (the database fails, or is not at this version's schema)
 */
export async function checkInvariants(handle: HaloDatabase, options: CheckOptions = {}): Promise<InvariantReport> {
  // the checks read this version's tables: a database another version migrated would fail them for the wrong reason
  const state = await schemaState(handle)
  if (state !== 'current') {
    throw new HaloError(
      'DB_ERROR',
      state === 'behind'
        ? `${handle.target} is not migrated to this version: run migrateToLatest (\`halo-admin db migrate\`) before checking it`
        : state === 'ahead'
          ? `${handle.target} was migrated by a newer halo-admin: check it with that version`
          : `${handle.target} is not a halo-admin database`,
    )
  }
  const engine = handle.engine
  const now = (options.clock ?? systemClock).now().getTime()
  // stamps are compared as ISO text on SQLite: past year 9999 toISOString writes +010000-…, which sorts first
  const latest = new Date(Math.min(now + (options.clockSkewMs ?? CLOCK_SKEW_MS), LAST_INSTANT)).toISOString()
  const checks = await handle.read(async () => {
    const { sql } = await import('kysely')
    const on =
      (conn: Kysely<Schema>) =>
      async (text: string): Promise<Row[]> =>
        (await sql.raw<Row>(text).execute(conn)).rows
    // The file first, outside the snapshot: SQLite ends a transaction by itself on some corruption errors.
    const file = await engine.fileIntegrity(options.integrity ?? 'quick')
    // PostgreSQL (no file of ours to check: the server keeps its own files consistent) lists no file check
    const fileResults: InvariantCheck[] =
      file === null
        ? []
        : [
            {
              name: FILE_CHECK,
              description: fileDescription(file.pragma),
              ok: file.problems.length === 0,
              violations: file.problems.length,
              examples: file.problems.slice(0, EXAMPLES),
            },
          ]
    const t = (table: string) => engine.table(table)
    const all = [...dataChecks(t), futureStamps(t, latest, options.clockSkewMs ?? CLOCK_SKEW_MS), idFormat(engine)]
    if (file?.damaged) {
      const notRun = { ok: true, violations: 0, examples: [], skipped: true, note: 'not run: the file is damaged' }
      return [...fileResults, ...all.map((c) => ({ name: c.name, description: c.description, ...notRun }))]
    }
    // One snapshot for every data check: a writer committing in between must not make two reads disagree.
    return engine.readSnapshot(async (trx) => {
      const out: InvariantCheck[] = [...fileResults]
      for (const check of all) out.push(await dataCheck(check, on(trx)))
      return out
    })
  })
  return { ok: checks.every((c) => c.ok), engine: handle.engineName, checks }
}

/** How far a stamp may lie ahead of the checking clock before it counts as written in the future. */
const CLOCK_SKEW_MS = 5 * 60_000
/** The last instant the library's calendar has (it ends with year 9999). */
const LAST_INSTANT = Date.parse('9999-12-31T23:59:59.999Z')

/** The columns that record when something happened (not schedules such as `ends_at`): none may lie in the future. */
const STAMPS: readonly (readonly [table: string, key: string, column: string])[] = [
  ['sessions', 'id', 'started_at'],
  ['sessions', 'id', 'closed_at'],
  ['session_closures', 'id', 'created_at'],
  ['session_closures', 'id', 'finalized_at'],
  ['session_events', 'id', 'created_at'],
  ['session_goodbyes', 'id', 'created_at'],
  ['cc_reviews', 'id', 'opened_at'],
  ['cc_reviews', 'id', 'resolved_at'],
  ['config_audit', 'id', 'created_at'],
  ['app_config', 'key', 'updated_at'],
  ['rollout_cohort', 'mitra_id', 'set_at'],
]

/** Rows stamped after `latest` (now plus the allowed clock skew): written by a clock ahead of time, or played ahead of it. */
function futureStamps(t: (table: string) => string, latest: string, skewMs: number): DataCheck {
  return {
    name: 'no_future_stamps',
    description: `no row records a moment more than ${Math.round(skewMs / 60_000)} minutes after now (started, created, closed, finalized, opened, resolved, updated)`,
    sql: STAMPS.map(
      ([table, key, column]) =>
        `select '${table}' as tbl, cast(${key} as varchar(64)) as row_key, '${column}' as col, ${column} as at from ${t(table)} where ${column} > '${latest}'`,
    ).join('\n union all '),
    example: (r) => `${r.tbl} ${r.row_key}: ${r.col} ${String(r.at)}`,
  }
}

/** The columns that hold a customer, mitra or actor id (contract §5: 1-64 of A-Za-z0-9_.:-). */
const PARTY_IDS: readonly (readonly [table: string, key: string, column: string])[] = [
  ['sessions', 'id', 'customer_id'],
  ['sessions', 'id', 'mitra_id'],
  ['session_closures', 'id', 'mitra_id'],
  ['session_closures', 'id', 'actor_id'],
  ['session_goodbyes', 'id', 'actor_id'],
  ['session_events', 'id', 'actor_id'],
  ['cc_reviews', 'id', 'mitra_id'],
  ['cc_reviews', 'id', 'resolved_by'],
  ['mitra_daily_counts', 'business_day', 'mitra_id'],
  ['config_audit', 'id', 'actor'],
  ['app_config', 'key', 'updated_by'],
  ['rollout_cohort', 'mitra_id', 'mitra_id'],
  ['rollout_cohort', 'mitra_id', 'set_by'],
]

/** Ids another writer stored outside the id format (control characters, bidi overrides, spaces, too long). */
function idFormat(engine: HaloDatabase['engine']): DataCheck {
  return {
    name: 'id_format',
    description: 'every customer, mitra and actor id is 1-64 characters of A-Z, a-z, 0-9, _ . : -',
    sql: PARTY_IDS.map(
      ([table, key, column]) =>
        `select '${table}' as tbl, cast(${key} as varchar(64)) as row_key, '${column}' as col, ${column} as value from ${engine.table(table)} where ${engine.notPartyIdSql(column)}`,
    ).join('\n union all '),
    example: (r) => `${r.tbl} ${r.row_key}: ${r.col} ${JSON.stringify(r.value)}`,
  }
}

async function dataCheck(check: DataCheck, query: (text: string) => Promise<Row[]>): Promise<InvariantCheck> {
  const rows = await query(`select v.*, count(*) over () as violations from (${check.sql}) v order by 1 limit ${EXAMPLES}`)
  const violations = Number(rows[0]?.violations ?? 0)
  return { name: check.name, description: check.description, ok: violations === 0, violations, examples: rows.map(check.example) }
}
