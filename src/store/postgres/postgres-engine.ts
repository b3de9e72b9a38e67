import pg from 'pg'
import { Kysely, PostgresDialect } from 'kysely'
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

/** SQLSTATEs worth running the whole transaction again for. */
const RETRYABLE = new Set(['40001', '40P01'])
/** Connection and server-availability failures: the database is unavailable. */
const UNAVAILABLE_CLASSES = ['08', '53', '57', '58', 'XX']
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE', 'EHOSTUNREACH', 'EAI_AGAIN'])

export interface PostgresOptions {
  /** Connections in the pool (default 10). */
  readonly poolSize?: number
}

/** Opens a pool on a `postgres://` URL. Nothing connects until the first query. */
export function openPostgres(url: string, options: PostgresOptions = {}): Engine {
  const pool = new Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    types: typeParsers,
    connectionTimeoutMillis: 5000,
    // a server that went away must not hang a caller
    query_timeout: 30_000,
    keepAlive: true,
  })
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', () => {})
  return new PostgresEngine(pool)
}

class PostgresEngine implements Engine {
  readonly name = 'postgres' as const
  readonly db: Kysely<Schema>

  constructor(pool: pg.Pool) {
    this.db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) })
  }

  async writeTransaction<T>(fn: (trx: Kysely<Schema>) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction().execute(fn)
      } catch (e) {
        const code = (e as { code?: unknown } | null)?.code
        if (attempt < 5 && typeof code === 'string' && RETRYABLE.has(code)) continue
        throw e
      }
    }
  }

  lockForUpdate<Q extends { forUpdate(): Q }>(qb: Q): Q {
    return qb.forUpdate()
  }

  lockSkipLocked<Q extends { forUpdate(): Q }>(qb: Q): Q {
    return (qb.forUpdate() as Q & { skipLocked(): Q }).skipLocked()
  }

  describeError(e: unknown): string | null {
    const err = e as { code?: unknown; message?: unknown } | null
    const code = typeof err?.code === 'string' ? err.code : ''
    const message = typeof err?.message === 'string' ? err.message : String(e)
    if (NETWORK_CODES.has(code) || UNAVAILABLE_CLASSES.some((c) => code.startsWith(c) && code.length === 5)) {
      return `the database is unavailable: ${message}`
    }
    if (
      /Connection terminated|connection timeout|Query read timeout|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(
        message,
      )
    ) {
      return `the database is unavailable: ${message}`
    }
    return null
  }

  isUniqueViolation(e: unknown): boolean {
    return (e as { code?: unknown } | null)?.code === '23505'
  }

  async close(): Promise<void> {
    await this.db.destroy()
  }
}
