import type { Kysely } from 'kysely'
import { HaloError } from '../errors.js'
import type { Engine, EngineName } from './engine.js'
import { loadQueryBuilder } from './query-builder.js'
import type { Schema } from './schema.js'

/** An open database: SQLite file, `:memory:` or a PostgreSQL pool. Pass it to the `create…` factories. */
export interface HaloDatabase {
  readonly engineName: EngineName
  /** Where it points, with any password masked: safe to print. */
  readonly target: string
  /** The kysely instance, for queries of your own (with `lazy`: only after the first `read` or `write`). */
  readonly db: Kysely<Schema>
  /** @internal the engine seam, used by the services. */
  readonly engine: Engine
  /** Runs `fn` in a write transaction; database failures become `DB_ERROR`. */
  write<T>(fn: (trx: Kysely<Schema>) => Promise<T>): Promise<T>
  /** Runs a read; database failures become `DB_ERROR`. */
  read<T>(fn: (db: Kysely<Schema>) => Promise<T>): Promise<T>
  /**
   * @internal One plain SQL read without values, outside any transaction and
   * without loading the query builder; database failures become `DB_ERROR`.
   */
  select<R>(sqlText: string): Promise<R[]>
  close(): Promise<void>
}

export interface OpenOptions {
  /** Connections in the PostgreSQL pool (default 10). */
  readonly poolSize?: number
  /** Open a SQLite file read-only. */
  readonly readonly?: boolean
  /**
   * How long a write waits for a lock another connection holds before `DB_ERROR` (busy): SQLite's busy
   * timeout, PostgreSQL's `lock_timeout` (unless the URL sets `options`). Default 5000 ms.
   */
  readonly busyTimeoutMs?: number
  /**
   * Load the query builder (kysely, ~100 ms) only when the first `read` or
   * `write` needs it, not now: for short-lived processes that may only read
   * flags, such as `halo-admin flag get`.
   */
  readonly lazy?: boolean
}

const PG_URL = /^postgres(ql)?:\/\//i

/**
 * A password written into a URL, `scheme://user:password@`, wherever it stands in the text: a target
 * mistyped as a file path (`postgres:/u:pw@h`, ` postgres://…`, `--db=postgres://…` given to --db) or
 * an argument echoed back (`--dbb=postgres://u:pw@h`) still carries it. Every part is bounded (user
 * and password up to 256 characters) and a scheme starts only where a word does, so a 100 kB argument
 * costs linear time, not quadratic.
 */
const URL_PASSWORD = /(?<![a-z0-9+.-])((?:[a-z][a-z0-9+.-]{0,30}:\/\/|postgres(?:ql)?:\/?)[^:/@\s]{0,256}):([^/\s]{0,256})@/gi
const PASSWORD_PARAM = /([?&]password=)([^&#\s]*)/gi

/** `postgres://user:secret@host/db` becomes `postgres://user:***@host/db`; so does any other text holding a URL password. */
export function redactTarget(target: string): string {
  return target.replace(URL_PASSWORD, '$1:***@').replace(PASSWORD_PARAM, '$1***')
}

/**
 * The passwords `text` holds as URL credentials or a `password=` parameter (as written and
 * percent-decoded, longest first), to keep them out of anything printed; none for a plain path.
 */
export function secretsIn(text: string): string[] {
  const found = [...text.matchAll(URL_PASSWORD), ...text.matchAll(PASSWORD_PARAM)].map((m) => m[2]!).filter((p) => p !== '')
  const decoded = found.map((p) => {
    try {
      return decodeURIComponent(p)
    } catch {
      return p
    }
  })
  return [...new Set([...found, ...decoded])].sort((a, b) => b.length - a.length)
}

/** `text` with every one of `secrets` replaced by `***`. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  return secrets.reduce((t, s) => t.split(s).join('***'), text)
}

/**
 * Opens the database the library works on: a SQLite file path (created when
 * missing), `':memory:'`, or a `postgres://` URL. Defaults to `$HALO_DB`,
 * then `./halo.db`. Call `migrateToLatest` before first use.
 *
 * ```ts
 * const handle = await openDatabase(process.env.DATABASE_URL) // or 'halo.db'
 * await migrateToLatest(handle)
 * ```
 */
export async function openDatabase(target?: string, options: OpenOptions = {}): Promise<HaloDatabase> {
  const where = target ?? process.env.HALO_DB ?? './halo.db'
  const shown = redactTarget(where)
  const secrets = secretsIn(where)
  let engine: Engine
  try {
    if (PG_URL.test(where)) {
      const { openPostgres } = await import('./postgres/postgres-engine.js')
      engine = openPostgres(where, options)
    } else {
      const { openSqlite } = await import('./sqlite/sqlite-engine.js')
      engine = openSqlite(where, options)
    }
  } catch (e) {
    throw new HaloError('DB_ERROR', scrubSecrets(`cannot open database ${shown}: ${(e as Error).message}`, secrets), { cause: e })
  }
  if (options.lazy !== true) await loadQueryBuilder()
  return makeHandle(engine, shown, secrets)
}

function makeHandle(engine: Engine, target: string, secrets: readonly string[]): HaloDatabase {
  const mapError = (e: unknown): unknown => {
    if (e instanceof HaloError) return e
    const described = engine.describeError(e)
    if (described === null) return e
    return new HaloError('DB_ERROR', scrubSecrets(`${target}: ${described}`, secrets), { cause: e })
  }
  return Object.freeze({
    engineName: engine.name,
    target,
    get db() {
      return engine.db
    },
    engine,
    async write<T>(fn: (trx: Kysely<Schema>) => Promise<T>): Promise<T> {
      await loadQueryBuilder()
      try {
        return await engine.writeTransaction(fn)
      } catch (e) {
        throw mapError(e)
      }
    },
    async read<T>(fn: (db: Kysely<Schema>) => Promise<T>): Promise<T> {
      await loadQueryBuilder()
      try {
        return await fn(engine.db)
      } catch (e) {
        throw mapError(e)
      }
    },
    async select<R>(sqlText: string): Promise<R[]> {
      try {
        return await engine.selectAll<R>(sqlText)
      } catch (e) {
        throw mapError(e)
      }
    },
    close: () => engine.close(),
  })
}
