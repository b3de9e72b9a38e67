import pg from 'pg'
import type { CompiledQuery, Kysely, PostgresPool, PostgresPoolClient, QueryResult } from 'kysely'
import { queryBuilder } from '../query-builder.js'
import type { DescribedError, Engine, EventListener, FileIntegrity, HotTransaction, WriteOptions } from '../engine.js'
import type { Schema } from '../schema.js'
import { boundsFrom, boundsSql, type Bounds, type BoundsOptions } from './postgres-bounds.js'
import { codeOf, describePostgresError, isLostConnection, isStalePlan, RETRYABLE } from './postgres-errors.js'
import { boundedPool } from './postgres-pool.js'
import { listenForEvents } from './postgres-listener.js'

export { PG_IDLE_IN_TRANSACTION_MS, PG_LOCK_TIMEOUT_MS, PG_STATEMENT_TIMEOUT_MS, timeoutsIn } from './postgres-bounds.js'

const { Pool } = pg

/** The longest one statement of a migration may run (a column made `bigint` rewrites its table). */
const MIGRATION_STATEMENT_TIMEOUT_MS = 15 * 60_000

/** Memory per hash or sort of a snapshot's reads (the server's default, 4 MB, spills a million rows to disk). */
const SNAPSHOT_WORK_MEM = '64MB'

export interface PostgresOptions extends BoundsOptions {
  /** Connections in the pool (default 10). */
  readonly poolSize?: number
  /** The schema every table, index, trigger, function and the migration record live in; null or absent: the connection's default. */
  readonly schema?: string | null
  /**
   * Name the statements the library runs again and again, per connection (`?prepared_statements=true`
   * in the URL). Off by default: unnamed statements work through any pooler; turn it on only for a
   * direct connection or a pooler in session mode.
   */
  readonly preparedStatements?: boolean
}

/** `?prepared_statements=` in a URL: `true`/`on`/`1` or `false`/`off`/`0`; absent: null. */
function flagIn(u: URL, name: string): boolean | null {
  const v = u.searchParams.get(name)
  if (v === null) return null
  u.searchParams.delete(name)
  return /^(1|true|on|yes)$/i.test(v.trim())
}

/**
 * Opens a pool on a `postgres://` URL. Nothing connects until the first query. No startup parameter
 * of the library's own is sent (PgBouncer refuses `options`): connections show as `halo-admin` in
 * `pg_stat_activity` (unless the URL names another `application_name`), and every transaction sets
 * its own lock, statement and idle-in-transaction timeouts with `SET LOCAL`. The URL's `options`, if
 * any, are the caller's to send (a direct connection accepts them); the timeouts they name become the
 * transactions' bounds.
 */
export function openPostgres(url: string, options: PostgresOptions = {}): Engine {
  const u = new URL(url)
  const theirs = u.searchParams.get('options') ?? ''
  // halo-admin's, not libpq's (parsed into `options.schema` by the caller)
  u.searchParams.delete('schema')
  const prepare = flagIn(u, 'prepared_statements') ?? options.preparedStatements ?? false
  // sslmode means what libpq says it means (require: encrypted, certificate not checked), as ops who
  // write libpq URLs expect; pg would otherwise read it as verify-full and warn on stderr about it
  if (u.searchParams.has('sslmode') && !u.searchParams.has('uselibpqcompat')) u.searchParams.set('uselibpqcompat', 'true')
  const bounds = boundsFrom(options, theirs)
  const pool = new Pool({
    connectionString: u.toString(),
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 5000,
    // (no query_timeout: the library's pool wrapper bounds every statement, migrations' longer)
    ...(u.searchParams.has('application_name') ? {} : { application_name: 'halo-admin' }),
    // notice a server that vanished without closing the socket (not after Linux's default two hours)
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  })
  // A client losing its server, idle in the pool or checked out between two
  // queries, must not crash the process: its next query reports it (DB_ERROR).
  pool.on('error', () => {})
  pool.on('connect', (client) => client.on('error', () => {}))
  return new PostgresEngine(pool, {
    owned: true,
    poolSize: options.poolSize ?? 10,
    bounds,
    prepare,
    schema: options.schema ?? null,
    key: `postgres:${u.host}${u.pathname}:${options.schema ?? ''}`,
  })
}

