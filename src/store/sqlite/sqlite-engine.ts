import Database from 'better-sqlite3'
import { realpathSync, statSync } from 'node:fs'
import type { Driver, Kysely, SqliteDatabase } from 'kysely'
import { queryBuilder } from '../query-builder.js'
import type { DescribedError, DirectStatements, Engine, EventListener, FileIntegrity, HotTransaction, WriteOptions } from '../engine.js'
import { heldTransaction } from '../hot-transaction.js'
import { checkSqliteFile } from './sqlite-integrity.js'
import type { Schema } from '../schema.js'

/** How long a writer waits for another process's lock before `DB_ERROR`. */
export const SQLITE_BUSY_TIMEOUT_MS = 5000

const UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|CANTOPEN|READONLY|CORRUPT|NOTADB|IOERR|FULL|PERM|AUTH|PROTOCOL)/

/**
 * better-sqlite3 loads its native module on the first open. Installed with --ignore-scripts, or
 * built for another Node.js, that fails with a list of a dozen paths it tried, or a
 * NODE_MODULE_VERSION mismatch: neither says what to do.
 */
const NATIVE_MODULE_MISSING = /Could not locate the bindings file|NODE_MODULE_VERSION|was compiled against a different Node\.js version/

/** Opens a SQLite file (created when missing) or `:memory:`: WAL, a busy timeout, foreign keys on. */
export function openSqlite(path: string, options: { readonly?: boolean; busyTimeoutMs?: number; fileMustExist?: boolean } = {}): Engine {
  let raw: Database.Database
  try {
    raw = new Database(path, {
      timeout: options.busyTimeoutMs ?? SQLITE_BUSY_TIMEOUT_MS,
      readonly: options.readonly ?? false,
      fileMustExist: options.fileMustExist ?? false,
    })
  } catch (e) {
    if (!NATIVE_MODULE_MISSING.test((e as Error).message)) throw e
    throw new Error(`better-sqlite3's native module is not built for this Node.js (${process.version}): run \`npm rebuild better-sqlite3\``, { cause: e })
  }
  try {
    if (!options.readonly) raw.pragma('journal_mode = WAL')
    // WAL + NORMAL: a committed transaction survives a killed process.
    raw.pragma('synchronous = NORMAL')
    raw.pragma('foreign_keys = ON')
  } catch (e) {
    raw.close()
    throw e
  }
  return new SqliteEngine(raw, options.busyTimeoutMs ?? SQLITE_BUSY_TIMEOUT_MS)
}

/** Prepared statements kept per connection; kysely's driver would prepare every query anew. */
const STATEMENT_CACHE_SIZE = 256

/**
 * The connection as kysely's SQLite driver sees it, with `prepare` served from
 * a bounded cache: preparing is a tenth of an early end's time otherwise. A
 * statement still being iterated (a stream) is never handed out twice.
 */
function cachingStatements(raw: Database.Database): SqliteDatabase {
  const cache = new Map<string, Database.Statement>()
  return {
    close: () => raw.close(),
    prepare(text: string) {
      let stmt = cache.get(text)
      if (stmt !== undefined && !stmt.busy) return stmt
      stmt = raw.prepare(text)
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!)
      cache.set(text, stmt)
      return stmt
    },
  }
}

/** `DirectStatements` over the same statement cache the query builder uses. */
function directStatements(statements: SqliteDatabase): DirectStatements {
  const prepare = (text: string) => statements.prepare(text) as unknown as Database.Statement
  return {
    get: <T>(text: string, ...params: unknown[]) => prepare(text).get(...params) as T | undefined,
    all: <T>(text: string, ...params: unknown[]) => prepare(text).all(...params) as T[],
    run(text: string, ...params: unknown[]) {
      const r = prepare(text).run(...params)
      return { changes: r.changes, lastInsertRowid: Number(r.lastInsertRowid) }
    },
  }
}

/**
 * Write transactions of every handle on one file in this process, in turn.
 * better-sqlite3 waits for a lock synchronously: a second handle asking for
 * the writer lock while the first one awaits between its statements would
 * block the thread, so the first could never commit, and fail after the busy
 * timeout. Handles of one process queue here instead; other processes still
 * meet at SQLite's lock. The queue is the process's, not this module's: the
 * package ships ES modules and a CommonJS build, and a backend that loads
 * both (or two versions) has two copies of this module, whose handles on one
 * file must still take turns.
 */
const WRITERS = Symbol.for('halo-admin.sqlite-writers-by-file')
const writersByFile: Map<string, Promise<void>> = ((globalThis as { [WRITERS]?: Map<string, Promise<void>> })[WRITERS] ??= new Map())

/** When a write of this process on each file last finished: the queue's progress, shared like the queue. */
const PROGRESS = Symbol.for('halo-admin.sqlite-writer-progress-by-file')
const progressByFile: Map<string, number> = ((globalThis as { [PROGRESS]?: Map<string, number> })[PROGRESS] ??= new Map())

