import { sql, type Kysely } from 'kysely'
import { type HaloMigration, notNull, timeType } from './migration-support.js'
import { closureRollupTriggers } from './0003-closure-daily-counts.js'

/**
 * Fewer index writes per early end (issue 13). Each commit writes every page it changed, and each
 * index an early end touches is another page: the schema cost an early end four times the work of the
 * least schema holding the same facts. Every index that goes was checked against its readers with
 * EXPLAIN QUERY PLAN (SQLite) and EXPLAIN (PostgreSQL); test/store/query-plans.test.ts keeps them so.
 *
 * - `sessions`: the three indexes leading with `status` changed on every move between states. The
 *   sweep's two become partial indexes of the rows they find (live sessions by `ends_at`, closing
 *   ones by `grace_ends_at`); a session leaves one and enters the other once in its life. Per mitra
 *   and per customer a plain index, which never changes after the session is opened.
 * - `session_closures`: the reports read `closure_daily_counts` (0003), so the indexes by
 *   (day, mitra) and (day, reason) lost their readers; (day, initiator, mitra) stays for `whatif`,
 *   the detail export's bounds and `db check`. The review index and the idempotency key's unique
 *   index hold only the rows that have one (most closures are expiries, with neither). SQLite cannot
 *   drop a column's UNIQUE, so there the table is rebuilt (its rollup triggers with it): about a
 *   second per hundred thousand closures, holding writers back meanwhile.
 * - `mitra_daily_counts`: the day index held the count, so every early end moved its entry; `report cap`
 *   reads a day's few rows and sorts them itself.
 * - PostgreSQL: the rollup's trigger functions are pinned to the search path of the migration (the
 *   library's schema, when it has one), so a backend writing closures with its own search path still
 *   keeps the rollup of that schema.
 */
export const writePathIndexes: HaloMigration = {
  name: '0004-write-path-indexes',
  async up(db, engine) {
    for (const name of ['sessions_status_ends_at', 'sessions_status_grace_ends_at', 'sessions_mitra_status']) await db.schema.dropIndex(name).execute()
    // the predicates exactly as the sweep and the live list write them, so both engines use the indexes
    await db.schema
      .createIndex('sessions_live_ends_at')
      .on('sessions')
      .column('ends_at')
      .where(sql<boolean>`status in ('active', 'extending')`)
      .execute()
    await db.schema
      .createIndex('sessions_closing_grace_ends_at')
      .on('sessions')
      .column('grace_ends_at')
      .where(sql<boolean>`status = 'closing'`)
      .execute()
    await db.schema.createIndex('sessions_mitra').on('sessions').column('mitra_id').execute()
    await db.schema.createIndex('sessions_customer').on('sessions').column('customer_id').execute()

    if (engine === 'sqlite') await rebuildClosuresWithoutUniqueKey(db)
    else {
      await sql`alter table session_closures drop constraint session_closures_idempotency_key_key`.execute(db)
      for (const name of ['session_closures_day_mitra', 'session_closures_day_reason', 'session_closures_review']) await db.schema.dropIndex(name).execute()
      // the rollup's functions keep the search path they were made under (the library's schema), so a
      // closure written by a connection with another search path (the backend's) still counts in it
      for (const fn of ['closure_daily_counts_added', 'closure_daily_counts_removed', 'closure_daily_counts_moved', 'closure_daily_counts_truncated'])
        await sql.raw(`alter function ${fn}() set search_path from current`).execute(db)
    }
    await closureIndexes(db)

    await db.schema.dropIndex('mitra_daily_counts_day').execute()
    await db.schema.createIndex('mitra_daily_counts_day').on('mitra_daily_counts').column('business_day').execute()
  },
}

/** The closure indexes after this migration, on both engines. */
async function closureIndexes(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('session_closures_idempotency_key')
    .unique()
    .on('session_closures')
    .column('idempotency_key')
    .where('idempotency_key', 'is not', null)
    .execute()
  await db.schema.createIndex('session_closures_review').on('session_closures').column('review_id').where('review_id', 'is not', null).execute()
}

/**
 * SQLite's way to change a column constraint: a new table, the rows copied, the old one dropped (its
 * indexes and triggers with it; no trigger fires on the drop, and no table references this one), the
 * new one renamed. The rollup is untouched: the rows it counts are the same.
 */
async function rebuildClosuresWithoutUniqueKey(db: Kysely<any>): Promise<void> {
  const time = timeType('sqlite')
  await db.schema
    .createTable('session_closures_new')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('session_id', 'integer', (c) => c.notNull().unique().references('sessions.id'))
    .addColumn('mitra_id', 'varchar(64)', notNull)
    .addColumn('kind', 'varchar(16)', (c) => c.notNull().check(sql`kind in ('early_end', 'expired')`))
    .addColumn('initiated_by', 'varchar(16)', (c) => c.notNull().check(sql`initiated_by in ('mitra', 'customer', 'support', 'system')`))
    .addColumn('actor_id', 'varchar(64)')
    .addColumn('reason', 'varchar(40)')
    .addColumn('reason_note', 'varchar(500)')
    .addColumn('business_day', 'varchar(10)', notNull)
    .addColumn('over_cap', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('review_id', 'integer', (c) => c.references('cc_reviews.id'))
    .addColumn('idempotency_key', 'varchar(128)')
    .addColumn('created_at', time, notNull)
    .addColumn('grace_ends_at', time, notNull)
    .addColumn('finalized_at', time)
    .execute()
  await sql`insert into session_closures_new select * from session_closures`.execute(db)
  // ids go on from where the old table's counter stood, even past rows deleted since
  const { rows } = await sql<{ seq: number }>`select seq from sqlite_sequence where name = 'session_closures'`.execute(db)
  await sql`drop table session_closures`.execute(db)
  await sql`alter table session_closures_new rename to session_closures`.execute(db)
  if (rows[0] !== undefined) await sql`update sqlite_sequence set seq = max(seq, ${rows[0].seq}) where name = 'session_closures'`.execute(db)
  await db.schema.createIndex('session_closures_day_initiator_mitra').on('session_closures').columns(['business_day', 'initiated_by', 'mitra_id']).execute()
  for (const statement of closureRollupTriggers('sqlite')) await sql.raw(statement).execute(db)
}
