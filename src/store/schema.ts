import type { Generated } from 'kysely'

/** Times are ISO-8601 UTC strings (`2026-11-24T05:00:00.000Z`) on both engines. */
type Time = string
/** SQLite keeps booleans as 0/1, PostgreSQL as booleans; read them with `Boolean()`. */
type Flag = number | boolean

export interface SessionsTable {
  id: Generated<number>
  customer_id: string
  mitra_id: string
  status: string
  started_at: Time
  ends_at: Time
  grace_ends_at: Time | null
  closed_at: Time | null
}

export interface SessionClosuresTable {
  id: Generated<number>
  session_id: number
  /** Denormalised from `sessions` so the cap and the reports read one table. */
  mitra_id: string
  kind: string
  initiated_by: string
  actor_id: string | null
  reason: string | null
  reason_note: string | null
  business_day: string
  over_cap: Flag
  review_id: number | null
  idempotency_key: string | null
  created_at: Time
  grace_ends_at: Time
  finalized_at: Time | null
  /** Who wrote it as the database knows them: `session_user` on PostgreSQL, the OS user on SQLite (migration 0008; null before). */
  authenticated_as: Generated<string | null>
}

export interface CcReviewsTable {
  id: Generated<number>
  mitra_id: string
  business_day: string
  trigger: string
  status: string
  outcome: string | null
  note: string | null
  opened_at: Time
  resolved_at: Time | null
  resolved_by: string | null
  /** Who resolved it as the database knows them (migration 0008; null while open, and before). */
  resolved_authenticated_as: Generated<string | null>
}

export interface SessionGoodbyesTable {
  id: Generated<number>
  session_id: number
  side: string
  actor_id: string
  message: string
  created_at: Time
}

export interface MitraDailyCountsTable {
  mitra_id: string
  business_day: string
  early_end_count: number
}

/**
 * Closures per business day, mitra, initiator and reason: what the closure reports read. Kept by
 * triggers on `session_closures` (migration 0003); never written by the library itself.
 */
export interface ClosureDailyCountsTable {
  business_day: string
  mitra_id: string
  initiated_by: string
  /** '' for closures without a reason. */
  reason: string
  closure_count: number
}

export interface AppConfigTable {
  key: string
  value: string
  updated_at: Time
  updated_by: string
}

export interface ConfigAuditTable {
  id: Generated<number>
  key: string
  old_value: string | null
  new_value: string | null
  actor: string
  note: string | null
  created_at: Time
  /** Who made the change as the database knows them (migration 0008; null before). */
  authenticated_as: Generated<string | null>
}

/** The audit trail of every session state change. */
export interface SessionEventsTable {
  id: Generated<number>
  session_id: number
  event: string
  from_status: string | null
  to_status: string
  actor_type: string
  actor_id: string | null
  created_at: Time
}

/** The rollout cohort (migration 0009): mitras always in, or never in, whatever the percent. */
export interface RolloutCohortTable {
  mitra_id: string
  mode: string
  note: string | null
  set_by: string
  set_at: Time
}

/** One link of the audit hash chain (migration 0008): an audit record, sealed in order. */
export interface AuditChainTable {
  seq: number
  source: string
  row_id: number
  digest: string
  hash: string
  backfilled: Flag
  seal_id: number
}

/** One run of the sealer (`audit verify`): what it chained, and where PostgreSQL's transactions stood. */
export interface AuditSealsTable {
  id: number
  sealed_at: Time
  sealed_by: string | null
  /** PostgreSQL: every transaction below this id had ended (`pg_snapshot_xmin`); null on SQLite. */
  fence: string | null
  /** PostgreSQL: every transaction at or above this id started after the seal (`pg_snapshot_xmax`). */
  horizon: string | null
  first_seq: number
  last_seq: number
  head_hash: string
}

/** The highest id of each audited table when migration 0008 ran: records at or below it are backfilled. */
export interface AuditBackfillTable {
  source: string
  max_id: number
}

/**
 * The library's tables as kysely sees them (contract §8), for queries of your own on `handle.db`.
 * Read them freely; write them only through the services, which keep the invariants.
 *
 * ```ts
 * const closing = await handle.db.selectFrom('sessions').select(['id', 'grace_ends_at']).where('status', '=', 'closing').execute()
 * ```
 */
export interface Schema {
  sessions: SessionsTable
  rollout_cohort: RolloutCohortTable
  session_closures: SessionClosuresTable
  cc_reviews: CcReviewsTable
  session_goodbyes: SessionGoodbyesTable
  mitra_daily_counts: MitraDailyCountsTable
  closure_daily_counts: ClosureDailyCountsTable
  app_config: AppConfigTable
  config_audit: ConfigAuditTable
  session_events: SessionEventsTable
  audit_chain: AuditChainTable
  audit_seals: AuditSealsTable
  audit_backfill: AuditBackfillTable
}
