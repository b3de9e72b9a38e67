/**
 * PostgreSQL: keeps the feed's keys ahead of the history after a restore (migration 0007).
 *
 * An event's key is its writer's transaction id plus `event_feed_state.key_offset` (or more, to stay
 * after what its writer saw). A dump restored into another cluster brings keys from that cluster's
 * transaction ids, which may be far ahead of this one's: readers, fenced at this cluster's oldest
 * transaction in flight, would not see the old history for a long time, and new events would sort
 * before it. Raising the offset so this cluster's ids land above every key restores both. The feed
 * refuses to read until it is done (a key at or above the next transaction id cannot be this
 * server's), and `halo-admin db migrate` does it.
 */
import { sql, type Kysely } from 'kysely'
import type { Schema } from '../store/schema.js'

/**
 * On the migration's connection (its search path is the library's schema): raises the offset when the
 * stored keys are ahead of this server's transaction ids; true when it did. Writers of events wait
 * (SHARE lock) so none holds a key from before the change while readers move past it. Keys at or
 * above the next transaction id are what a restore leaves; on the server that wrote them there are none.
 */
export async function rebaseEventKeys(db: Kysely<Schema>, lockTimeoutMs = 5000): Promise<boolean> {
  // looked at first without a lock: an up-to-date install (every migrate but the one after a restore)
  // never makes writers of events wait
  if ((await keysAhead(db)) === null) return false
  return db.transaction().execute(async (trx) => {
    await sql.raw(`set local lock_timeout = ${Math.max(1, Math.round(lockTimeoutMs))}`).execute(trx)
    await sql`lock table session_events in share mode`.execute(trx)
    const offset = await keysAhead(trx)
    if (offset === null) return false
    await sql`update event_feed_state set key_offset = cast(${offset} as bigint)`.execute(trx)
    return true
  })
}

/** The offset that puts this server's transaction ids above every stored key, or null when they already are. */
async function keysAhead(db: Kysely<Schema>): Promise<string | null> {
  const { rows } = await sql<{ ahead: boolean | number; offset: string }>`
    select newest.tx >= (pg_snapshot_xmax(c.snap)::text::numeric + s.key_offset)::text::xid8 as ahead,
      (newest.tx::text::numeric + 1 - pg_snapshot_xmin(c.snap)::text::numeric)::text as offset
    from event_feed_state s, (select pg_current_snapshot() as snap) c,
      (select tx from session_events order by tx desc limit 1) newest`.execute(db)
  return rows[0]?.ahead === true || rows[0]?.ahead === 1 ? rows[0].offset : null
}
