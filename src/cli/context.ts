import type { Command } from 'commander'
import { userInfo } from 'node:os'
import { HaloError } from '../errors.js'
import { fixedClock, parseInstant, systemClock, type Clock } from '../core/clock.js'
import { isPartyId, PARTY_ID_MESSAGE } from '../core/ids.js'
import { openDatabase, redactTarget, scrubSecrets, secretsIn, type HaloDatabase } from '../store/database.js'
import { schemaState } from '../store/schema-state.js'
import { invocationOf, type Invocation } from './invocation.js'
import { oneLine } from './report-error.js'

/** The options every command takes (contract §6), wherever they stand on the line. */
export interface GlobalOptions {
  readonly db?: string
  readonly actor?: string
  readonly json?: boolean
  /** False with `--no-color`. */
  readonly color?: boolean
  readonly debug?: boolean
}

export interface Streams {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean }
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean }
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean }
}

/**
 * What an action needs from the world: the global options resolved against
 * the environment, the clock, the database (opened on first use, migrated
 * when it is a SQLite file), and where to print. Actions never read
 * `process.env` or open databases themselves.
 */
export interface CliContext {
  readonly json: boolean
  readonly color: boolean
  readonly debug: boolean
  /** Where the database is, safe to print: a PostgreSQL password masked, control characters escaped (`oneLine`). */
  readonly target: string
  /** Where the database is, as given, password included: to open it, never to print. */
  readonly openTarget: string
  /** Where the target came from: `--db`, `$HALO_DB`, or the default ./halo.db. */
  readonly targetFrom: 'option' | 'env' | 'default'
  readonly clock: Clock
  readonly io: Streams
  /** The operator: `--actor`, `$HALO_ACTOR` or the OS user; INVALID_INPUT when it is not a valid id. */
  actor(): string
  /**
   * `--actor` when it was given on the command line (not `$HALO_ACTOR` or the
   * OS user), checked as `actor()` checks it: `session end --as mitra` acts as
   * the session's own mitra unless this names someone else.
   */
  givenActor(): string | undefined
  /**
   * The database, opened once. A SQLite file is created and migrated on first
   * use; a PostgreSQL database must be migrated with `db migrate` first.
   * `migrate: false` opens it as it is (`db status`, `db migrate`).
   */
  database(options?: { migrate?: boolean }): Promise<HaloDatabase>
  /** Removes the database password from text about to be printed. */
  scrub(text: string): string
  /** How the person ran halo-admin and in which shell, for commands printed to be pasted (`invocation.ts`). */
  invocation(): Invocation
  close(): Promise<void>
}

export function createContext(options: GlobalOptions, env: NodeJS.ProcessEnv, io: Streams): CliContext {
  const rawTarget = options.db ?? env.HALO_DB ?? './halo.db'
  const secrets = secretsIn(rawTarget)
  const scrub = (text: string) => scrubSecrets(text, secrets)
  const clock = clockFrom(env.HALO_NOW)
  let opened: Promise<HaloDatabase> | undefined

  return {
    json: options.json === true,
    color: options.color !== false && !('NO_COLOR' in env && env.NO_COLOR !== '') && io.stdout.isTTY === true,
    debug: options.debug === true || Boolean(env.DEBUG),
    target: oneLine(redactTarget(rawTarget)),
    openTarget: rawTarget,
    targetFrom: options.db !== undefined ? 'option' : env.HALO_DB !== undefined ? 'env' : 'default',
    clock,
    io,
    actor() {
      const actor = options.actor ?? env.HALO_ACTOR ?? osUser()
      if (!isPartyId(actor)) throw new HaloError('INVALID_INPUT', `actor "${actor}": ${PARTY_ID_MESSAGE} (set --actor or HALO_ACTOR)`)
      return actor
    },
    givenActor() {
      return options.actor === undefined ? undefined : this.actor()
    },
    database({ migrate = true } = {}) {
      opened ??= open(rawTarget, migrate)
      return opened
    },
    scrub,
    invocation: () => invocationOf(env, process.argv[1], process.cwd(), process.execPath),
    async close() {
      const handle = await opened?.catch(() => undefined)
      await handle?.close()
    },
  }
}

function clockFrom(now: string | undefined): Clock {
  if (now === undefined || now === '') return systemClock
  if (parseInstant(now) === null)
    throw new HaloError('INVALID_INPUT', `HALO_NOW "${now}" is not an ISO-8601 time with a zone up to 9998-12-31, e.g. 2026-11-24T16:59:59Z`)
  return fixedClock(now)
}

function osUser(): string {
  try {
    return userInfo().username
  } catch {
    return ''
  }
}

async function open(target: string, migrate: boolean): Promise<HaloDatabase> {
  // lazy: a command that only reads flags never loads the query builder
  const handle = await openDatabase(target, { lazy: true })
  try {
    if (migrate) {
      const state = await schemaState(handle)
      if (state === 'behind' && handle.engineName === 'postgres')
        throw new HaloError('DB_ERROR', `${handle.target} is not migrated to this version: run \`halo-admin db migrate\` first`)
      if (state === 'behind') await refuseForeign(handle)
      if (state !== 'current') {
        // a new or older SQLite file is brought up to date; a newer one is refused there
        const { migrateToLatest } = await import('../store/migrate.js')
        await migrateToLatest(handle)
      }
    }
    return handle
  } catch (e) {
    await handle.close()
    throw e
  }
}

/**
 * A SQLite file with tables and no migration record is someone else's
 * database (a typo in --db, the wrong file): halo-admin's tables are not added
 * to it. A new, empty file is migrated as the contract says.
 */
async function refuseForeign(handle: HaloDatabase): Promise<void> {
  const [row] = await handle.select<{ tables: number; ours: number }>(
    `select count(*) as tables, count(*) filter (where name = 'kysely_migration') as ours from sqlite_master where type = 'table'`,
  )
  if (row !== undefined && row.tables > 0 && row.ours === 0)
    throw new HaloError(
      'INVALID_INPUT',
      `${handle.target} holds ${row.tables} table(s) halo-admin did not create: not adding halo-admin's to it (give --db a halo-admin database or a new file)`,
    )
}

/** The global options of the command an action runs for, wherever they were given. */
export function globalsOf(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals<GlobalOptions>()
}
