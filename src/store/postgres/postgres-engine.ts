import pg from 'pg'
import type { Kysely, PostgresPool, PostgresPoolClient } from 'kysely'
import { HaloError } from '../../errors.js'
import { queryBuilder } from '../query-builder.js'
import type { Engine, EventListener, FileIntegrity, WriteOptions } from '../engine.js'
import type { Schema } from '../schema.js'
import { listenForEvents } from './postgres-listener.js'

const { Pool, types: pgTypes } = pg

const BOOL = 16
const INT8 = 20
const NUMERIC = 1700
const TIMESTAMPTZ = 1184
const TIMESTAMP = 1114

const parseTimestamptz = pgTypes.getTypeParser(TIMESTAMPTZ, 'text') as (v: string) => Date | string
/** A `timestamptz` in any session time zone, as the ISO-8601 UTC string SQLite stores (`infinity` stays as is). */
const isoUtc = (v: string): string => {
  const d = parseTimestamptz(v)
  return d instanceof Date && !Number.isNaN(d.getTime()) ? d.toISOString() : v
}

/**
 * Rows come back with the same JS values as on SQLite: counts as numbers,
 * times as ISO-8601 UTC strings, booleans as 0/1 (SQLite has no boolean type).
 * Given with every query, so a pool handed in by the backend keeps its own parsers.
 */
const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
    if (oid === INT8 || oid === NUMERIC) return (v: string) => Number(v)
    if (oid === BOOL) return (v: string) => (v === 't' ? 1 : 0)
    if (oid === TIMESTAMPTZ) return isoUtc
    if (oid === TIMESTAMP) return (v: string) => isoUtc(`${v}+00`)
    return pgTypes.getTypeParser(oid, format as 'text')
  },
}

/** SQLSTATEs worth running the whole transaction again for: serialization failure, deadlock. */
const RETRYABLE = new Set(['40001', '40P01'])
/** Connection, authentication, missing database and server-availability failures: the database is unavailable. */
const UNAVAILABLE_CLASSES = ['08', '28', '3D', '53', '57', '58', 'XX']
/** A lock held by someone else past `lock_timeout`: the database is busy. */
const LOCK_TIMEOUT = '55P03'
/** The statement ran past `statement_timeout`, or the server ended an idle transaction (`idle_in_transaction_session_timeout`). */
const TIMED_OUT = new Set(['57014', '25P03'])
/** Text the database's encoding cannot hold, or bytes that are not valid in it. */
const ENCODING = new Set(['22021', '22P05'])
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE', 'EHOSTUNREACH', 'EAI_AGAIN'])
const CONNECTION_LOST =
  /Connection terminated|connection timeout|Query read timeout|Client has encountered a connection error|Client was closed|not queryable|timeout exceeded when trying to connect/i
const HANDLE_CLOSED = /driver has already been destroyed|Cannot use a pool after calling end/i

/** How long a statement waits for another transaction's row lock before `DB_ERROR` (as SQLite's busy timeout). */
export const PG_LOCK_TIMEOUT_MS = 5000
/** The longest one statement may run on the server. */
export const PG_STATEMENT_TIMEOUT_MS = 30_000
/**
 * The longest a write transaction may sit idle before the server ends it and releases its locks:
 * a process stopped (or paused) mid-transaction cannot hold a session or a mitra's counter for longer.
 * Shorter than the lock timeout, so a write queued behind a stopped one gets the lock instead of failing.
 */
export const PG_IDLE_IN_TRANSACTION_MS = 3000

/** Memory per hash or sort of a snapshot's reads (the server's default, 4 MB, spills a million rows to disk). */
const SNAPSHOT_WORK_MEM = '64MB'

export interface PostgresOptions {
  /** Connections in the pool (default 10). */
  readonly poolSize?: number
  /** The schema every table, index, trigger, function and the migration record live in; null or absent: the connection's default. */
  readonly schema?: string | null
  /** `lock_timeout` in ms (default PG_LOCK_TIMEOUT_MS, or the URL's `options`). */
  readonly busyTimeoutMs?: number
  /** `idle_in_transaction_session_timeout` of write transactions in ms (default PG_IDLE_IN_TRANSACTION_MS). */
  readonly idleInTransactionTimeoutMs?: number
}

