import { sql } from 'kysely'
import type { HaloMigration } from './migration-support.js'

/**
 * What the lifecycle event feed (`createEventFeed`) needs to hand out every committed event exactly
 * once, in order, under concurrent writers (issue 12).
 *
 * SQLite: nothing. One writer at a time, so `session_events.id` is given out in commit order, and a
 * reader that has seen id n has seen every event below it.
 *
 * PostgreSQL: ids come from a sequence at insert time, and transactions commit in another order:
 * a reader that saw id 11 can miss id 10 when its transaction commits later. So each event records
 * the transaction that wrote it (`tx`, `pg_current_xact_id()`), and the feed reads only events of
 * transactions that have ended, fenced at the oldest one still in flight (`pg_snapshot_xmin`): see
 * src/events/event-repository.ts. A statement trigger NOTIFYs `halo_admin_events:<schema>` at
 * commit, so a follower wakes at once instead of polling; its function keeps the migration's
 * search path, as 0004 made the rollup's.
 */
export const eventFeed: HaloMigration = {
  name: '0005-event-feed',
  async up(db, engine) {
    if (engine === 'sqlite') return
    await sql`alter table session_events add column tx xid8 not null default pg_current_xact_id()`.execute(db)
    await db.schema.createIndex('session_events_tx').on('session_events').column('tx').execute()
    await sql
      .raw(
        `create function session_events_notify() returns trigger language plpgsql set search_path from current as $$
          begin
            perform pg_notify('halo_admin_events:' || current_schema(), '');
            return null;
          end
        $$`,
      )
      .execute(db)
    await sql`create trigger session_events_notify after insert on session_events for each statement execute function session_events_notify()`.execute(db)
  },
}
