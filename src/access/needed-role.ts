/**
 * Which role an operation the database refused needs: PostgreSQL refuses with SQLSTATE 42501
 * (`permission denied for table app_config`, or one of migration 0008's triggers saying it itself),
 * and the library answers `FORBIDDEN` naming the role, never `INTERNAL` or a bare driver message.
 */
import { HaloError } from '../errors.js'

/** PostgreSQL's `insufficient_privilege`: a GRANT missing, or a trigger of 0008 refusing. */
export const PERMISSION_DENIED = '42501'

/** The role each of the library's writes needs, named when the database refuses it. */
export const NEEDS = Object.freeze({
  flags: 'halo_ops',
  sealAudit: 'halo_ops',
  endAsSupport: 'halo_support',
  resolveReview: 'halo_support',
  endAsParty: 'halo_app',
  sweep: 'halo_app',
  openSession: 'halo_app',
  goodbye: 'halo_app or halo_support',
})

/** Who may write each table (`halo-admin db roles`); reads need `halo_viewer` or any other halo role. */
export const WRITERS: Readonly<Record<string, string>> = Object.freeze({
  app_config: 'halo_ops',
  config_audit: 'halo_ops',
  audit_chain: 'halo_ops',
  audit_seals: 'halo_ops',
  sessions: 'halo_app (to open, end or sweep sessions) or halo_support (to end one as support)',
  session_closures: 'halo_app (mitra, customer and system ends) or halo_support (ends as support)',
  session_events: 'halo_app or halo_support',
  session_goodbyes: 'halo_app or halo_support',
  mitra_daily_counts: 'halo_app',
  closure_daily_counts: 'halo_app or halo_support',
  cc_reviews: 'halo_support (to resolve a review) or halo_app (to open one)',
  kysely_migration: "the schema's owner (db migrate)",
  kysely_migration_lock: "the schema's owner (db migrate)",
})

const READERS = 'halo_viewer (or any halo_ role)'

/**
 * The `FORBIDDEN` error for a refusal by the database, or null when `e` is not one.
 * `writing`: whether the refused statement ran in a write transaction.
 *
 * ```ts
 * forbiddenFrom({ code: '42501', message: 'permission denied for table app_config' }, { writing: true })?.message
 * // 'permission denied for table app_config: needs role halo_ops'
 * ```
 */
export function forbiddenFrom(e: unknown, need: { readonly writing: boolean; readonly role?: string | undefined }): HaloError | null {
  const err = e as { code?: unknown; message?: unknown } | null
  if (err?.code !== PERMISSION_DENIED) return null
  const message = typeof err.message === 'string' ? err.message : 'permission denied'
  // 0008's triggers name the role themselves
  if (/needs role \w+/.test(message) || /append-only/.test(message)) return new HaloError('FORBIDDEN', message, { cause: e })
  const table = /permission denied for (?:table|relation|sequence) "?(\w+?)(?:_id_seq)?"?$/.exec(message)?.[1]
  const role = need.writing ? (need.role ?? (table === undefined ? undefined : WRITERS[table])) : READERS
  return new HaloError('FORBIDDEN', role === undefined ? `${message} (halo-admin db roles lists what each role may do)` : `${message}: needs role ${role}`, {
    cause: e,
  })
}
