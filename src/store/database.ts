import { AsyncLocalStorage } from 'node:async_hooks'
import { existsSync } from 'node:fs'
import type { Kysely } from 'kysely'
import { forbiddenFrom } from '../access/needed-role.js'
import { HaloError } from '../errors.js'
import type { Engine, EngineName, HotTransaction, WriteOptions } from './engine.js'
import { builderTransaction } from './hot-transaction.js'
import { loadQueryBuilder, queryBuilderLoaded } from './query-builder.js'
import type { Schema } from './schema.js'
import { checkSchemaName, maskTargetsIn, parseTarget } from './target.js'

export { redactTarget } from './target.js'
export type { WriteOptions } from './engine.js'

/**
 * An open database: SQLite file, `:memory:` or a PostgreSQL pool. Pass it to the `create…` factories.
 *
 * ```ts
 * const handle: HaloDatabase = await openDatabase(process.env.DATABASE_URL)
 * const closures = createClosureService(handle)
 * ```
 */
export interface HaloDatabase {
  readonly engineName: EngineName
  /** Where it points, with any password masked: safe to print. */
  readonly target: string
  /** The kysely instance, for queries of your own (with `lazy`: only after the first `read` or `write`). */
  readonly db: Kysely<Schema>
  /** @internal the engine seam, used by the services. */
  readonly engine: Engine
  /**
   * Runs `fn` in a write transaction; database failures become `DB_ERROR`. Called inside another
   * `write` of this handle (a service called from your own transaction), it joins that transaction
   * as a savepoint: it commits with it, and a failure undoes only its own part.
   *
   * @throws HaloError `DB_ERROR` (unavailable, busy past its timeout, closed); whatever `fn` throws, after the rollback
   */
  write<T>(fn: (trx: Kysely<Schema>) => Promise<T>, options?: WriteOptions): Promise<T>
  /**
   * @internal `write` for the request path (an early end): the same transaction, its compiled
   * statements sent straight to the driver (`Engine.hotWrite`). Inside a `write` of this handle it
   * joins that transaction as `write` does. `fn` must not call the handle's `write` or `read` itself.
   */
  hotWrite<T>(fn: (tx: HotTransaction) => Promise<T>, options?: WriteOptions): Promise<T>
  /**
   * Runs a read (inside a `write` of this handle: in its transaction); database failures become `DB_ERROR`.
   * @throws HaloError `DB_ERROR`; whatever `fn` throws
   */
  read<T>(fn: (db: Kysely<Schema>) => Promise<T>): Promise<T>
  /**
   * @internal One plain SQL read without values, outside any transaction (inside a `write`: in it)
   * and without loading the query builder; database failures become `DB_ERROR`.
   */
  select<R>(sqlText: string): Promise<R[]>
  /**
   * Closes it; every later call is `DB_ERROR`. A pool handed to `openDatabase` is left open.
   * @throws nothing of its own: closing twice does nothing
   */
  close(): Promise<void>
}

/**
 * How `openDatabase` opens a target.
 *
 * ```ts
 * await openDatabase(process.env.DATABASE_URL, { schema: 'halo', poolSize: 5, busyTimeoutMs: 2000 })
 * ```
 */
