import type { Command } from 'commander'
import { userInfo } from 'node:os'
import { HaloError } from '../errors.js'
import { fixedClock, parseInstant, systemClock, type Clock } from '../core/clock.js'
import { partyIdProblem } from '../core/ids.js'
import { openDatabase, type HaloDatabase } from '../store/database.js'
import { schemaReport } from '../store/schema-state.js'
import { maskTargetsIn, parseTarget, type Target } from '../store/target.js'
import { invocationOf, type Invocation } from './invocation.js'
import { commandLine } from '../present/shell-word.js'
import { nextCommand } from './next-command.js'
import { oneLine } from './report-error.js'

/** The options every command takes (contract §6), wherever they stand on the line. */
export interface GlobalOptions {
  readonly db?: string
  readonly actor?: string
  readonly json?: boolean
  /** False with `--no-color`. */
  readonly color?: boolean
  readonly debug?: boolean
  /** Times in UTC instead of the business time zone (`--utc`). */
  readonly utc?: boolean
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
  /** Times for people in UTC rather than `business_timezone` (`--utc`; JSON is always UTC). */
  readonly utc: boolean
  /** Where the database is, safe to print: a PostgreSQL password masked, control characters escaped (`oneLine`). */
  readonly target: string
  /** Where the database is, as given, password included: to open it, never to print. */
  readonly openTarget: string
  /** What the target is (an embedded SQLite file or a PostgreSQL server), read by parsing it. */
  readonly parsedTarget: Target
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
   * The database, opened once. Only a command that creates databases (`db migrate`, `demo`,
   * `simulate`: `create: true`) may create a SQLite file; every other one is refused a target holding
   * no halo-admin database (`DATABASE_NOT_FOUND`, exit 3, naming it and how to create it). An older
   * SQLite file is migrated on open; a PostgreSQL database must be migrated with `db migrate` first.
   * `migrate: false` opens it as it is (`db status`, `db migrate`).
   */
  database(options?: { migrate?: boolean; create?: boolean }): Promise<HaloDatabase>
  /** Removes the database password from text about to be printed. */
  scrub(text: string): string
  /** How the person ran halo-admin and in which shell, for commands printed to be pasted (`invocation.ts`). */
  invocation(): Invocation
  close(): Promise<void>
}

/**
 * Masks the database target, as given on the line or in the environment, wherever text echoes it:
 * the whole target is parsed and replaced, never its password searched for (see store/target.ts).
 */
export function targetScrubber(options: GlobalOptions, env: NodeJS.ProcessEnv): (text: string) => string {
  const given = [options.db, env.HALO_DB].filter((t): t is string => typeof t === 'string' && t !== '')
  return (text) => maskTargetsIn(text, given)
}

/**
 * The target of the CLI: `--db`, else `$HALO_DB`, else ./halo.db. A target that would vanish with
 * the process is refused: a write to it would print success and land nowhere (a cron line whose
 * variable is unset, `--db ''`, `:memory:`).
 */
function cliTarget(options: GlobalOptions, env: NodeJS.ProcessEnv): { raw: string; parsed: Target } {
  if (options.db !== undefined && options.db.trim() === '')
    throw new HaloError(
      'INVALID_INPUT',
      '--db is empty: give a SQLite file path or a postgres:// URL (an empty target would be a temporary database that vanishes)',
    )
  if (options.db === undefined && env.HALO_DB !== undefined && env.HALO_DB.trim() === '')
    throw new HaloError(
      'INVALID_INPUT',
      'HALO_DB is set but empty: set it to a SQLite file or a postgres:// URL, or unset it to use ./halo.db (nothing was read or written)',
    )
  const raw = options.db ?? env.HALO_DB ?? './halo.db'
  const parsed = parseTarget(raw)
  // `:MEMORY:` would be a file of that name: a mistake all the same
  if (parsed.engine === 'sqlite' && (parsed.memory || raw.trim().toLowerCase() === ':memory:'))
    throw new HaloError('INVALID_INPUT', ':memory: is a database that vanishes when the command ends: give halo-admin a file path or a postgres:// URL')
  return { raw, parsed }
}

