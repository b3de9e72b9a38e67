import { MIGRATION_NAMES } from '../../migrations/schema-version.js'
import type { HaloDatabase } from './database.js'

/**
 * Where a database's schema stands against this version:
 * - `current`: every migration of this version, nothing else;
 * - `behind`: a prefix of them (a new, empty database included);
 * - `ahead`: all of them and more, from a newer halo-admin;
 * - `foreign`: not a halo-admin database: a migration record of another application's, or (a SQLite
 *   file) tables and no migration record at all. Nothing should add halo-admin's tables to it.
 *
 * ```ts
 * const state: SchemaState = await schemaState(handle)
 * ```
 */
export type SchemaState = 'current' | 'behind' | 'ahead' | 'foreign'

export interface SchemaReport {
  readonly state: SchemaState
  /** The migrations recorded, oldest first. */
  readonly applied: readonly string[]
  /** For `foreign`: what makes it someone else's, in a few words. */
  readonly why?: string
}

/**
 * Reads what the database holds with plain SQL, without loading the migrations or the query
 * builder: the CLI asks this on every start.
 */
export async function schemaReport(handle: HaloDatabase): Promise<SchemaReport> {
  const probe = handle.engine.schemaProbe
  // two reads: a statement naming a table that does not exist fails to prepare, even in a branch never taken
  const [present] = await handle.select<{ migrations: number | boolean; tables: number }>(probe)
  if (!present?.migrations) {
    if (handle.engine.embedded && Number(present?.tables ?? 0) > 0)
      return { state: 'foreign', applied: [], why: `${present?.tables} table(s) halo-admin did not create, and no halo-admin migration record` }
    return { state: 'behind', applied: [] }
  }
  const rows = await handle.select<{ name: string }>(`select name from ${handle.engine.table('kysely_migration')} order by name`)
  const applied = rows.map((r) => r.name)
  return { applied, ...stateOf(applied) }
}

/** Where a list of recorded migrations stands against this version's. */
export function stateOf(applied: readonly string[]): { state: SchemaState; why?: string } {
  const ours = applied.filter((n) => MIGRATION_NAMES.includes(n))
  const prefix = applied.every((n, i) => n === MIGRATION_NAMES[i])
  if (prefix && applied.length === MIGRATION_NAMES.length) return { state: 'current' }
  if (prefix) return { state: 'behind' }
  // every migration of ours first, then names of the same kind: a newer halo-admin's
  const newer = MIGRATION_NAMES.every((n, i) => applied[i] === n) && applied.slice(MIGRATION_NAMES.length).every((n) => /^\d{4}-[a-z0-9-]+$/.test(n))
  if (newer) return { state: 'ahead' }
  const others = applied.filter((n) => !MIGRATION_NAMES.includes(n))
  return {
    state: 'foreign',
    why: `its kysely_migration table records another application's migrations (${others.slice(0, 3).join(', ')}${others.length > 3 ? ', …' : ''})${ours.length > 0 ? ' beside some of halo-admin' : ''}`,
  }
}

/**
 * Tells whether the database needs `migrateToLatest`, cheaply and without loading kysely. A database a
 * newer halo-admin migrated is `ahead`; one that is not halo-admin's is `foreign`.
 *
 * ```ts
 * if ((await schemaState(handle)) === 'behind') await migrateToLatest(handle)
 * ```
 *
 * @throws HaloError `DB_ERROR`
 */
export async function schemaState(handle: HaloDatabase): Promise<SchemaState> {
  return (await schemaReport(handle)).state
}
