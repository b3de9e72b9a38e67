import type { HaloMigration } from './migration-support.js'

/**
 * Indexes the reports and the what-if replay need (found with EXPLAIN QUERY PLAN / EXPLAIN):
 * - `report cap` reads one business day of `mitra_daily_counts`, whose key leads with mitra_id: it scanned the table.
 * - `whatif` and `report closures --initiator x --by mitra` filter on the initiator and group by mitra: the
 *   (business_day, initiated_by) index had to visit every row. (business_day, initiated_by, mitra_id) covers
 *   them and everything the old index served, so the old one goes (one index less to write per closure).
 * - the what-if replay reads a range of `daily_cap_reached` reviews by day.
 */
export const reportIndexes: HaloMigration = {
  name: '0002-report-indexes',
  async up(db) {
    await db.schema.createIndex('mitra_daily_counts_day').on('mitra_daily_counts').columns(['business_day', 'early_end_count']).execute()
    await db.schema.createIndex('session_closures_day_initiator_mitra').on('session_closures').columns(['business_day', 'initiated_by', 'mitra_id']).execute()
    await db.schema.dropIndex('session_closures_day_initiator').execute()
    await db.schema.createIndex('cc_reviews_day_trigger').on('cc_reviews').columns(['business_day', 'trigger']).execute()
  },
}
