/**
 * The PostgreSQL roles of contract §4c, as SQL: `halo-admin db roles` prints it, `--apply` runs it.
 * NOLOGIN group roles; people and the backend log in as roles of their own that are members of one
 * (`create role alice login in role halo_ops`). Table grants give each role what it reads and
 * writes; where a grant is too coarse, migration 0008's triggers hold it to its part (only halo_ops
 * changes flags, only halo_support ends as support, the audit records are append-only).
 */
import { HaloError } from '../errors.js'
import type { HaloDatabase } from '../store/database.js'
import { loadQueryBuilder } from '../store/query-builder.js'

/**
 * The roles, in the order `db roles` lists them, with what each may do.
 *
 * ```ts
 * HALO_ROLES.map((r) => r.name) // ['halo_ops', 'halo_support', 'halo_viewer', 'halo_app']
 * ```
 */
export const HALO_ROLES = Object.freeze([
  { name: 'halo_ops', may: 'change flags (rollout and guard too), seal the audit chain; and read everything' },
  { name: 'halo_support', may: 'end sessions as support, post goodbyes, resolve reviews; and read everything' },
  { name: 'halo_viewer', may: 'read: flags and their history, sessions, reports, reviews, events, audit verify' },
  { name: 'halo_app', may: 'what the backend does: open sessions, mitra and customer ends, goodbyes, sweeps, the feed' },
] as const)

/**
 * One of the four roles' names.
 *
 * ```ts
 * const role: HaloRoleName = 'halo_viewer'
 * ```
 */
export type HaloRoleName = (typeof HALO_ROLES)[number]['name']

const ALL = HALO_ROLES.map((r) => r.name).join(', ')

/**
 * The statements that create the roles (when missing) and grant them their rights on `schema`'s
 * objects; idempotent, so running them again after a migration grants the new tables too.
 *
 * ```ts
 * rolesSql('halo').join(';\n')
 * ```
 */
export function rolesSql(schema: string): string[] {
  const s = `"${schema.replaceAll('"', '""')}"`
  const t = (name: string) => `${s}.${name}`
  const create = HALO_ROLES.map(
    (r) =>
      `  if not exists (select 1 from pg_roles where rolname = '${r.name}') then\n    begin create role ${r.name} nologin; exception when duplicate_object or unique_violation then null; end;\n  end if;`,
  ).join('\n')
  return [
    `-- the roles are the cluster's: created once, shared by every schema halo-admin lives in`,
    `do $$ begin\n${create}\nend $$`,
    `grant usage on schema ${s} to ${ALL}`,
    `-- every role reads everything (the audit included); halo_viewer does nothing else`,
    `grant select on all tables in schema ${s} to ${ALL}`,
    `alter default privileges in schema ${s} grant select on tables to ${ALL}`,
    `grant usage on all sequences in schema ${s} to halo_ops, halo_support, halo_app`,
    `-- halo_ops: flags and their history; sealing the audit chain (audit verify)`,
    `grant insert, update, delete on ${t('app_config')}, ${t('rollout_cohort')} to halo_ops`,
    `grant insert on ${t('config_audit')}, ${t('audit_chain')}, ${t('audit_seals')} to halo_ops`,
    `-- an early end holds app_config in SHARE mode, which takes the UPDATE right: app_config's trigger refuses their changes`,
    `grant update on ${t('app_config')} to halo_support, halo_app`,
    `-- halo_support: end as support (the closure trigger refuses any other initiator), goodbyes, resolve reviews (once)`,
    `grant update (status, grace_ends_at) on ${t('sessions')} to halo_support`,
    `grant insert on ${t('session_closures')}, ${t('session_events')}, ${t('session_goodbyes')}, ${t('cc_reviews')} to halo_support`,
    `grant update (status, outcome, note, resolved_at, resolved_by, resolved_authenticated_as) on ${t('cc_reviews')} to halo_support`,
    `grant insert, update (early_end_count) on ${t('mitra_daily_counts')} to halo_support`,
    `grant insert, update (closure_count) on ${t('closure_daily_counts')} to halo_support`,
    `-- halo_app: open sessions, mitra and customer ends, goodbyes, sweeps (finalized_at only), open reviews, the feed`,
    `grant insert, update (status, grace_ends_at, closed_at) on ${t('sessions')} to halo_app`,
    `grant insert, update (finalized_at) on ${t('session_closures')} to halo_app`,
    `grant insert on ${t('session_events')}, ${t('session_goodbyes')}, ${t('cc_reviews')} to halo_app`,
    `grant insert, update (early_end_count) on ${t('mitra_daily_counts')} to halo_app`,
    `grant insert, update (closure_count) on ${t('closure_daily_counts')} to halo_app`,
    `-- the guard switches early ends off from inside an early end: exactly that, nothing else on app_config`,
    `grant execute on function ${t('halo_switch_off_mitra_early_end')}(text, text, timestamptz) to halo_app`,
  ]
}

/** The schema the library lives in, as the database names it. */
export async function librarySchema(handle: HaloDatabase): Promise<string> {
  const qualified = /^"((?:[^"]|"")+)"\./.exec(handle.engine.table('x'))
  if (qualified !== null) return qualified[1]!.replaceAll('""', '"')
  const rows = await handle.select<{ schema: string }>('select current_schema() as schema')
  return rows[0]!.schema
}

function refuseSqlite(handle: HaloDatabase): void {
  if (handle.engine.embedded)
    throw new HaloError(
      'INVALID_INPUT',
      `db roles is for PostgreSQL: a SQLite file has no roles, its permissions are the access control (chmod 600 ${handle.target})`,
    )
}

/**
 * The roles' SQL for this database.
 *
 * ```ts
 * const { statements } = await describeRoles(handle)
 * ```
 * @throws HaloError `INVALID_INPUT` (SQLite); `DB_ERROR`
 */
export async function describeRoles(handle: HaloDatabase): Promise<{ schema: string; statements: string[] }> {
  refuseSqlite(handle)
  const schema = await librarySchema(handle)
  return { schema, statements: rolesSql(schema) }
}

/**
 * Creates the roles (when missing) and grants them, in one transaction; idempotent. Needs a role
 * with CREATEROLE that owns the schema's tables (the one that ran `db migrate`).
 *
 * ```ts
 * await applyRoles(handle) // then: create role alice login in role halo_ops
 * ```
 * @throws HaloError `INVALID_INPUT` (SQLite); `FORBIDDEN` (not allowed to create roles or grant); `DB_ERROR`
 */
export async function applyRoles(handle: HaloDatabase): Promise<{ schema: string; statements: string[] }> {
  const described = await describeRoles(handle)
  const { sql } = await loadQueryBuilder()
  await handle.write(async (trx) => {
    for (const statement of described.statements) if (!statement.startsWith('--')) await sql.raw(statement).execute(trx)
  })
  return described
}
