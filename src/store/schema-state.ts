import { SCHEMA_VERSION } from '../../migrations/schema-version.js'
import type { HaloDatabase } from './database.js'

/** Where a database's schema stands against this version: `behind` includes a new, empty database. */
export type SchemaState = 'current' | 'behind' | 'ahead'

/**
 * Tells whether the database needs `migrateToLatest` with one cheap read and
 * without loading the migrations or the query builder: the CLI asks this on
 * every start. SQLite keeps the count of applied migrations in
 * `user_version`; PostgreSQL is asked for its migration rows.
 *
 * ```ts
 * if ((await schemaState(handle)) !== 'current') await migrateToLatest(handle)
 * ```
 */
export async function schemaState(handle: HaloDatabase): Promise<SchemaState> {
  let applied: number
  if (handle.engineName === 'sqlite') {
    const [row] = await handle.select<{ user_version: number }>('pragma user_version')
    applied = row?.user_version ?? 0
  } else {
    // two reads: a statement naming a table that does not exist fails to plan, even in a branch never taken
    const [table] = await handle.select<{ present: number }>(`select to_regclass('kysely_migration') is not null as present`)
    const [row] = table?.present ? await handle.select<{ applied: number }>('select count(*) as applied from kysely_migration') : []
    applied = Number(row?.applied ?? 0)
  }
  return applied === SCHEMA_VERSION ? 'current' : applied < SCHEMA_VERSION ? 'behind' : 'ahead'
}