/** The bounds every write transaction sets for itself (`SET LOCAL`), whatever the connection carries. */
interface Bounds {
  readonly lockTimeoutMs: number
  readonly statementTimeoutMs: number
  readonly idleTimeoutMs: number
}

const UNITS: Readonly<Record<string, number>> = { '': 1, ms: 1, s: 1000, min: 60_000 }

/**
 * The timeouts a libpq `options` string sets (`-c lock_timeout=300 -c statement_timeout=10s`), in ms;
 * a setting of 0 (no limit) or one that cannot be read is left out: every lock stays bounded.
 */
export function timeoutsIn(options: string): Partial<Record<'lock_timeout' | 'statement_timeout' | 'idle_in_transaction_session_timeout', number>> {
  const out: Record<string, number> = {}
  for (const m of options.matchAll(/(?:-c\s*|--)(lock_timeout|statement_timeout|idle_in_transaction_session_timeout)=(\d+)\s*(ms|s|min)?(?=\s|$)/g)) {
    const ms = Number(m[2]) * UNITS[m[3] ?? '']!
    if (ms > 0) out[m[1]!] = ms
  }
  return out
}

function boundsFrom(options: PostgresOptions, urlOptions: string): Bounds {
  const given = timeoutsIn(urlOptions)
  return {
    lockTimeoutMs: options.busyTimeoutMs ?? given.lock_timeout ?? PG_LOCK_TIMEOUT_MS,
    statementTimeoutMs: given.statement_timeout ?? PG_STATEMENT_TIMEOUT_MS,
    idleTimeoutMs: options.idleInTransactionTimeoutMs ?? given.idle_in_transaction_session_timeout ?? PG_IDLE_IN_TRANSACTION_MS,
  }
}

/**
 * Opens a pool on a `postgres://` URL. Nothing connects until the first query.
 * Connections show as `halo-admin` in `pg_stat_activity` (unless the URL names
 * another `application_name`) and start with a lock, a statement and an
 * idle-in-transaction timeout; the URL's `options` are added after them, so a
 * setting there wins for reads, and write transactions set their own bounds.
 */
export function openPostgres(url: string, options: PostgresOptions = {}): Engine {
  const u = new URL(url)
  const theirs = u.searchParams.get('options') ?? ''
  // pg lets the URL's options replace ours whole: they are merged here instead
  u.searchParams.delete('options')
  // halo-admin's, not libpq's (parsed into `options.schema` by the caller)
  u.searchParams.delete('schema')
  // sslmode means what libpq says it means (require: encrypted, certificate not checked), as ops who
  // write libpq URLs expect; pg would otherwise read it as verify-full and warn on stderr about it
  if (u.searchParams.has('sslmode') && !u.searchParams.has('uselibpqcompat')) u.searchParams.set('uselibpqcompat', 'true')
  const bounds = boundsFrom(options, theirs)
  const ours = `-c lock_timeout=${bounds.lockTimeoutMs} -c statement_timeout=${bounds.statementTimeoutMs} -c idle_in_transaction_session_timeout=${bounds.idleTimeoutMs}`
  const pool = new Pool({
    connectionString: u.toString(),
    max: options.poolSize ?? 10,
    types: typeParsers,
    connectionTimeoutMillis: 5000,
    options: `${ours} ${theirs}`.trim(),
    // the client gives up a little after the server would have cancelled the statement
    query_timeout: bounds.statementTimeoutMs + 5000,
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
    schema: options.schema ?? null,
    key: `postgres:${u.host}${u.pathname}:${options.schema ?? ''}`,
  })
}

/**
 * Uses the backend's own `pg.Pool`: its connections, its settings; the library
 * adds its type parsers per query and its timeouts per write transaction, and
 * never ends the pool.
 */
export function borrowPostgres(pool: unknown, options: PostgresOptions = {}): Engine {
  const p = pool as pg.Pool
  const size = typeof p.options?.max === 'number' ? p.options.max : 10
  return new PostgresEngine(p, {
    owned: false,
    poolSize: size,
    bounds: boundsFrom(options, ''),
    schema: options.schema ?? null,
    key: `postgres:pool:${++borrowed}`,
  })
}

let borrowed = 0

