import { sql } from 'kysely'
import { type HaloMigration, notNull, timeType } from './migration-support.js'

/**
 * The staged re-enable (issue 23, contract §4b).
 *
 * `rollout_cohort`: the mitras `halo-admin rollout add` names, `always` in the rollout or `never`
 * (a hold-out), whatever `early_end_mitra_rollout_percent` says. One row per mitra, read by its key
 * in every mitra early end (under the same `app_config` lock as the flags) and by `clientConfig`.
 * Each change is also a `config_audit` row (key `early_end_mitra_cohort`), so it is audited, and
 * later covered, like a flag change.
 *
 * `session_closures_created_at_initiator`: the guard counts the closures of the last hour, and those
 * of them by mitras, on every mitra early end while it is on; this index holds both counts, so the
 * count reads one hour of index entries, never the table.
 */
export const rolloutGuard: HaloMigration = {
  name: '0009-rollout-guard',
  async up(db, engine) {
    await db.schema
      .createTable('rollout_cohort')
      .addColumn('mitra_id', 'varchar(64)', (c) => c.primaryKey().notNull())
      .addColumn('mode', 'varchar(8)', (c) => c.notNull().check(sql`mode in ('always', 'never')`))
      .addColumn('note', 'varchar(500)')
      .addColumn('set_by', 'varchar(64)', notNull)
      .addColumn('set_at', timeType(engine), notNull)
      .execute()
    await db.schema.createIndex('session_closures_created_at_initiator').on('session_closures').columns(['created_at', 'initiated_by']).execute()
  },
}