export interface OpenOptions {
  /** Connections in the PostgreSQL pool (default 10). */
  readonly poolSize?: number
  /**
   * PostgreSQL: the schema every table, index, trigger, function and the migration record of the
   * library live in (created by `migrateToLatest`), beside the backend's own tables; also `?schema=`
   * in the URL, as Prisma URLs write it. Default: the connection's (usually `public`).
   */
  readonly schema?: string
  /** Open a SQLite file read-only. */
  readonly readonly?: boolean
  /**
   * How long a write waits for a lock another connection holds before `DB_ERROR` (busy): SQLite's busy
   * timeout, PostgreSQL's `lock_timeout`. Default 5000 ms.
   */
  readonly busyTimeoutMs?: number
  /**
   * PostgreSQL: how long a write transaction may sit idle (its process stopped, or code of yours awaiting
   * something else inside `write`) before the server ends it and releases its locks. Default 3000 ms.
   */
  readonly idleInTransactionTimeoutMs?: number
  /**
   * PostgreSQL: how long the library waits for a connection of its pool, or of the pool you lent it,
   * before `DB_ERROR` (busy). Default 5000 ms.
   */
  readonly acquireTimeoutMs?: number
  /**
   * PostgreSQL: name the statements the library runs again and again, so the server plans each once per
   * connection (also `?prepared_statements=true` in the URL). Off by default, which works through any
   * pooler; turn it on only on a direct connection or through a pooler in session mode: through
   * PgBouncer in transaction mode a name prepared on one server connection is missing on the next.
   */
  readonly preparedStatements?: boolean
  /**
   * Load the query builder (kysely, ~100 ms) only when the first `read` or `write` needs it, not now:
   * for short-lived processes that may only read flags, such as `halo-admin flag get`.
   */
  readonly lazy?: boolean
  /**
   * `false`: open only a database that is already halo-admin's. A SQLite file that does not exist is not
   * created, and a file or PostgreSQL schema without halo-admin's migration record is refused, both with
   * `DATABASE_NOT_FOUND` and nothing written: a mistyped path or `?schema=` is an error, not a new, empty
   * database. Default `true`: a missing SQLite file is created (empty: `migrateToLatest` fills it).
   */
  readonly create?: boolean
}

/**
 * The smallest part of a `pg.Pool` the library uses: hand it the backend's own pool and the library
 * borrows connections from it, never ends it.
 */
export interface PgPoolLike {
  connect(): Promise<unknown>
  query(...args: never[]): Promise<unknown>
  end(): Promise<void>
}

function isPool(target: unknown): target is PgPoolLike {
  const t = target as Partial<PgPoolLike> | null
  return typeof t === 'object' && t !== null && typeof t.connect === 'function' && typeof t.query === 'function'
}

/**
 * Opens the database the library works on: a SQLite file path (created when missing), `':memory:'`,
 * a `postgres://` URL (or a libpq `host=… dbname=…` string), or the backend's own `pg.Pool`. Defaults to
 * `$HALO_DB`, then `./halo.db`. Call `migrateToLatest` before first use. With `{ create: false }` it opens only
 * a database that already holds halo-admin's tables, and creates nothing (`DATABASE_NOT_FOUND` otherwise). An empty target is refused
 * (`INVALID_INPUT`): it would be a temporary database that vanishes.
 *
 * ```ts
 * const handle = await openDatabase(process.env.DATABASE_URL) // or 'halo.db', or your pg.Pool
 * await migrateToLatest(handle)
 * ```
 *
 * @throws HaloError `INVALID_INPUT` (an empty or unknown target, a bad schema name, a schema for
 *   SQLite); `DB_ERROR` (the file or server cannot be opened); `DATABASE_NOT_FOUND` (`create: false`
 *   and no halo-admin database there)
 */
export async function openDatabase(target?: string | PgPoolLike, options: OpenOptions = {}): Promise<HaloDatabase> {
  let engine: Engine
  let shown: string
  let raw: string[] = []
  const asked = options.schema === undefined ? null : checkSchemaName(options.schema)
  if (isPool(target)) {
    shown = `postgres (a pool handed in${asked === null ? '' : `, schema ${asked}`})`
    const { borrowPostgres } = await import('./postgres/postgres-engine.js')
    engine = borrowPostgres(target, { ...options, schema: asked })
  } else {
    const where = target ?? process.env.HALO_DB ?? './halo.db'
    const parsed = parseTarget(where)
    shown = parsed.display
    raw = [where]
    if (parsed.engine === 'sqlite' && asked !== null)
      throw new HaloError('INVALID_INPUT', `schema "${asked}": a schema is for PostgreSQL; a SQLite file has none`)
    const schema = parsed.engine === 'postgres' ? (asked ?? parsed.schema) : null
    if (asked !== null && parsed.engine === 'postgres' && parsed.schema !== null && parsed.schema !== asked)
      throw new HaloError('INVALID_INPUT', `the URL says schema ${parsed.schema} and the options say ${asked}: give one`)
    try {
      if (parsed.engine === 'postgres') {
        const { openPostgres } = await import('./postgres/postgres-engine.js')
        engine = openPostgres(parsed.url, { ...options, schema })
      } else {
        if (options.create === false && !parsed.memory && !existsSync(parsed.path))
          throw new HaloError('DATABASE_NOT_FOUND', `${shown} holds no halo-admin database: there is no such file`)
        const { openSqlite } = await import('./sqlite/sqlite-engine.js').catch(sqliteDriverMissing)
        engine = openSqlite(parsed.path, { ...options, fileMustExist: options.create === false })
      }
    } catch (e) {
      if (e instanceof HaloError) throw e
      throw new HaloError('DB_ERROR', maskTargetsIn(`cannot open database ${shown}: ${(e as Error).message}`, raw), { cause: e })
    }
  }
  if (options.lazy !== true) await loadQueryBuilder()
  const handle = makeHandle(engine, shown, raw)
  if (options.create === false) await refuseEmpty(handle)
  return handle
}