/** At most this many statements get a name (per pool); any further ones run unnamed. */
const PREPARED_LIMIT = 200
/** Statements with more values than this (batch inserts, long `in` lists) vary too much to be worth naming. */
const PREPARED_MAX_VALUES = 32
const PREPARABLE = /^\s*(select|insert|update|delete|with)\b/i
/** A named statement whose result columns changed under it (DDL since it was prepared). */
const isStalePlan = (e: unknown): boolean => codeOf(e) === '0A000' && /cached plan must not change result type/i.test(String((e as Error).message))

/** A connection that could not be made (refused, authentication, SSL, a bad `options` setting): the database is unavailable. */
class ConnectFailed extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause })
    this.name = 'ConnectFailed'
  }
}

/** Encodings that store any text the library is given as it was given. */
const UTF8 = /^UTF-?8$/i

/**
 * The pool kysely uses, with the library's statements prepared: each distinct
 * query text (the services run the same few again and again) gets a name, so
 * the server parses and plans it once per connection instead of on every call.
 * This halves the server's work per early end. A connection whose prepared
 * plan went stale after a migration is dropped, not reused. Each connection's
 * database encoding is checked once, the first time the library uses it.
 */
function preparingPool(pool: pg.Pool, owned: boolean): PostgresPool {
  const names = new Map<string, string>()
  const nameFor = (text: string, values: number): string | undefined => {
    const known = names.get(text)
    if (known !== undefined || values > PREPARED_MAX_VALUES || names.size >= PREPARED_LIMIT || !PREPARABLE.test(text)) return known
    const name = `halo_${names.size + 1}`
    names.set(text, name)
    return name
  }
  const wrappers = new WeakMap<pg.PoolClient, { client: PostgresPoolClient; stale: { value: boolean } }>()
  const checked = new WeakSet<pg.PoolClient>()
  return {
    async connect(): Promise<PostgresPoolClient> {
      let raw: pg.PoolClient
      try {
        raw = await pool.connect()
      } catch (e) {
        throw new ConnectFailed(e)
      }
      if (!checked.has(raw)) {
        try {
          await checkEncoding(raw)
        } catch (e) {
          raw.release(true)
          throw e
        }
        checked.add(raw)
      }
      let w = wrappers.get(raw)
      if (w === undefined) {
        const stale = { value: false }
        const client = {
          query(text: unknown, values?: readonly unknown[]) {
            if (typeof text !== 'string') return raw.query(text as never)
            const params = values === undefined ? [] : [...values]
            const name = nameFor(text, params.length)
            const config = name === undefined ? { text, values: params, types: typeParsers } : { name, text, values: params, types: typeParsers }
            return raw.query(config).catch((e: unknown) => {
              if (isStalePlan(e)) stale.value = true
              throw e
            })
          },
          release() {
            raw.release(stale.value ? true : undefined)
          },
        } as unknown as PostgresPoolClient
        w = { client, stale }
        wrappers.set(raw, w)
      }
      return w.client
    },
    end: () => (owned ? pool.end() : Promise.resolve()),
  }
}

/**
 * The library stores text verbatim (notes, ids, goodbyes in any script); a LATIN1 or SQL_ASCII
 * database would refuse or mangle it. Refused plainly, before anything is written.
 */
async function checkEncoding(client: pg.PoolClient): Promise<void> {
  const { rows } = await client.query<{ encoding: string }>({ text: `select current_setting('server_encoding') as encoding`, types: typeParsers })
  const encoding = rows[0]?.encoding ?? ''
  if (!UTF8.test(encoding))
    throw new HaloError('INVALID_INPUT', `the database's encoding is ${encoding}: halo-admin needs a UTF8 database (createdb -E UTF8 -T template0)`)
}

