import { sql } from 'kysely'
import { type HaloMigration, notNull, timeType, withId } from './migration-support.js'

/** Every table and index of contract §8. */
export const initialSchema: HaloMigration = {
  name: '0001-initial-schema',
  async up(db, engine) {
    const time = timeType(engine)

    await withId(db.schema.createTable('sessions'), engine)
      .addColumn('customer_id', 'varchar(64)', notNull)
      .addColumn('mitra_id', 'varchar(64)', notNull)
      .addColumn('status', 'varchar(16)', (c) => c.notNull().check(sql`status in ('active', 'extending', 'closing', 'closed')`))
      .addColumn('started_at', time, notNull)
      .addColumn('ends_at', time, notNull)
      .addColumn('grace_ends_at', time)
      .addColumn('closed_at', time)
      .execute()
    // sweep: due active/extending sessions, due closing sessions
    await db.schema.createIndex('sessions_status_ends_at').on('sessions').columns(['status', 'ends_at']).execute()
    await db.schema.createIndex('sessions_status_grace_ends_at').on('sessions').columns(['status', 'grace_ends_at']).execute()
    await db.schema.createIndex('sessions_mitra_status').on('sessions').columns(['mitra_id', 'status']).execute()

    await withId(db.schema.createTable('cc_reviews'), engine)
      .addColumn('mitra_id', 'varchar(64)', notNull)
      .addColumn('business_day', 'varchar(10)', notNull)
      .addColumn('trigger', 'varchar(32)', notNull)
      .addColumn('status', 'varchar(16)', (c) => c.notNull().check(sql`status in ('open', 'resolved')`))
      .addColumn('outcome', 'varchar(16)', (c) => c.check(sql`outcome in ('cleared', 'warned', 'suspended')`))
      .addColumn('note', 'varchar(500)')
      .addColumn('opened_at', time, notNull)
      .addColumn('resolved_at', time)
      .addColumn('resolved_by', 'varchar(64)')
      .addUniqueConstraint('cc_reviews_mitra_day_trigger', ['mitra_id', 'business_day', 'trigger'])
      .execute()
    await db.schema.createIndex('cc_reviews_status_opened_at').on('cc_reviews').columns(['status', 'opened_at']).execute()

    await withId(db.schema.createTable('session_closures'), engine)
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
      .addColumn('idempotency_key', 'varchar(128)', (c) => c.unique())
      .addColumn('created_at', time, notNull)
      .addColumn('grace_ends_at', time, notNull)
      .addColumn('finalized_at', time)
      .execute()
    // reports by day (and the range filter), by mitra, reason and initiator
    await db.schema.createIndex('session_closures_day_mitra').on('session_closures').columns(['business_day', 'mitra_id']).execute()
    await db.schema.createIndex('session_closures_day_reason').on('session_closures').columns(['business_day', 'reason']).execute()
    await db.schema.createIndex('session_closures_day_initiator').on('session_closures').columns(['business_day', 'initiated_by']).execute()
    await db.schema.createIndex('session_closures_review').on('session_closures').columns(['review_id']).execute()

    await withId(db.schema.createTable('session_goodbyes'), engine)
      .addColumn('session_id', 'integer', (c) => c.notNull().references('sessions.id'))
      .addColumn('side', 'varchar(16)', (c) => c.notNull().check(sql`side in ('mitra', 'customer')`))
      .addColumn('actor_id', 'varchar(64)', notNull)
      .addColumn('message', 'varchar(1000)', notNull)
      .addColumn('created_at', time, notNull)
      .addUniqueConstraint('session_goodbyes_session_side', ['session_id', 'side'])
      .execute()

    // The cap counter: one row per mitra and business day, locked by every mitra early end.
    await db.schema
      .createTable('mitra_daily_counts')
      .addColumn('mitra_id', 'varchar(64)', notNull)
      .addColumn('business_day', 'varchar(10)', notNull)
      .addColumn('early_end_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('mitra_daily_counts_pk', ['mitra_id', 'business_day'])
      .execute()

    await db.schema
      .createTable('app_config')
      .addColumn('key', 'varchar(64)', (c) => c.primaryKey().notNull())
      .addColumn('value', 'text', notNull)
      .addColumn('updated_at', time, notNull)
      .addColumn('updated_by', 'varchar(64)', notNull)
      .execute()

    await withId(db.schema.createTable('config_audit'), engine)
      .addColumn('key', 'varchar(64)', notNull)
      .addColumn('old_value', 'text')
      .addColumn('new_value', 'text')
      .addColumn('actor', 'varchar(64)', notNull)
      .addColumn('note', 'varchar(500)')
      .addColumn('created_at', time, notNull)
      .execute()
    await db.schema.createIndex('config_audit_key_id').on('config_audit').columns(['key', 'id']).execute()

    await withId(db.schema.createTable('session_events'), engine)
      .addColumn('session_id', 'integer', (c) => c.notNull().references('sessions.id'))
      .addColumn('event', 'varchar(32)', notNull)
      .addColumn('from_status', 'varchar(16)')
      .addColumn('to_status', 'varchar(16)', notNull)
      .addColumn('actor_type', 'varchar(16)', notNull)
      .addColumn('actor_id', 'varchar(64)')
      .addColumn('created_at', time, notNull)
      .execute()
    await db.schema.createIndex('session_events_session').on('session_events').columns(['session_id', 'id']).execute()
  },
}
