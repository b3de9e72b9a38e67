/** The queries of the rollout cohort: no rules here, only reads and writes of `rollout_cohort`. */
import type { Kysely, Selectable } from 'kysely'
import { statusIn } from '../closure/closure-repository.js'
import { osIdentity } from '../access/identity.js'
import { LIVE_STATUSES } from '../core/vocabulary.js'
import type { Engine } from '../store/engine.js'
import type { RolloutCohortTable, Schema } from '../store/schema.js'

export type CohortRow = Selectable<RolloutCohortTable>

/** The audit key a cohort change is recorded under in `config_audit`. */
export const COHORT_AUDIT_KEY = 'early_end_mitra_cohort'

/** The cohort rows of these mitras, locked for the change about to be made. */
export function lockedMembers(trx: Kysely<Schema>, engine: Engine, mitraIds: readonly string[]): Promise<CohortRow[]> {
  return engine
    .lockForUpdate(
      trx
        .selectFrom('rollout_cohort')
        .selectAll()
        .where('mitra_id', 'in', [...mitraIds]),
    )
    .execute()
}

export async function upsertMember(trx: Kysely<Schema>, row: CohortRow): Promise<void> {
  await trx
    .insertInto('rollout_cohort')
    .values(row)
    .onConflict((oc) => oc.column('mitra_id').doUpdateSet({ mode: row.mode, note: row.note, set_by: row.set_by, set_at: row.set_at }))
    .execute()
}

export async function deleteMember(trx: Kysely<Schema>, mitraId: string): Promise<void> {
  await trx.deleteFrom('rollout_cohort').where('mitra_id', '=', mitraId).execute()
}

/** Records one mitra's membership change in `config_audit`; returns its id. */
export async function insertCohortAudit(
  trx: Kysely<Schema>,
  row: { old_value: string; new_value: string; actor: string; note: string | null; created_at: string },
): Promise<number> {
  return (
    (
      await trx
        .insertInto('config_audit')
        // on SQLite the OS user; PostgreSQL's trigger puts session_user there instead (migration 0008)
        .values({ key: COHORT_AUDIT_KEY, ...row, authenticated_as: osIdentity() })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id
  )
}

/** The mitras with a live session, from the partial index of live sessions. */
export async function liveMitras(db: Kysely<Schema>): Promise<string[]> {
  const rows = await db.selectFrom('sessions').select('mitra_id').distinct().where(statusIn(LIVE_STATUSES)).execute()
  return rows.map((r) => r.mitra_id)
}

/** Every member, by mitra id. */
export function allMembers(db: Kysely<Schema>): Promise<CohortRow[]> {
  return db.selectFrom('rollout_cohort').selectAll().orderBy('mitra_id').execute()
}