/** `DATABASE_NOT_FOUND`, the handle closed, when it holds no halo-admin migration record (`create: false`). */
async function refuseEmpty(handle: HaloDatabase): Promise<void> {
  try {
    const { schemaReport } = await import('./schema-state.js')
    const report = await schemaReport(handle)
    if (report.state !== 'foreign' && report.applied.length === 0) {
      const where = handle.engine.embedded ? 'the file has no halo-admin tables' : 'no halo-admin tables in that database and schema'
      throw new HaloError('DATABASE_NOT_FOUND', `${handle.target} holds no halo-admin database: ${where}`)
    }
  } catch (e) {
    await handle.close()
    throw e
  }
}

/**
 * better-sqlite3 is an optional dependency (a PostgreSQL-only backend installs it with
 * `--omit=optional` and compiles no native module): opening a SQLite file without it says what to install.
 */
function sqliteDriverMissing(e: unknown): never {
  const code = (e as { code?: unknown } | null)?.code
  if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && /better-sqlite3/.test((e as Error).message))
    throw new HaloError('DB_ERROR', 'SQLite needs the better-sqlite3 package, which is not installed (it is optional): npm install better-sqlite3', {
      cause: e,
    })
  throw e
}

/** The transaction a `write` runs in, as the code inside it sees it: nested writes and reads join it. */
interface Open {
  readonly engine: Engine
  readonly handle: HaloDatabase
  readonly trx: Kysely<Schema>
  /** Nested writes at this level, one after another (each a savepoint in turn). */
  queue: Promise<unknown>
  depth: number
}

/**
 * Which write transaction the running code is inside, process-wide: a nested write finds it here. The
 * store is the process's, not this module's (like the SQLite writer queue): a backend that loads both
 * the ES modules and the CommonJS build has two copies of this module, and a write through one inside a
 * write through the other must see it (and fail at once) rather than queue behind it for ever.
 *
 * It is switched off while no write is open: on Node.js 20 an AsyncLocalStorage in use hooks every
 * promise the process makes, the backend's own included, and an early end (`hotWrite`) enters none.
 */
const INSIDE = Symbol.for('halo-admin.write-transaction-context.v2')
interface Inside {
  readonly storage: AsyncLocalStorage<Open>
  /** Writes of any copy of the library under way, not counting nested ones. */
  open: number
}
const context: Inside = ((globalThis as { [INSIDE]?: Inside })[INSIDE] ??= { storage: new AsyncLocalStorage<Open>(), open: 0 })
const inside = context.storage

/** Runs `fn` with `open` as the write the code in it is inside; the store is switched off again once no write is open. */
async function within<T>(open: Open, fn: () => Promise<T>): Promise<T> {
  context.open++
  try {
    return await inside.run(open, fn)
  } finally {
    if (--context.open === 0) inside.disable()
  }
}