const codeOf = (e: unknown): string => {
  const code = (e as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : ''
}

const ms = (n: number) => Math.max(1, Math.round(n))

class PostgresEngine implements Engine {
  readonly name = 'postgres' as const
  readonly writersQueue = false
  readonly embedded = false
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

  constructor(pool: pg.Pool, o: { owned: boolean; poolSize: number; bounds: Bounds; schema: string | null; key: string }) {
    this.#schema = o.schema
    this.schemaProbe = `select to_regclass('${this.table('kysely_migration').replaceAll("'", "''")}') is not null as migrations, 0 as tables`
    this.#pool = pool
    this.#owned = o.owned
    this.#preparing = preparingPool(pool, o.owned)
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
    const b = this.#bounds
    return [
      'begin',
      `set local lock_timeout = ${ms(b.lockTimeoutMs)}`,
      `set local statement_timeout = ${ms(b.statementTimeoutMs)}`,
      `set local idle_in_transaction_session_timeout = ${ms(b.idleTimeoutMs)}`,
      ...this.#locks(options),
    ].join('; ')
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
    const { Kysely, PostgresDialect, sql } = queryBuilder()
    // a builder without the schema plugin: the search path places what the migrations create
    const plain = new Kysely<Schema>({ dialect: new PostgresDialect({ pool: this.#preparing }) })
    return plain.connection().execute(async (conn) => {
      if (this.#schema === null) return fn(conn)
      const { rows } = await sql<{ path: string }>`select current_setting('search_path') as path`.execute(conn)
      await sql.raw(`create schema if not exists "${this.#schema}"`).execute(conn)
      await sql.raw(`set search_path to "${this.#schema}"`).execute(conn)
      try {
        return await fn(conn)
      } finally {
        await sql`select set_config('search_path', ${rows[0]!.path}, false)`.execute(conn)
      }
    })
  }

  /**
   * READ COMMITTED plus the row locks the services take. Runs `fn` again on a
   * deadlock or serialization failure, and on a connection found dead before
   * `fn` started (a pooled connection the server dropped while idle, e.g.
   * across a restart): in both cases nothing was written.
   */
  async writeTransaction<T>(fn: (trx: Kysely<Schema>) => Promise<T>, options: WriteOptions): Promise<T> {
    const { sql } = queryBuilder()
    for (let attempt = 1; ; attempt++) {
      let started = false
      try {
        return await this.db.connection().execute(async (conn) => {
          let result: T
          try {
            // one simple-protocol round trip: begin, the timeouts, the flags lock
            await sql.raw(this.#begin(options)).execute(conn)
            started = true
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
        })
      } catch (e) {
        if (attempt < 5 && (RETRYABLE.has(codeOf(e)) || isStalePlan(e))) continue
        // every pooled connection may have died together: try each once, then a new one
        if (attempt <= this.#poolSize && !started && this.#lostConnection(e)) continue
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

  #lostConnection(e: unknown): boolean {
    if (e instanceof ConnectFailed) return false
    const code = codeOf(e)
    if (code === 'ECONNREFUSED') return false
    const message = typeof (e as { message?: unknown } | null)?.message === 'string' ? (e as Error).message : ''
    return code.startsWith('08') || code === '57P01' || code === 'ECONNRESET' || code === 'EPIPE' || /Connection terminated|not queryable/i.test(message)
  }

  lockForUpdate<Q extends { forUpdate(): Q }>(qb: Q): Q {
    return qb.forUpdate()
  }

  lockSkipLocked<Q extends { forUpdate(): Q }>(qb: Q): Q {
    return (qb.forUpdate() as Q & { skipLocked(): Q }).skipLocked()
  }

  describeError(e: unknown): string | null {
    const code = codeOf(e)
    const message = typeof (e as { message?: unknown } | null)?.message === 'string' ? (e as Error).message : String(e)
    if (e instanceof ConnectFailed) return `the database is unavailable: cannot connect: ${message}`
    if (code === LOCK_TIMEOUT) return `the database is busy (a row stayed locked by another transaction past the lock timeout): ${message}`
    if (TIMED_OUT.has(code)) return `the database ended the statement or transaction after its timeout: ${message}`
    if (ENCODING.has(code)) return `the database cannot store this text in its encoding: ${message}`
    if (NETWORK_CODES.has(code) || UNAVAILABLE_CLASSES.some((c) => code.startsWith(c) && code.length === 5) || CONNECTION_LOST.test(message)) {
      return `the database is unavailable: ${message}`
    }
    if (HANDLE_CLOSED.test(message)) return 'the database handle is closed'
    if (isStalePlan(e)) return `the schema changed under a prepared statement (a migration ran meanwhile); try again: ${message}`
    return null
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
