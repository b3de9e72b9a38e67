/** The queries of the guard: what it measures, and the switch-off it writes. No rules here. */
import type { Kysely } from 'kysely'
import { GUARD_WINDOW_MS, type GuardMeasures } from '../core/guard-rules.js'
import { DAILY_CAP_TRIGGER } from '../core/vocabulary.js'
import { eventRow, insertEvents } from '../closure/closure-repository.js'
import { insertAudit, lockedFlagValue, storeFlag } from '../config/config-repository.js'
import type { Engine } from '../store/engine.js'
import type { Schema } from '../store/schema.js'

/**
 * The guard's measures as of `now` (inside a transaction: what it has written counts). The closures of
 * the last hour, and those by mitras, come from one range of `session_closures_created_at_initiator`
 * (migration 0009), the reviews of the day from `cc_reviews_day_trigger`: the cost follows one hour's
 * closures and one day's reviews, never the tables.
 */
export async function measureGuard(db: Kysely<Schema>, now: Date, day: string): Promise<GuardMeasures> {
  const since = new Date(now.getTime() - GUARD_WINDOW_MS).toISOString()
  const row = await db
    .selectNoFrom((eb) => [
      eb
        .selectFrom('session_closures')
        .select((e) => e.fn.countAll().as('n'))
        .where('created_at', '>', since)
        .as('ended'),
      eb
        .selectFrom('session_closures')
        .select((e) => e.fn.countAll().as('n'))
        .where('created_at', '>', since)
        .where('initiated_by', '=', 'mitra')
        .as('mitra'),
      eb
        .selectFrom('cc_reviews')
        .select((e) => e.fn.countAll().as('n'))
        .where('business_day', '=', day)
        .where('trigger', '=', DAILY_CAP_TRIGGER)
        .as('reviews'),
    ])
    .executeTakeFirstOrThrow()
  return { endedLastHour: Number(row.ended ?? 0), mitraEarlyEndsLastHour: Number(row.mitra ?? 0), reviewsOpenedToday: Number(row.reviews ?? 0) }
}

/** The actor the guard's changes are audited as. */
export const GUARD_ACTOR = 'guard'
/** The lifecycle event the guard's switch-off publishes, on the session whose early end tripped it. */
export const GUARD_EVENT = 'guard_tripped'

/**
 * Switches `early_end_mitra_enabled` off as the guard, in the transaction of the early end that reached
 * a threshold: the flag, its audit row (actor `guard`, the note naming the threshold and its measure)
 * and a lifecycle event on that session (actor type `guard`, actor id the threshold's name), so the feed
 * and `events --follow` show it. On PostgreSQL the flag's update waits for every other early end holding
 * `app_config` (SHARE) to commit, and holds new ones back until this commits: they then read the flag
 * off. False when the flag was already off (nothing written).
 */
export async function switchOffByGuard(
  trx: Kysely<Schema>,
  engine: Engine,
  trip: { sessionId: number; threshold: string; note: string; at: string },
): Promise<boolean> {
  const key = 'early_end_mitra_enabled'
  const old = await lockedFlagValue(trx, engine, key)
  if (old !== 'true') return false
  if (engine.storedFunctions) {
    // halo_app (the backend's role, issue 22) may change nothing on app_config but this, through
    // migration 0008's function: the same update and audit row, made as the schema's owner
    const { sql } = await import('kysely')
    await sql`select ${sql.raw(engine.table('halo_switch_off_mitra_early_end'))}(${GUARD_ACTOR}, ${trip.note}, ${trip.at}::timestamptz)`.execute(trx)
  } else {
    await storeFlag(trx, key, 'false', true, trip.at, GUARD_ACTOR)
    await insertAudit(trx, { key, old_value: old, new_value: 'false', actor: GUARD_ACTOR, note: trip.note, created_at: trip.at })
  }
  await insertEvents(trx, engine, [eventRow(trip.sessionId, GUARD_EVENT, 'closing', 'closing', GUARD_ACTOR, trip.threshold, trip.at)])
  return true
}

/** The guard's last switch-off: when, and its note; undefined when it never acted. */
export function lastGuardTrip(db: Kysely<Schema>) {
  return db
    .selectFrom('config_audit')
    .select(['created_at', 'note'])
    .where('key', '=', 'early_end_mitra_enabled')
    .where('actor', '=', GUARD_ACTOR)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst()
}