/** The turn of a write with nobody ahead of it. */
const IDLE: Promise<void> = Promise.resolve()

/**
 * Runs `fn` when the writes of this process queued before it on `file` are done. It waits as long as
 * the queue moves, but fails after `timeoutMs` in which no write on the file finished, as SQLite gives
 * up on another process's lock: a write that waits for a write waiting for it (one started in a
 * callback that began before the outer write, and awaited inside it) fails with a busy error instead
 * of hanging, while a long queue of writes that each finish in time never does.
 */
async function inTurn<T>(file: string | null, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  if (file === null) return fn()
  const before = writersByFile.get(file) ?? IDLE
  let done!: () => void
  const mine = new Promise<void>((resolve) => (done = resolve))
  const tail = before.then(() => mine)
  writersByFile.set(file, tail)
  try {
    // nobody ahead (the common case): no timer and no race to wait for the turn
    if (before !== IDLE) await waitForTurn(before, file, timeoutMs)
    return await fn()
  } finally {
    progressByFile.set(file, Date.now())
    done()
    if (writersByFile.get(file) === tail) {
      writersByFile.delete(file)
      progressByFile.delete(file)
    }
  }
}

/** The error a write gets after its busy timeout passed without a write of this process on the file finishing. */
class WriterQueueTimeout extends Error {
  readonly code = 'SQLITE_BUSY_IN_PROCESS'
}

async function waitForTurn(turn: Promise<void>, file: string, timeoutMs: number): Promise<void> {
  const queued = Date.now()
  let came = false
  void turn.then(() => (came = true))
  for (;;) {
    const left = Math.max(queued, progressByFile.get(file) ?? 0) + timeoutMs - Date.now()
    if (left <= 0 && !came) {
      throw new WriterQueueTimeout(
        `a write of this process on ${file} waited ${timeoutMs} ms for another write of this process, and none finished (a write awaited inside another write must be started inside it, not from a callback that began before it)`,
      )
    }
    let timer: NodeJS.Timeout | undefined
    const expired = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(left, 1))))
    await Promise.race([turn, expired])
    clearTimeout(timer)
    if (came) return
  }
}

let memoryDatabases = 0

class SqliteEngine implements Engine {
  readonly name = 'sqlite' as const
  readonly writersQueue = true
  readonly embedded = true
  readonly storedFunctions = false
  readonly dataModifyingCtes = false
  readonly direct: DirectStatements
  readonly #statements: SqliteDatabase

  readonly groupsBySorting = true
  readonly eventOrder = 'id' as const

  /** The file's device and inode when it was opened: a restore that renames another file into place changes them. */
  readonly #opened: { dev: number; ino: number } | null

