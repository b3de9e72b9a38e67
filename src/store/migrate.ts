import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely'
import { MIGRATIONS } from '../../migrations/index.js'
import { rebaseEventKeys } from '../events/feed-keys.js'
import { schemaReport, stateOf } from './schema-state.js'
import { HaloError } from '../errors.js'
import type { HaloDatabase } from './database.js'
import type { EngineName } from './engine.js'

/**
 * Where the database stands against this version's migrations.
 *
 * ```ts
 * const { applied, pending, unknown } = await migrationStatus(handle)
 * ```
 */
export interface MigrationStatus {
  /** Migrations this database has, oldest first. */
  readonly applied: readonly string[]
  /** Migrations this version knows and the database lacks. */
  readonly pending: readonly string[]
  /** The newest migration this version knows. */
  readonly latest: string
  /** Migrations the database has and this version does not know: a newer halo-admin ran them. */
  readonly unknown: readonly string[]
}

/**
 * What `migrateToLatest` did, and where the database stands after it.
 *
 * ```ts
 * const { ran } = await migrateToLatest(handle)
 * if (ran.length > 0) log.info(`halo-admin migrated: ${ran.join(', ')}`)
 * ```
 */
export interface MigrateResult extends MigrationStatus {
  /** Migrations run by this call (empty when already up to date). */
  readonly ran: readonly string[]
}

const KNOWN = MIGRATIONS.map((m) => m.name)
const LATEST = KNOWN[KNOWN.length - 1]!

function providerFor(engine: EngineName): MigrationProvider {
  return {
    async getMigrations() {
      const out: Record<string, Migration> = {}
      for (const m of MIGRATIONS) out[m.name] = { up: (db) => m.up(db, engine) }
      return out
    },
  }
}

async function appliedNames(db: Kysely<any>): Promise<string[]> {
  try {
    const rows = await db.selectFrom('kysely_migration').select('name').orderBy('name').execute()
    return rows.map((r: { name: string }) => r.name)
  } catch (e) {
    // no migration table yet: a new database
    if (/kysely_migration/.test(String((e as Error).message))) return []
    throw e
  }
}

async function currentSchema(db: Kysely<any>): Promise<string | null> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db)
  return rows[0]?.schema ?? null
}

/** Refuses a database this version must not migrate: a newer halo-admin's (DB_ERROR), or not halo-admin's at all (INVALID_INPUT). */
function refuseOthers(applied: readonly string[], target: string): void {
  const { state, why } = stateOf(applied)
  const unknown = applied.filter((n) => !KNOWN.includes(n))
  if (state === 'ahead') {
    throw new HaloError('DB_ERROR', `the database was migrated by a newer halo-admin (unknown migration ${unknown.join(', ')}); upgrade halo-admin to use it`, {
      details: { unknown },
    })
  }
  if (state === 'foreign') throw new HaloError('INVALID_INPUT', `${target} is not a halo-admin database: ${why}`, { details: { unknown } })
}

/**
 * Where the database stands against this version's migrations; writes nothing.
 *
 * ```ts
 * const { pending } = await migrationStatus(handle)
 * ```
 *
 * @throws HaloError `DB_ERROR`
 */
export async function migrationStatus(handle: HaloDatabase): Promise<MigrationStatus> {
  const applied = await handle.read((db) => appliedNames(db))
  return { applied, pending: KNOWN.filter((n) => !applied.includes(n)), latest: LATEST, unknown: applied.filter((n) => !KNOWN.includes(n)) }
}

/**
 * Brings the schema up to date. Idempotent and safe to call from many
 * processes at once; refuses (`DB_ERROR`) a database migrated by a newer
 * version. A failed migration leaves the database as it was.
 *
 * ```ts
 * const handle = await openDatabase('halo.db')
 * await migrateToLatest(handle)
 * ```
 *
 * @throws HaloError `INVALID_INPUT` (not a halo-admin database: another application's tables or
 *   migration record); `DB_ERROR` (migrated by a newer version, a failed migration, the database unavailable)
 */
export async function migrateToLatest(handle: HaloDatabase): Promise<MigrateResult> {
  // a file of someone else's tables (SQLite) gets none of ours added; a foreign migration record is refused below
  const report = await schemaReport(handle)
  if (report.state === 'foreign') throw new HaloError('INVALID_INPUT', `${handle.target} is not a halo-admin database: ${report.why}`)
  // SQLite: one writer transaction around the run; PostgreSQL: kysely's migrator takes a table lock and runs
  // in a transaction, on one connection whose search path is the library's schema (Engine.runMigrations)
  return handle.read(() => handle.engine.runMigrations((db) => run(db, handle.engineName, handle.target)))
}

async function run(db: Kysely<any>, engine: EngineName, target: string): Promise<MigrateResult> {
  const before = await appliedNames(db)
  refuseOthers(before, target)
  let ran: string[] = []
  if (before.length < KNOWN.length) {
    // Unless told a schema, kysely's migrator takes a kysely_migration table in any schema for its own:
    // the backend's (it may migrate with kysely too) or an earlier install's in public would pass for
    // ours, and the run would then fail on tables the search path does not reach. Ours are where the
    // search path puts the library's tables (Engine.runMigrations).
    const schema = engine === 'postgres' ? await currentSchema(db) : null
    const migrator = new Migrator({ db, provider: providerFor(engine), ...(schema === null ? {} : { migrationTableSchema: schema }) })
    const { error, results } = await migrator.migrateToLatest()
    if (error !== undefined) {
      const failed = results?.find((r) => r.status === 'Error')?.migrationName
      if (error instanceof HaloError) throw error
      const described = (error as Error).message
      throw new HaloError('DB_ERROR', `migration ${failed ?? ''} failed: ${described}`.replace('  ', ' '), { cause: error })
    }
    ran = (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
  }
  if (engine === 'sqlite') {
    // set only when it differs: writing it, even unchanged, rewrites the file's header, and an up-to-date database stays as it was
    const { rows } = await sql<{ user_version: number }>`pragma user_version`.execute(db)
    if (rows[0]?.user_version !== KNOWN.length) await sql.raw(`pragma user_version = ${KNOWN.length}`).execute(db)
  }
  // a dump restored into another cluster: the feed's keys put after its history (src/events/feed-keys.ts)
  if (engine === 'postgres') await rebaseEventKeys(db)
  // Another process may have run what was pending while we waited for the migration lock: ask again.
  const applied = before.length < KNOWN.length ? await appliedNames(db) : before
  return { applied, pending: [], latest: LATEST, unknown: [], ran }
}