function makeHandle(engine: Engine, target: string, raw: readonly string[]): HaloDatabase {
  let closed = false
  const mapError = (e: unknown, write?: WriteOptions): unknown => {
    if (e instanceof HaloError) return e
    const refused = forbiddenFrom(e, write === undefined ? { writing: false } : { writing: true, role: write.role })
    if (refused !== null) return refused
    const described = engine.describeError(e)
    if (described === null) return e
    const details = described.sqlstate === undefined ? undefined : { sqlstate: described.sqlstate }
    return new HaloError(described.code, maskTargetsIn(`${target}: ${described.message}`, raw), { cause: e, ...(details === undefined ? {} : { details }) })
  }
  const ensureOpen = () => {
    if (closed) throw new HaloError('DB_ERROR', `${target}: the database handle is closed`)
  }
  /** The transaction of this handle the caller is inside, if any; a write of another handle on the same database cannot be waited for. */
  const joinable = (): Open | undefined => {
    const open = inside.getStore()
    if (open === undefined) return undefined
    if (open.handle === handle) return open
    if (open.engine.databaseKey === engine.databaseKey && engine.writersQueue) {
      throw new HaloError(
        'DB_ERROR',
        `${target}: a write through another handle on the same database, inside a write of the first, would wait for itself; use the outer handle`,
      )
    }
    return undefined
  }
  const nested = <T>(open: Open, fn: (trx: Kysely<Schema>) => Promise<T>, options: WriteOptions): Promise<T> => {
    // siblings take turns; a write nested in this one gets a queue of its own (inside.run below)
    const run = async (): Promise<T> => {
      const name = `halo_nested_${open.depth + 1}`
      await engine.beginNested(open.trx, name, options)
      try {
        const result = await inside.run({ ...open, queue: Promise.resolve(), depth: open.depth + 1 }, () => fn(open.trx))
        await engine.endNested(open.trx, name, 'release')
        return result
      } catch (e) {
        await engine.endNested(open.trx, name, 'rollback').catch((undone: unknown) => {
          // SQLite ends the whole transaction itself on some errors (disk full, I/O): report what broke it
          if (e instanceof HaloError) throw undone
        })
        throw e
      }
    }
    const turn = open.queue.then(run, run)
    open.queue = turn.catch(() => {})
    return turn
  }

  const handle: HaloDatabase = Object.freeze({
    engineName: engine.name,
    target,
    get db() {
      return engine.db
    },
    engine,
    async write<T>(fn: (trx: Kysely<Schema>) => Promise<T>, options: WriteOptions = {}): Promise<T> {
      ensureOpen()
      await loadQueryBuilder()
      try {
        const open = joinable()
        if (open !== undefined) return await nested(open, fn, options)
        return await engine.writeTransaction((trx) => within({ engine, handle, trx, queue: Promise.resolve(), depth: 0 }, () => fn(trx)), options)
      } catch (e) {
        throw mapError(e, options)
      }
    },
    async hotWrite<T>(fn: (tx: HotTransaction) => Promise<T>, options: WriteOptions = {}): Promise<T> {
      ensureOpen()
      if (!queryBuilderLoaded()) await loadQueryBuilder()
      try {
        const open = joinable()
        if (open !== undefined) return await nested(open, (trx) => fn(builderTransaction(trx)), options)
        // no context to enter: nothing inside `fn` calls back into the handle
        return await engine.hotWrite(fn, options)
      } catch (e) {
        throw mapError(e, options)
      }
    },
    async read<T>(fn: (db: Kysely<Schema>) => Promise<T>): Promise<T> {
      ensureOpen()
      await loadQueryBuilder()
      try {
        const open = joinable()
        return await fn(open?.trx ?? engine.db)
      } catch (e) {
        throw mapError(e)
      }
    },
    async select<R>(sqlText: string): Promise<R[]> {
      ensureOpen()
      try {
        const open = joinable()
        if (open !== undefined) return (await open.trx.executeQuery<R>((await loadQueryBuilder()).CompiledQuery.raw(sqlText))).rows
        return await engine.selectAll<R>(sqlText)
      } catch (e) {
        throw mapError(e)
      }
    },
    async close() {
      if (closed) return
      closed = true
      await engine.close()
    },
  })
  return handle
}