export function createContext(options: GlobalOptions, env: NodeJS.ProcessEnv, io: Streams): CliContext {
  const { raw: rawTarget, parsed } = cliTarget(options, env)
  const scrub = targetScrubber(options, env)
  const clock = clockFrom(env.HALO_NOW)
  let opened: Promise<HaloDatabase> | undefined

  return {
    json: options.json === true,
    color: options.color !== false && !('NO_COLOR' in env && env.NO_COLOR !== '') && io.stdout.isTTY === true,
    debug: options.debug === true || Boolean(env.DEBUG),
    utc: options.utc === true,
    target: oneLine(parsed.display),
    openTarget: rawTarget,
    parsedTarget: parsed,
    targetFrom: options.db !== undefined ? 'option' : env.HALO_DB !== undefined ? 'env' : 'default',
    clock,
    io,
    actor() {
      const actor = options.actor ?? env.HALO_ACTOR ?? osUser()
      const problem = partyIdProblem(actor)
      if (problem !== null) throw new HaloError('INVALID_INPUT', `actor "${actor}": ${problem} (set --actor or HALO_ACTOR)`)
      return actor
    },
    givenActor() {
      return options.actor === undefined ? undefined : this.actor()
    },
    database({ migrate = true, create = false } = {}) {
      opened ??= open(rawTarget, migrate, create).catch((e: unknown) => {
        throw e instanceof HaloError && e.code === 'DATABASE_NOT_FOUND' ? notFound(this, e) : e
      })
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

async function open(target: string, migrate: boolean, create: boolean): Promise<HaloDatabase> {
  // lazy: a command that only reads flags never loads the query builder
  const handle = await openDatabase(target, { lazy: true, create })
  try {
    if (migrate) {
      // A file with someone else's tables (a typo in --db, the wrong file) gets none of ours added; a new,
      // empty file is migrated as the contract says; a shared server is migrated on purpose, with `db migrate`.
      const report = await schemaReport(handle)
      if (report.state === 'foreign')
        throw new HaloError('INVALID_INPUT', `${handle.target} is not a halo-admin database (${report.why}): give --db a halo-admin database or a new file`)
      if (report.state === 'behind' && !handle.engine.embedded)
        throw new HaloError('DB_ERROR', `${handle.target} is not migrated to this version: run \`halo-admin db migrate\` first`)
      if (report.state !== 'current') {
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
 * The one line for a target with no halo-admin database: what it is, why (a variable the shell did not
 * expand), and the command that creates one there, printed without a secret.
 */
function notFound(ctx: CliContext, e: HaloError): HaloError {
  const from = ctx.targetFrom === 'env' ? 'HALO_DB' : '--db'
  if (/\$\{?[A-Za-z_]/.test(ctx.openTarget))
    return new HaloError(
      'DATABASE_NOT_FOUND',
      `${oneLine(e.message)}; ${from} holds "${ctx.target}", a shell variable that was not expanded (single quotes?): give ${from} the database itself`,
      { cause: e },
    )
  const { words, shell } = ctx.invocation()
  const create =
    ctx.targetFrom === 'option' && (ctx.parsedTarget.engine === 'sqlite' || ctx.parsedTarget.password === null)
      ? `\`${nextCommand(ctx, ['db', 'migrate'])}\``
      : `\`${commandLine([...words, 'db', 'migrate'], shell)}\`${ctx.targetFrom === 'option' ? ' with the same --db' : ctx.targetFrom === 'env' ? ' (it reads $HALO_DB)' : ''}`
  const demo = ctx.targetFrom === 'default' ? `, or a demo database with \`${commandLine([...words, 'demo'], shell)}\`` : ''
  return new HaloError('DATABASE_NOT_FOUND', `${oneLine(e.message)}; create one with ${create}${demo}`, { cause: e })
}

/** The global options of the command an action runs for, wherever they were given. */
export function globalsOf(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals<GlobalOptions>()
}
