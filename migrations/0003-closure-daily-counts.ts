import { sql, type Kysely } from 'kysely'
import { type HaloMigration, notNull } from './migration-support.js'

const ROLLUP_TABLE = 'closure_daily_counts'
/** What `reason` holds for a closure without one. */
const NO_REASON = ''

const KEY = ['business_day', 'mitra_id', 'initiated_by', 'reason'] as const

/**
 * `closure_daily_counts`: how many `session_closures` rows there are per business day, mitra,
 * initiator and reason, so `report closures` sums a few rows per mitra and day instead of counting
 * every closure of the range (1M closures: a 137k-row rollup, every report a range of its key).
 *
 * - The key covers every filter and grouping of `createReportService().closures`: day, mitra,
 *   initiator, reason (`kind` follows from the initiator: `system` is `expired`). It leads with the
 *   day, every report's range, then the mitra, so `--by day` and `--by mitra` read it in key order
 *   without sorting; `closure_daily_counts_mitra_day` serves `--mitra`.
 * - `reason` is never NULL: a closure without a reason (an expiry, a customer's end) is counted under
 *   `NO_REASON` (''), since PostgreSQL's unique keys treat NULLs as distinct and the upsert would add a
 *   row per closure; the reports read '' back as null. Reason codes are never empty (1-40 of a-z0-9_).
 * - On SQLite the table is `without rowid`: the primary key is the table, so the upsert and the range
 *   reads touch one b-tree. On PostgreSQL the count is left out of the key's index on purpose: an
 *   index holding it would make every increment a new index entry (no HOT update), and a table whose
 *   rows change with every closure seldom has the all-visible pages an index-only scan needs.
 * - Kept by triggers on `session_closures`, in the statement that writes the closure, so in the same
 *   transaction: one atomic upsert (`closure_count = closure_count + n`) per insert, never a read then
 *   a write, so concurrent transactions on PostgreSQL (READ COMMITTED) and SQLite count exactly; a
 *   rolled-back write (a refusal, a dry run) takes its count with it. In the database rather than in
 *   the services, so that every writer keeps it: the sweep's batches, a process of an older version
 *   during a rolling upgrade, the tests and tools that write closures in SQL. Deleting a closure (or
 *   changing its day, mitra, initiator or reason) takes it off its count; a count reaching zero is
 *   removed, so a key without closures has no row.
 * - PostgreSQL fires the insert and delete triggers once per statement over the statement's rows
 *   (transition tables), and upserts the keys in key order: two sweeps ending sessions of the same
 *   mitras lock the rows in one order, so they never deadlock on them.
 *
 * Existing closures are counted by one INSERT … SELECT … GROUP BY, after the triggers exist: on
 * PostgreSQL creating a trigger locks `session_closures` against writes until the migration commits
 * (SQLite's migration holds the write lock throughout), so a closure is counted by the backfill or by
 * the trigger, never by both or neither.
 */
export const closureDailyCounts: HaloMigration = {
  name: '0003-closure-daily-counts',
  async up(db, engine) {
    await db.schema
      .createTable(ROLLUP_TABLE)
      .addColumn('business_day', 'varchar(10)', notNull)
      .addColumn('mitra_id', 'varchar(64)', notNull)
      .addColumn('initiated_by', 'varchar(16)', notNull)
      .addColumn('reason', 'varchar(40)', notNull)
      .addColumn('closure_count', 'integer', (c) => c.notNull().check(sql`closure_count > 0`))
      .addPrimaryKeyConstraint(`${ROLLUP_TABLE}_pk`, [...KEY])
      .$call((t) => (engine === 'sqlite' ? t.modifyEnd(sql`without rowid`) : t))
      .execute()
    await db.schema.createIndex(`${ROLLUP_TABLE}_mitra_day`).on(ROLLUP_TABLE).columns(['mitra_id', 'business_day']).execute()

    for (const statement of engine === 'sqlite' ? sqliteTriggers() : postgresTriggers()) await sql.raw(statement).execute(db)
    await backfill(db)
  },
}

/** The rollup's triggers as this migration creates them (0004 puts them back on the rebuilt SQLite table). */
export function closureRollupTriggers(engine: 'sqlite' | 'postgres'): string[] {
  return engine === 'sqlite' ? sqliteTriggers() : postgresTriggers()
}

async function backfill(db: Kysely<any>): Promise<void> {
  const reason = sql<string>`coalesce(reason, ${sql.lit(NO_REASON)})`
  await db
    .insertInto(ROLLUP_TABLE)
    .columns([...KEY, 'closure_count'])
    .expression(
      db
        .selectFrom('session_closures')
        .select((eb) => ['business_day', 'mitra_id', 'initiated_by', reason.as('reason'), eb.fn.countAll().as('closure_count')])
        .groupBy(['business_day', 'mitra_id', 'initiated_by', reason]),
    )
    .execute()
}