  fileReplaced(): string | null {
    if (this.#file === null || this.#opened === null) return null
    let now: { dev: number; ino: number }
    try {
      now = statSync(this.#file)
    } catch {
      return `the database file ${this.#file} was removed while this process had it open: open it again`
    }
    return now.dev === this.#opened.dev && now.ino === this.#opened.ino
      ? null
      : `the database file ${this.#file} was replaced (a restore?) while this process had it open: open it again`
  }

  /** Nothing to listen to: a follower polls. */
  listenForEvents(): EventListener | null {
    return null
  }

  table(name: string): string {
    return `"${name}"`
  }

  unindexed(column: string): string {
    return `"${column}" || ''`
  }

  /** One writer transaction around the whole run: SQLite DDL is transactional, and BEGIN IMMEDIATE keeps other processes out. */
  runMigrations<T>(fn: (db: Kysely<Schema>) => Promise<T>): Promise<T> {
    return this.writeTransaction(fn, {})
  }
  readonly schemaProbe = `select (select count(*) from sqlite_master where type = 'table' and name = 'kysely_migration') as migrations,
    (select count(*) from sqlite_master where type = 'table') as tables`
  readonly databaseKey: string
  readonly #raw: Database.Database
  /** The file's real path, shared by every handle on it; null in memory. */
  readonly #file: string | null
  #db: Kysely<Schema> | undefined

  readonly #busyTimeoutMs: number

  constructor(raw: Database.Database, busyTimeoutMs: number) {
    this.#raw = raw
    this.#busyTimeoutMs = busyTimeoutMs
    this.#statements = cachingStatements(raw)
    this.direct = directStatements(this.#statements)
    this.#file = raw.memory ? null : realpathSync(raw.name)
    this.#opened = this.#file === null ? null : statSync(this.#file)
    this.databaseKey = this.#file === null ? `sqlite:memory:${++memoryDatabases}` : `sqlite:${this.#file}`
  }

  get db(): Kysely<Schema> {
    if (this.#db === undefined) {
      const { Kysely, SqliteDialect } = queryBuilder()
      const keep = (driver: Driver): Driver => (this.#driver = driver)
      // the driver kept, so a hot write takes the builder's connection lock without the builder
      class KeptDriverDialect extends SqliteDialect {
        override createDriver(): Driver {
          return keep(super.createDriver())
        }
      }
      this.#db = new Kysely<Schema>({ dialect: new KeptDriverDialect({ database: this.#statements }) })
    }
    return this.#db
  }

  /** The query builder's driver: its one connection, behind its lock. */
  #driver: Driver | undefined
  #driverReady: Promise<Driver> | undefined

  async selectAll<R>(sqlText: string): Promise<R[]> {
    // Before the builder exists no transaction can be open on this connection (they all run through it),
    // so reading straight from it sees only committed rows; after, the builder's connection lock orders it.
    if (this.#db === undefined) return this.#raw.prepare(sqlText).all() as R[]
    return (await this.#db.executeQuery<R>(queryBuilder().CompiledQuery.raw(sqlText))).rows
  }

  /** One writer at a time holds the file (BEGIN IMMEDIATE), so `options.config` needs no lock of its own. */
  async writeTransaction<T>(fn: (trx: Kysely<Schema>) => Promise<T>, _options: WriteOptions): Promise<T> {
    return inTurn(this.#file, this.#busyTimeoutMs, () => this.#write(fn))
  }

  /** The writer's turn and transaction of `writeTransaction`; its statements run on the builder's transaction. */
  hotWrite<T>(fn: (tx: HotTransaction) => Promise<T>, _options: WriteOptions): Promise<T> {
    return inTurn(this.#file, this.#busyTimeoutMs, async () => {
      // the builder's connection lock, taken on its driver itself: no reader of this handle runs a
      // statement inside this transaction, and no query builder is made for it
      this.#driverReady ??= (async () => {
        const driver = (this.db, this.#driver!)
        await driver.init()
        return driver
      })()
      const driver = await this.#driverReady
      const connection = await driver.acquireConnection()
      try {
        this.direct.run('begin immediate')
        let result: T
        try {
          result = await fn(heldTransaction(connection))
        } catch (e) {
          if (this.#raw.inTransaction) this.direct.run('rollback')
          throw e
        }
        this.direct.run('commit')
        return result
      } finally {
        await driver.releaseConnection(connection)
      }
    })
  }

  async beginNested(trx: Kysely<Schema>, name: string): Promise<void> {
    await queryBuilder().sql.raw(`savepoint ${name}`).execute(trx)
  }

  async endNested(trx: Kysely<Schema>, name: string, how: 'release' | 'rollback'): Promise<void> {
    const { sql } = queryBuilder()
    if (how === 'rollback') await sql.raw(`rollback to savepoint ${name}`).execute(trx)
    await sql.raw(`release savepoint ${name}`).execute(trx)
  }

  /** On the builder's connection (its lock orders every use of it); begin and end straight on the driver. */
  #write<T>(fn: (trx: Kysely<Schema>) => Promise<T>): Promise<T> {
    return this.db.connection().execute(async (conn) => {
      this.direct.run('begin immediate')
      let result: T
      try {
        result = await fn(conn)
      } catch (e) {
        if (this.#raw.inTransaction) this.direct.run('rollback')
        throw e
      }
      this.direct.run('commit')
      return result
    })
  }

  /** A deferred transaction: SQLite's snapshot isolation holds it to the state of its first read. */
  readSnapshot<T>(fn: (trx: Kysely<Schema>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(fn)
  }

  /**
   * Outside any transaction, and before the builder's connection is in use: SQLite ends a transaction
   * by itself on some corruption errors.
   */
  async fileIntegrity(depth: 'quick' | 'full'): Promise<FileIntegrity | null> {
    return this.#db === undefined ? checkSqliteFile(this.#raw, depth) : this.#db.connection().execute(async () => checkSqliteFile(this.#raw, depth))
  }

  notPartyIdSql(column: string): string {
    return `(${column} is not null and (length(${column}) not between 1 and 64 or ${column} glob '*[^A-Za-z0-9_.:-]*'))`
  }

  lockForUpdate<Q>(qb: Q): Q {
    return qb
  }

  describeError(e: unknown): DescribedError | null {
    if (e instanceof WriterQueueTimeout) return { code: 'DB_ERROR', message: `the database is busy: ${e.message}` }
    const code = (e as { code?: unknown } | null)?.code
    if (typeof code === 'string' && UNAVAILABLE.test(code)) {
      if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
        return { code: 'DB_ERROR', message: 'the database is busy (locked by another writer past the timeout)' }
      return { code: 'DB_ERROR', message: `the database cannot be used: ${(e as Error).message}` }
    }
    return null
  }

  isUniqueViolation(e: unknown): boolean {
    const code = (e as { code?: unknown } | null)?.code
    return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  }

  async close(): Promise<void> {
    // the builder closes the file only if it ran a query itself; a hot write uses its driver directly
    if (this.#db !== undefined) await this.#db.destroy()
    if (this.#raw.open) this.#raw.close()
  }
}
