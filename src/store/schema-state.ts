import { SCHEMA_VERSION } from '../../migrations/schema-version.js'
import type { HaloDatabase } from './database.js'

/** Where a database's schema stands against this version: `behind` includes a new, empty database. */
export type SchemaState = 'current' | 'behind' | 'ahead'

const MIGRATION_TABLE_PRESENT = {
  sqlite: `select count(*) as present from sqlite_master where type = 'table' and name = 'kysely_migration'`,
  postgres: `select to_regclass('kysely_migration') is not null as present`,
}

/**
 * Tells whether the database needs `migrateToLatest`, with two cheap reads
 * and without loading the migrations or the query builder: the CLI asks this
 * on every start. A database a newer halo-admin migrated is `ahead`.
 *
 * ```ts
 * if ((await schemaState(handle)) !== 'current') await migrateToLatest(handle)
 * ```
 */
export async function schemaState(handle: HaloDatabase): Promise<SchemaState> {
  // two reads: a statement naming a table that does not exist fails to prepare, even in a branch never taken
  const [table] = await handle.select<{ present: number }>(MIGRATION_TABLE_PRESENT[handle.engineName])
  const [row] = table?.present ? await handle.select<{ applied: number }>('select count(*) as applied from kysely_migration') : []
  const applied = Number(row?.applied ?? 0)
  return applied === SCHEMA_VERSION ? 'current' : applied < SCHEMA_VERSION ? 'behind' : 'ahead'
}