const reasonOf = (row: string) => `coalesce(${row}.reason, '${NO_REASON}')`
const keyIs = (row: string, t = ROLLUP_TABLE) =>
  `${t}.business_day = ${row}.business_day and ${t}.mitra_id = ${row}.mitra_id and ${t}.initiated_by = ${row}.initiated_by and ${t}.reason = ${reasonOf(row)}`
const keyChanged = (op: string) => KEY.map((c) => `old.${c} ${op} new.${c}`).join(' or ')

/** SQLite has row triggers only; a trigger's statements run inside the statement that fired it. */
function sqliteTriggers(): string[] {
  const add = `insert into ${ROLLUP_TABLE} (${KEY.join(', ')}, closure_count) values (new.business_day, new.mitra_id, new.initiated_by, ${reasonOf('new')}, 1)
      on conflict (${KEY.join(', ')}) do update set closure_count = closure_count + 1;`
  const remove = `delete from ${ROLLUP_TABLE} where ${keyIs('old')} and closure_count <= 1;
    update ${ROLLUP_TABLE} set closure_count = closure_count - 1 where ${keyIs('old')};`
  return [
    `create trigger ${ROLLUP_TABLE}_insert after insert on session_closures begin
      ${add}
    end`,
    `create trigger ${ROLLUP_TABLE}_delete after delete on session_closures begin
      ${remove}
    end`,
    `create trigger ${ROLLUP_TABLE}_update after update of ${KEY.join(', ')} on session_closures when ${keyChanged('is not')} begin
      ${remove}
      ${add}
    end`,
  ]
}

/**
 * PostgreSQL: insert and delete as statement triggers over the transition table (one grouped upsert or
 * update per statement, keys in order); a change of key as a row trigger whose WHEN skips every update
 * that leaves the key alone (the sweep's `finalized_at`) without calling the function; TRUNCATE empties it.
 */
function postgresTriggers(): string[] {
  const grouped = (rows: string) =>
    `select business_day, mitra_id, initiated_by, ${reasonOf(rows)} as reason, count(*) as n from ${rows} group by 1, 2, 3, 4 order by 1, 2, 3, 4`
  const upsertSet = `on conflict (${KEY.join(', ')}) do update set closure_count = ${ROLLUP_TABLE}.closure_count + excluded.closure_count`
  const fn = (name: string, body: string) => `create function ${name}() returns trigger language plpgsql as $$
    begin
      ${body}
      return null;
    end
    $$`
  return [
    fn(`${ROLLUP_TABLE}_added`, `insert into ${ROLLUP_TABLE} (${KEY.join(', ')}, closure_count) select * from (${grouped('added')}) g ${upsertSet};`),
    `create trigger ${ROLLUP_TABLE}_insert after insert on session_closures referencing new table as added
      for each statement execute function ${ROLLUP_TABLE}_added()`,
    fn(
      `${ROLLUP_TABLE}_removed`,
      `delete from ${ROLLUP_TABLE} using (${grouped('removed')}) g where ${keyIs('g')} and ${ROLLUP_TABLE}.closure_count <= g.n;
      update ${ROLLUP_TABLE} set closure_count = ${ROLLUP_TABLE}.closure_count - g.n from (${grouped('removed')}) g where ${keyIs('g')};`,
    ),
    `create trigger ${ROLLUP_TABLE}_delete after delete on session_closures referencing old table as removed
      for each statement execute function ${ROLLUP_TABLE}_removed()`,
    fn(
      `${ROLLUP_TABLE}_moved`,
      `delete from ${ROLLUP_TABLE} where ${keyIs('old')} and closure_count <= 1;
      update ${ROLLUP_TABLE} set closure_count = closure_count - 1 where ${keyIs('old')};
      insert into ${ROLLUP_TABLE} (${KEY.join(', ')}, closure_count) values (new.business_day, new.mitra_id, new.initiated_by, ${reasonOf('new')}, 1) ${upsertSet};`,
    ),
    `create trigger ${ROLLUP_TABLE}_update after update of ${KEY.join(', ')} on session_closures
      for each row when (${keyChanged('is distinct from')}) execute function ${ROLLUP_TABLE}_moved()`,
    fn(`${ROLLUP_TABLE}_truncated`, `delete from ${ROLLUP_TABLE};`),
    `create trigger ${ROLLUP_TABLE}_truncate after truncate on session_closures for each statement execute function ${ROLLUP_TABLE}_truncated()`,
  ]
}
