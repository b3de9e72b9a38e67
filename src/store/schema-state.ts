import { MIGRATION_NAMES } from '../../migrations/schema-version.js'
import { HaloError } from '../errors.js'
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
  const [present] = await handle.select<SchemaProbeRow>(probe)
  if (present?.denied)
    throw new HaloError('FORBIDDEN', `${handle.target}: the database role may not use schema ${present.denied} (no USAGE): ask its owner to grant it`)
  if (!present?.migrations) {
    const system = systemSchemaProblem(present)
    if (system !== null) return { state: 'foreign', applied: [], why: system }
    const tables = Number(present?.tables ?? 0)
    if (tables > 0) {
      const names = present?.names ? ` (${present.names}${tables > 6 ? ', …' : ''})` : ''
      const where = present?.schema ? `schema ${present.schema} holds` : ''
      const advice = present?.schema ? `; give halo-admin a schema of its own (?schema=halo in the URL)` : ''
      return {
        state: 'foreign',
        applied: [],
        why: `${where || ''}${where ? ' ' : ''}${tables} table(s) halo-admin did not create${names}, and no halo-admin migration record${advice}`,
      }
    }
    return { state: 'behind', applied: [] }
  }
  const rows = await handle.select<{ name: string }>(`select name from ${handle.engine.table('kysely_migration')} order by name`)
  const applied = rows.map((r) => r.name)
  return { applied, ...stateOf(applied) }
}

/** What `Engine.schemaProbe` returns: PostgreSQL adds the schema's name and its first tables. */
interface SchemaProbeRow {
  readonly migrations: number | boolean
  readonly tables: number | string
  readonly names?: string | null
  readonly schema?: string | null
  /** A schema the role may not use (no USAGE), where that is why nothing can be seen. */
  readonly denied?: string | null
}

/** Schemas of the server itself: `pg_dump` skips them, and the library's tables never go there. */
const SYSTEM_SCHEMA = /^(pg_|information_schema$)/i

function systemSchemaProblem(row: SchemaProbeRow | undefined): string | null {
  if (row === undefined || !('schema' in row)) return null
  if (row.schema === null || row.schema === undefined) return 'no schema to install into: the search path names none that exists (give ?schema=halo)'
  if (SYSTEM_SCHEMA.test(row.schema)) return `${row.schema} is a system schema (pg_dump skips it): give halo-admin a schema of its own (?schema=halo)`
  return null
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