/**
 * Uses the backend's own `pg.Pool`: its connections, its settings; the library
 * adds its type parsers per query and its timeouts per transaction, waits for a
 * connection at most `acquireTimeoutMs`, and never ends the pool.
 */
export function borrowPostgres(pool: unknown, options: PostgresOptions = {}): Engine {
  const p = pool as pg.Pool
  const size = typeof p.options?.max === 'number' ? p.options.max : 10
  return new PostgresEngine(p, {
    owned: false,
    poolSize: size,
    bounds: boundsFrom(options, ''),
    prepare: options.preparedStatements ?? false,
    schema: options.schema ?? null,
    key: `postgres:pool:${++borrowed}`,
  })
}

let borrowed = 0

class PostgresEngine implements Engine {
  readonly name = 'postgres' as const
  readonly writersQueue = false
  readonly embedded = false
  readonly storedFunctions = true
  readonly dataModifyingCtes = true
  readonly direct = null
  readonly databaseKey: string
  readonly #pool: pg.Pool
  readonly #preparing: PostgresPool
  readonly #poolSize: number
  readonly #owned: boolean
  readonly #bounds: Bounds
  #db: Kysely<Schema> | undefined

  readonly schemaProbe: string
  readonly #schema: string | null

  constructor(pool: pg.Pool, o: { owned: boolean; poolSize: number; bounds: Bounds; prepare: boolean; schema: string | null; key: string }) {
    this.#schema = o.schema
    this.schemaProbe = schemaProbeSql(this.#schema, this.table('kysely_migration'))
    this.#pool = pool
    this.#owned = o.owned
    this.#preparing = boundedPool(pool, { bounds: o.bounds, prepare: o.prepare, owned: o.owned })
    this.#poolSize = o.poolSize
    this.#bounds = o.bounds
    this.databaseKey = o.key
  }

  get db(): Kysely<Schema> {
    if (this.#db === undefined) {
      const { Kysely, PostgresDialect } = queryBuilder()
      const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool: this.#preparing }) })
      this.#db = this.#schema === null ? db : db.withSchema(this.#schema)
    }
    return this.#db
  }

  async selectAll<R>(sqlText: string): Promise<R[]> {
    const client = await this.#preparing.connect()
    try {
      return (await client.query(sqlText, [])).rows as R[]
    } finally {
      client.release()
    }
  }

  /**
   * The statements that open a write transaction, sent in one round trip: its own timeouts (so no
   * URL, pool or stopped process can leave a lock held without bound), and for a transaction that
   * reads or changes the flags the lock on `app_config` that makes flags hold as of the commit:
   * SHARE for readers (they run together; any writer of app_config waits for them, and they for a
   * writer that came first), SHARE ROW EXCLUSIVE for a flag change (one at a time, after the readers).
   */
  #begin(options: WriteOptions): string {
    return ['begin', ...boundsSql(this.#bounds), ...this.#locks(options)].join('; ')
  }

  #locks(options: WriteOptions): string[] {
    if (options.config === 'read') return [`lock table ${this.table('app_config')} in share mode`]
    if (options.config === 'write') return [`lock table ${this.table('app_config')} in share row exclusive mode`]
    return []
  }

  readonly groupsBySorting = false
  readonly eventOrder = 'transaction' as const

  /** See postgres-listener.ts: a client of its own, made from the pool's options. */
  listenForEvents(options: { pollMs: number; onPolling?: (why: string) => void }): EventListener | null {
    return listenForEvents({ client: this.#pool.options as pg.ClientConfig, schema: this.#schema, ...options })
  }

  table(name: string): string {
    return this.#schema === null ? `"${name}"` : `"${this.#schema}"."${name}"`
  }

  unindexed(column: string): string {
    return `"${column}"`
  }

  /**
   * On one connection: the schema created when missing, and made the search path for the run, so the
   * migrations (written without a schema) put everything in it, the migration record included; the
   * trigger functions keep that search path (0004). The connection's search path is put back after.
   */
  async runMigrations<T>(fn: (db: Kysely<Schema>) => Promise<T>): Promise<T> {
    const { Kysely, PostgresDialect, PostgresAdapter, sql } = queryBuilder()
    // every transaction of the run (the migrator's, and each statement sent on its own) sets the search
    // path with SET LOCAL and takes the migrations' lock as a transaction lock: nothing of it outlives
    // the run, on this connection or on a pooler's server connection another client gets next
    const pool = boundedPool(this.#pool, {
      bounds: { ...this.#bounds, statementTimeoutMs: MIGRATION_STATEMENT_TIMEOUT_MS },
      prepare: false,
      owned: false,
      searchPath: this.#schema,
      transactionLock: { name: 'halo-admin migrations', waitMs: MIGRATION_STATEMENT_TIMEOUT_MS },
    })
    // kysely's migrator locks with a session-level advisory lock taken and released outside its
    // transaction: through PgBouncer in transaction mode the unlock runs on another server connection
    // and the lock stays behind on the first, so the next migration waits on it for an hour
    class TransactionLocked extends PostgresAdapter {
      override async acquireMigrationLock(): Promise<void> {}
      override async releaseMigrationLock(): Promise<void> {}
    }
    class MigrationDialect extends PostgresDialect {
      override createAdapter() {
        return new TransactionLocked()
      }
    }
    // a builder without the schema plugin: the search path places what the migrations create
    const plain = new Kysely<Schema>({ dialect: new MigrationDialect({ pool }) })
    try {
      return await plain.connection().execute(async (conn) => {
        if (this.#schema !== null) await sql.raw(`create schema if not exists "${this.#schema}"`).execute(conn)
        return fn(conn)
      })
    } finally {
      await plain.destroy()
    }
  }

  /**
   * READ COMMITTED plus the row locks the services take. Runs `fn` again on a
   * deadlock or serialization failure, and on a connection found dead before
   * `fn` started (a pooled connection the server dropped while idle, e.g.
   * across a restart): in both cases nothing was written.
   */
  async writeTransaction<T>(fn: (trx: Kysely<Schema>) => Promise<T>, options: WriteOptions): Promise<T> {
    const { sql } = queryBuilder()
    return this.#retrying((started) =>
      this.db.connection().execute(async (conn) => {
        let result: T
        try {
          // one simple-protocol round trip: begin, the timeouts, the flags lock
          await sql.raw(this.#begin(options)).execute(conn)
          started()
          result = await fn(conn)
        } catch (e) {
          // the connection goes back to the pool outside any transaction (a begin whose lock timed out
          // left one open and aborted); when the connection died, this fails too and must not hide why
          await sql
            .raw('rollback')
            .execute(conn)
            .catch(() => {})
          throw e
        }
        await sql.raw('commit').execute(conn)
        return result
      }),
    )
  }

  /** The same transaction as `writeTransaction`, its statements sent straight to the pool's connection. */
  async hotWrite<T>(fn: (tx: HotTransaction) => Promise<T>, options: WriteOptions): Promise<T> {
    const begin = this.#begin(options)
    return this.#retrying(async (started) => {
      const client = await this.#preparing.connect()
      try {
        let result: T
        try {
          await client.query(begin, [])
          started()
          result = await fn(this.#hotTransaction(client))
        } catch (e) {
          await client.query('rollback', []).catch(() => {})
          throw e
        }
        await client.query('commit', [])
        return result
      } finally {
        client.release()
      }
    })
  }

  /** A transaction's statements on `client`, and a query builder on it made when first asked for. */
  #hotTransaction(client: PostgresPoolClient): HotTransaction {
    let builder: Kysely<Schema> | undefined
    return {
      executeQuery: <R>(q: CompiledQuery<R>): Promise<QueryResult<R>> => client.query<R>(q.sql, q.parameters),
      builder: () => {
        if (builder === undefined) {
          const { Kysely, PostgresDialect } = queryBuilder()
          const one: PostgresPool = { connect: async () => ({ query: client.query.bind(client), release() {} }) as PostgresPoolClient, end: async () => {} }
          const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool: one }) })
          builder = this.#schema === null ? db : db.withSchema(this.#schema)
        }
        return builder
      },
    }
  }

  /**
   * Runs `attempt` again on a deadlock or serialization failure, and on a connection found dead before
   * the transaction began (`started` not yet called): in both cases nothing was written.
   */
  async #retrying<T>(attempt: (started: () => void) => Promise<T>): Promise<T> {
    for (let n = 1; ; n++) {
      let began = false
      try {
        return await attempt(() => (began = true))
      } catch (e) {
        if (n < 5 && (RETRYABLE.has(codeOf(e)) || isStalePlan(e))) continue
        // every pooled connection may have died together: try each once, then a new one
        if (n <= this.#poolSize && !began && isLostConnection(e)) continue
        throw e
      }
    }
  }

  async beginNested(trx: Kysely<Schema>, name: string, options: WriteOptions): Promise<void> {
    await queryBuilder()
      .sql.raw([`savepoint ${name}`, ...this.#locks(options)].join('; '))
      .execute(trx)
  }

  async endNested(trx: Kysely<Schema>, name: string, how: 'release' | 'rollback'): Promise<void> {
    const text = how === 'rollback' ? `rollback to savepoint ${name}; release savepoint ${name}` : `release savepoint ${name}`
    await queryBuilder().sql.raw(text).execute(trx)
  }

  /** Repeatable read, read only, with memory for the hash joins whole-table checks make (a million closures in seconds, not tens). */
  readSnapshot<T>(fn: (trx: Kysely<Schema>) => Promise<T>): Promise<T> {
    // (its `start transaction` gets the bounds from the pool: see boundedPool)
    const { sql } = queryBuilder()
    return this.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .setAccessMode('read only')
      .execute(async (trx) => {
        await sql.raw(`set local work_mem = '${SNAPSHOT_WORK_MEM}'`).execute(trx)
        return fn(trx)
      })
  }

  /** The server keeps its own files consistent. */
  async fileIntegrity(): Promise<FileIntegrity | null> {
    return null
  }

  notPartyIdSql(column: string): string {
    return `(${column} is not null and ${column} !~ '^[A-Za-z0-9_.:-]{1,64}$')`
  }

  lockForUpdate<Q extends { forUpdate(): Q }>(qb: Q): Q {
    return qb.forUpdate()
  }

  describeError(e: unknown): DescribedError | null {
    return describePostgresError(e)
  }

  isUniqueViolation(e: unknown): boolean {
    return (e as { code?: unknown } | null)?.code === '23505'
  }

  #closing: Promise<void> | undefined

  /**
   * Ends the pool once (a pool handed in stays open); later calls wait for the same end. The pool is
   * ended here, not only through kysely: kysely's driver ends it only if a query of its own ran, and
   * some handles only read plain SQL or migrate (a connection left open to a template database
   * makes every `create database … template` wait).
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#db?.destroy()
      if (this.#owned && !this.#pool.ended) await this.#pool.end()
    })()
    return this.#closing
  }
}

/**
 * One row about the schema the library lives in (named, or the connection's current one): whether it
 * holds the library's migration record, how many tables it has, the first of them by name, and
 * whether it is a system schema that must never get the library's tables.
 */
function schemaProbeSql(schema: string | null, migrationTable: string): string {
  const where = schema === null ? 'current_schema()' : `'${schema.replaceAll("'", "''")}'`
  const inSchema = `from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace where n.nspname = ${where} and c.relkind in ('r', 'p', 'v', 'm', 'f')`
  // a schema the role may not use drops out of its search path (current_schema() is null) or fails every lookup
  const denied =
    schema === null
      ? `(select string_agg(nspname, ', ') from pg_catalog.pg_namespace where current_schema() is null and nspname in ('public', session_user) and not has_schema_privilege(oid, 'USAGE'))`
      : `(select nspname from pg_catalog.pg_namespace where nspname = ${where} and not has_schema_privilege(oid, 'USAGE'))`
  return [
    `select case when ${denied} is null then to_regclass('${migrationTable.replaceAll("'", "''")}') is not null else false end as migrations,`,
    `(select count(*) ${inSchema}) as tables,`,
    `(select string_agg(relname, ', ' order by relname) from (select c.relname ${inSchema} order by c.relname limit 6) t) as names,`,
    `${where} as schema,`,
    `${denied} as denied`,
  ].join(' ')
}
