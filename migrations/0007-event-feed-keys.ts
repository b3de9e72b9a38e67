import { sql } from 'kysely'
import type { HaloMigration } from './migration-support.js'

/**
 * What the event feed needs to keep each session's events in order under any interleaving of
 * transactions, and to tell a cursor of this database from one of another (issue 18).
 *
 * Both engines: `event_feed_state`, one row: `origin`, a random name this install's cursors carry
 * (a copy made with `pg_dump` or a file backup keeps it; another database has its own), and on
 * PostgreSQL `key_offset` (below).
 *
 * PostgreSQL: an event's place in the feed (`session_events.tx`) was its writer's transaction id. A
 * transaction that took its id early and ended a session after a younger one opened it sorted the
 * end before the opening. Now a row trigger gives each event `greatest(own, newest)`: `own` is the
 * writer's transaction id plus `key_offset`, `newest` the highest key already committed. So a key is
 * never below its writer's own id (a reader fenced at the oldest transaction in flight still never
 * passes an event that can yet commit) and never below the keys of the events its writer could see
 * (a session's later event sorts after its earlier ones). The feed reads in (key, id) order, hence
 * the index on both.
 *
 * `key_offset` stays 0 until a restore into a server whose transaction ids are behind the keys
 * (`pg_dump | psql` to a new cluster): `halo-admin db migrate` then raises it so the old history
 * sorts before anything new (src/events/feed-keys.ts).
 */
export const eventFeedKeys: HaloMigration = {
  name: '0007-event-feed-keys',
  async up(db, engine) {
    await db.schema
      .createTable('event_feed_state')
      .addColumn('origin', 'text', (c) => c.notNull())
      .addColumn('key_offset', 'bigint', (c) => c.notNull().defaultTo(0))
      .execute()
    const origin = engine === 'postgres' ? sql`substr(md5(random()::text || clock_timestamp()::text), 1, 12)` : sql`lower(hex(randomblob(6)))`
    await sql`insert into event_feed_state (origin) values (${origin})`.execute(db)
    if (engine === 'sqlite') return
    await db.schema.createIndex('session_events_key').on('session_events').columns(['tx', 'id']).execute()
    await db.schema.dropIndex('session_events_tx').execute()
    await sql
      .raw(
        `create function session_events_key() returns trigger language plpgsql set search_path from current as $$
          declare
            own xid8 := (pg_current_xact_id()::text::numeric + (select key_offset from event_feed_state))::text::xid8;
            newest xid8 := (select tx from session_events order by tx desc limit 1);
          begin
            new.tx := greatest(own, newest);
            return new;
          end
        $$`,
      )
      .execute(db)
    await sql`create trigger session_events_key before insert on session_events for each row execute function session_events_key()`.execute(db)
  },
}
