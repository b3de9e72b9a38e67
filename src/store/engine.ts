import type { CompiledQuery, Kysely, QueryResult, SelectQueryBuilder } from 'kysely'
import type { Schema } from './schema.js'

export type EngineName = 'sqlite' | 'postgres'

/** What a check of the database file found (SQLite); the server keeps PostgreSQL's files consistent. */
export interface FileIntegrity {
  /** The pragma that decided it: `quick_check` or `integrity_check`. */
  readonly pragma: string
  /** One line per problem, none when the file is sound. */
  readonly problems: readonly string[]
  /** The file itself is damaged (the data checks would read garbage), not only a dangling reference. */
  readonly damaged: boolean
}

/**
 * Statements run at once, in this process, on the connection of the transaction under way (SQLite's
 * driver is synchronous): no query builder, no round trip, no await between them. Only for use inside
 * `write`/`read` of the engine, whose connection they share.
 */
export interface DirectStatements {
  get<T>(sqlText: string, ...params: unknown[]): T | undefined
  all<T>(sqlText: string, ...params: unknown[]): T[]
  run(sqlText: string, ...params: unknown[]): { changes: number; lastInsertRowid: number }
}

/** What runs a compiled statement (a query template's): a kysely instance or transaction, or a `HotTransaction`. */
export interface StatementRunner {
  executeQuery<R>(query: CompiledQuery<R>): Promise<QueryResult<R>>
}

/**
 * A write transaction on the driver's own connection (`Engine.hotWrite`): compiled statements run on
 * it with nothing in between; `builder()` is a query builder on the same transaction, for the rare
 * statement not compiled ahead (made on first use).
 */
export interface HotTransaction extends StatementRunner {
  builder(): Kysely<Schema>
}

/**
 * A driver error as the library reports it: `DB_ERROR` (unavailable, busy, read-only, refused), or
 * `FORBIDDEN` where the database role lacks a right; the server's SQLSTATE kept when it sent one.
 */
export interface DescribedError {
  readonly code: 'DB_ERROR' | 'FORBIDDEN'
  readonly message: string
  readonly sqlstate?: string
}

/** Wakes a follower of the event feed when a writer commits events. */
export interface EventListener {
  /**
   * Resolves at the next notification, after `timeoutMs`, or when `signal` aborts, whichever comes
   * first; while notifications do not arrive (connection lost, a pooler), after at most the poll interval.
   */
  next(timeoutMs: number, signal?: AbortSignal): Promise<void>
  close(): Promise<void>
}

export interface WriteOptions {
  /**
   * What the transaction does with the flags (`app_config`), so that flags hold as of the commit
   * (contract §4 item 9):
   * - `read`: its decision rests on the flags it reads; no flag change commits while it runs, and
   *   one that committed before is what it reads (an early end);
   * - `write`: it changes them; it waits for every `read` transaction under way and holds new ones
   *   back until it commits (a flag change).
   * SQLite's one writer at a time gives both already; PostgreSQL takes a table lock on `app_config`.
   */
  readonly config?: 'read' | 'write'
  /**
   * The role the write needs (`halo-admin db roles`): a refusal by the database (a missing grant)
   * becomes `FORBIDDEN` naming it.
   */
  readonly role?: string
}

/**
 * What truly differs between SQLite and PostgreSQL, as capabilities: callers ask what the engine
 * does, never which engine it is. Everything else (queries, rules, services) is shared.
 */
