import { Migrator, type Kysely } from 'kysely'
import { MIGRATIONS } from '../../migrations/index.js'
import type { HaloDatabase } from '../../src/index.js'

/** Runs this version's migrations up to and including `name`, as an older halo-admin would have left the database. */
export async function migrateTo(handle: HaloDatabase, name: string): Promise<void> {
  const engine = handle.engineName
  const run = async (db: Kysely<any>) => {
    const migrations = Object.fromEntries(MIGRATIONS.map((m) => [m.name, { up: (d: Kysely<any>) => m.up(d, engine) }]))
    const { error } = await new Migrator({ db, provider: { getMigrations: async () => migrations } }).migrateTo(name)
    if (error !== undefined) throw error
  }
  if (engine === 'sqlite') await handle.write(run)
  else await handle.read(run)
}
