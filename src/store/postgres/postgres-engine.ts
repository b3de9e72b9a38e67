import pg from 'pg'
import type { Kysely, PostgresPool, PostgresPoolClient } from 'kysely'
import { queryBuilder } from '../query-builder.js'
import type { Engine } from '../engine.js'
import type { Schema } from '../schema.js'

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
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE', 'EHOSTUNREACH', 'EAI_AGAIN'])
const CONNECTION_LOST =
  /Connection terminated|connection timeout|Query read timeout|Client has encountered a connection error|Client was closed|not queryable|timeout exceeded when trying to connect/i
const HANDLE_CLOSED = /driver has already been destroyed|Cannot use a pool after calling end/i

/** How long a statement waits for another transaction's row lock before `DB_ERROR` (as SQLite's busy timeout). */
export const PG_LOCK_TIMEOUT_MS = 5000
/** The longest one statement may run on the server. */
export const PG_STATEMENT_TIMEOUT_MS = 30_000

export interface PostgresOptions {
  /** Connections in the pool (default 10). */
  readonly poolSize?: number
  /** `lock_timeout` in ms (default PG_LOCK_TIMEOUT_MS). */
  readonly busyTimeoutMs?: number
}

/**
 * Opens a pool on a `postgres://` URL. Nothing connects until the first query.
 * Connections show as `halo-admin` in `pg_stat_activity` and carry a lock and
 * a statement timeout, unless the URL says otherwise (`application_name=`,
 * `options=-c lock_timeout=…`).
 */
export function openPostgres(url: string, options: PostgresOptions = {}): Engine {
  const params = new URL(url).searchParams
  const lockTimeout = options.busyTimeoutMs ?? PG_LOCK_TIMEOUT_MS
  const pool = new Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    types: typeParsers,
    connectionTimeoutMillis: 5000,
    // the server cancels a statement stuck on a lock or running away; the client gives up a little later on a server gone silent
    ...(params.has('options') ? {} : { options: `-c lock_timeout=${lockTimeout} -c statement_timeout=${PG_STATEMENT_TIMEOUT_MS}` }),
    query_timeout: PG_STATEMENT_TIMEOUT_MS + 5000,
    ...(params.has('application_name') ? {} : { application_name: 'halo-admin' }),
    // notice a server that vanished without closing the socket (not after Linux's default two hours)
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  })
  // A client losing its server, idle in the pool or checked out between two
  // queries, must not crash the process: its next query reports it (DB_ERROR).
  pool.on('error', () => {})
  pool.on('connect', (client) => client.on('error', () => {}))
  return new PostgresEngine(pool, preparingPool(pool), options.poolSize ?? 10)
}

/** At most this many statements get a name (per pool); any further ones run unnamed. */
const PREPARED_LIMIT = 200
/** Statements with more values than this (batch inserts, long `in` lists) vary too much to be worth naming. */
const PREPARED_MAX_VALUES = 32
const PREPARABLE = /^\s*(select|insert|update|delete|with)\b/i
/** A named statement whose result columns changed under it (DDL since it was prepared). */
const isStalePlan = (e: unknown): boolean => codeOf(e) === '0A000' && /cached plan must not change result type/i.test(String((e as Error).message))

/**
 * The pool kysely uses, with the library's statements prepared: each distinct
 * query text (the services run the same few again and again) gets a name, so
 * the server parses and plans it once per connection instead of on every call.
 * This halves the server's work per early end. A connection whose prepared
 * plan went stale after a migration is dropped, not reused.
 */
function preparingPool(pool: pg.Pool): PostgresPool {
  const names = new Map<string, string>()
  const nameFor = (text: string, values: number): string | undefined => {
    const known = names.get(text)
    if (known !== undefined || values > PREPARED_MAX_VALUES || names.size >= PREPARED_LIMIT || !PREPARABLE.test(text)) return known
    const name = `halo_${names.size + 1}`
    names.set(text, name)
    return name
  }
  const wrappers = new WeakMap<pg.PoolClient, { client: PostgresPoolClient; stale: { value: boolean } }>()
  return {
    async connect(): Promise<PostgresPoolClient> {
      const raw = await pool.connect()
      let w = wrappers.get(raw)
      if (w === undefined) {
        const stale = { value: false }
        const client = {
          query(text: unknown, values?: readonly unknown[]) {
            if (typeof text !== 'string') return raw.query(text as never)
            const params = values === undefined ? [] : [...values]
            const name = nameFor(text, params.length)
            return raw.query(name === undefined ? { text, values: params } : { name, text, values: params }).catch((e: unknown) => {
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
    end: () => pool.end(),
  }
}

const codeOf = (e: unknown): string => {
  const code = (e as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : ''
}

class PostgresEngine implements Engine {
  readonly name = 'postgres' as const
  readonly #pool: pg.Pool
  readonly #preparing: PostgresPool
  readonly #poolSize: number
  #db: Kysely<Schema> | undefined

  constructor(pool: pg.Pool, preparing: PostgresPool, poolSize: number) {
    this.#pool = pool
    this.#preparing = preparing
    this.#poolSize = poolSize
  }

  get db(): Kysely<Schema> {
    if (this.#db === undefined) {
      const { Kysely, PostgresDialect } = queryBuilder()
      this.#db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool: this.#preparing }) })
    }
    return this.#db
  }

  async selectAll<R>(sqlText: string): Promise<R[]> {
    return (await this.#pool.query(sqlText)).rows as R[]
  }

  /**
   * READ COMMITTED plus the row locks the services take. Runs `fn` again on a
   * deadlock or serialization failure, and on a connection found dead before
   * `fn` started (a pooled connection the server dropped while idle, e.g.
   * across a restart): in both cases nothing was written.
   */
  async writeTransaction<T>(fn: (trx: Kysely<Schema>) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let started = false
      let thrown: { error: unknown } | undefined
      try {
        return await this.db.transaction().execute(async (trx) => {
          started = true
          try {
            return await fn(trx)
          } catch (e) {
            thrown = { error: e }
            throw e
          }
        })
      } catch (e) {
        // When the connection died, kysely's rollback fails too and its error would hide the real one.
        const error = thrown === undefined ? e : thrown.error
        if (attempt < 5 && (RETRYABLE.has(codeOf(error)) || isStalePlan(error))) continue
        // every pooled connection may have died together: try each once, then a new one
        if (attempt <= this.#poolSize && !started && this.#lostConnection(error)) continue
        throw error
      }
    }
  }

  #lostConnection(e: unknown): boolean {
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
    if (code === LOCK_TIMEOUT) return `the database is busy (a row stayed locked by another transaction past the lock timeout): ${message}`
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

  /** Ends the pool once; later calls wait for the same end. */
  close(): Promise<void> {
    this.#closing ??= this.#db === undefined ? this.#pool.end() : this.#db.destroy()
    return this.#closing
  }
}