export interface Engine {
  /** For people and JSON (`db status`); code never branches on it outside `src/store`. */
  readonly name: EngineName
  /** The query builder, built on first use; `loadQueryBuilder()` must have resolved. */
  readonly db: Kysely<Schema>
  /** Names the database opened: two handles on one SQLite file share it. */
  readonly databaseKey: string
  /**
   * True when the writes of every handle on one database in this process take turns (SQLite): a
   * write waiting for another one of the same process can never be granted while that one waits for it.
   */
  readonly writersQueue: boolean
  /**
   * True when the database is a file this process opened (SQLite), created by opening it: the CLI
   * migrates it on first use, and tables in it that halo-admin did not create make it someone
   * else's file. False for a server shared with other services (PostgreSQL), migrated on purpose.
   */
  readonly embedded: boolean
  /**
   * True when a statement's CTEs may insert, update and lock (PostgreSQL): an early end then reads its
   * facts in one round trip and writes them in another, instead of a statement per table.
   */
  readonly dataModifyingCtes: boolean
  /**
   * True when the database runs the library's stored functions (PostgreSQL): a write that a role may
   * only make through one (the guard's switch-off, for halo_app) calls it; false where there are none.
   */
  readonly storedFunctions: boolean
  /** Statements run synchronously in this process (SQLite), for the hottest paths; null where each is a round trip (PostgreSQL). */
  readonly direct: DirectStatements | null
  /**
   * A table of the library as SQL text, for statements written by hand: qualified with the schema the
   * library lives in (`"halo"."sessions"`) when it has one. Query-builder statements are qualified by
   * `db` itself.
   */
  table(name: string): string
  /**
   * Runs `fn` (the migrations) on one connection with nothing but the library's schema in scope: on
   * PostgreSQL that schema is created when missing and made the search path for the run, so every
   * table, index, function and the migration record land in it; on SQLite in one writer transaction.
   */
  runMigrations<T>(fn: (db: Kysely<Schema>) => Promise<T>): Promise<T>
  /**
   * True when the engine groups rows by sorting them, unless they arrive in the order of an index
   * (SQLite); false when it hashes them (PostgreSQL). A grouped report then asks for groups in the
   * index's order and merges what comes back twice.
   */
  readonly groupsBySorting: boolean
  /**
   * `column` as SQL that reads the same value but that the planner cannot match to an index: for a
   * range over a column whose index would make it sort a whole range (SQLite picks the day index for
   * the detail export's pages; PostgreSQL walks the primary key by itself, so there it is the column).
   */
  unindexed(column: string): string
  /**
   * How `session_events` ids relate to commit order: `id` when they are given out in commit order
   * (SQLite: one writer at a time); `transaction` when a later id can commit first (PostgreSQL), so a
   * reader fences at the oldest transaction still in flight (src/events/event-repository.ts).
   */
  readonly eventOrder: 'id' | 'transaction'
  /**
   * Why the file this engine opened is no longer the one at its path (deleted, or replaced by a
   * restore), or null while it is; absent where there is no file (PostgreSQL).
   */
  fileReplaced?(): string | null
  /**
   * A listener for new events (PostgreSQL: LISTEN on the channel the `session_events` trigger NOTIFYs,
   * on a connection of its own, where a probe shows notifications arrive); null where there is
   * nothing to listen to (SQLite: poll). Connects on its first wait; never throws.
   */
  listenForEvents(options: { pollMs: number; onPolling?: (why: string) => void }): EventListener | null
  /** One plain SQL row: `migrations` (the migration table exists), `tables` (tables in the database, where that says something). */
  readonly schemaProbe: string
  /**
   * Runs one read-only SQL text without values, outside any transaction and
   * without the query builder when it is not built yet.
   */
  selectAll<R>(sqlText: string): Promise<R[]>
  /**
   * Runs `fn` in a transaction that writes. SQLite starts it as a writer
   * (`BEGIN IMMEDIATE`), so a read-then-write never fails on a lock upgrade;
   * PostgreSQL uses READ COMMITTED plus row locks, retrying deadlocks, with
   * every lock bounded in time (lock, statement and idle-in-transaction timeouts).
   */
  writeTransaction<T>(fn: (trx: Kysely<Schema>) => Promise<T>, options: WriteOptions): Promise<T>
  /**
   * `writeTransaction` for the request path (an early end): the same transaction, locks, bounds and
   * retries, run straight on the driver's connection instead of through the query builder's, whose
   * per-call work costs as much as the round trips it wraps. `fn` runs compiled statements
   * (`tx.executeQuery`) and asks `tx.builder()` only for what was not compiled ahead.
   */
  hotWrite<T>(fn: (tx: HotTransaction) => Promise<T>, options: WriteOptions): Promise<T>
  /** Starts a write nested in a transaction of this engine: a savepoint `name`, with the locks `options` ask for. */
  beginNested(trx: Kysely<Schema>, name: string, options: WriteOptions): Promise<void>
  /** Ends the nested write `name`: kept (`release`) or undone (`rollback`). */
  endNested(trx: Kysely<Schema>, name: string, how: 'release' | 'rollback'): Promise<void>
  /**
   * Runs `fn` in one read-only snapshot: every read in it sees the database as of one moment, so a
   * writer committing meanwhile cannot make two of them disagree. Sized for reads of whole tables.
   */
  readSnapshot<T>(fn: (trx: Kysely<Schema>) => Promise<T>): Promise<T>
  /** Checks the database file itself (`depth`: quick or full); null when the engine has no file to check. */
  fileIntegrity(depth: 'quick' | 'full'): Promise<FileIntegrity | null>
  /** A SQL condition, true when `column` holds a value that is not a party id (1-64 of `A-Za-z0-9_.:-`). */
  notPartyIdSql(column: string): string
  /** Adds `FOR UPDATE` where the engine has row locks (SQLite's writer lock already covers it). */
  lockForUpdate<O>(qb: SelectQueryBuilder<Schema, any, O>): SelectQueryBuilder<Schema, any, O>
  /** Translates a driver error into the error the caller gets, or null when it is not the database's fault. */
  describeError(e: unknown): DescribedError | null
  /** True for a unique-constraint violation (a lost race the caller may retry). */
  isUniqueViolation(e: unknown): boolean
  close(): Promise<void>
}
