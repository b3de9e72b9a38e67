import type { DescribedError } from '../engine.js'

/** SQLSTATEs worth running the whole transaction again for: serialization failure, deadlock. */
export const RETRYABLE = new Set(['40001', '40P01'])
/** Connection, authentication, missing database and server-availability failures: the database is unavailable. */
const UNAVAILABLE_CLASSES = ['08', '28', '3D', '53', '57', '58', 'XX']
/** A lock held by someone else past `lock_timeout`: the database is busy. */
const LOCK_TIMEOUT = '55P03'
/** The statement ran past `statement_timeout`, or the server ended an idle transaction (`idle_in_transaction_session_timeout`). */
const TIMED_OUT = new Set(['57014', '25P03'])
/** Text the database's encoding cannot hold, or bytes that are not valid in it. */
const ENCODING = new Set(['22021', '22P05'])
/** A write on a read-only server: a hot standby, a demoted primary after a failover, `default_transaction_read_only`. */
const READ_ONLY = new Set(['25006'])
/** The role lacks a right: a grant, USAGE on the schema, CREATE on the database. */
const PERMISSION_DENIED = new Set(['42501'])
/** The library's tables or schema are not there (not migrated, dropped, a `search_path` that misses them). */
const MISSING = new Set(['42P01', '3F000', '42883'])
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE', 'EHOSTUNREACH', 'EAI_AGAIN'])
const CONNECTION_LOST =
  /Connection terminated|connection timeout|Query read timeout|Client has encountered a connection error|Client was closed|not queryable|timeout exceeded when trying to connect/i
const HANDLE_CLOSED = /driver has already been destroyed|Cannot use a pool after calling end/i
/** A SQLSTATE: five characters of digits and capitals. */
const SQLSTATE = /^[0-9A-Z]{5}$/

/** A connection that could not be made (refused, authentication, SSL, a bad `options` setting): the database is unavailable. */
export class ConnectFailed extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause })
    this.name = 'ConnectFailed'
  }
}

/** No connection of the pool came free in time: every one is checked out (by the library or, for a borrowed pool, the host). */
export class PoolExhausted extends Error {
  constructor(waitedMs: number) {
    super(`no connection of the pool came free within ${waitedMs} ms (all are in use)`)
    this.name = 'PoolExhausted'
  }
}

/** The server did not answer a statement in time (stopped, partitioned away): the client gave up on it. */
export class NoAnswer extends Error {
  constructor(waitedMs: number) {
    super(`the server did not answer within ${waitedMs} ms`)
    this.name = 'NoAnswer'
  }
}

export const codeOf = (e: unknown): string => {
  const code = (e as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : ''
}

const messageOf = (e: unknown): string => (typeof (e as { message?: unknown } | null)?.message === 'string' ? (e as Error).message : String(e))

/** A named statement whose result columns changed under it (DDL since it was prepared). */
export const isStalePlan = (e: unknown): boolean => codeOf(e) === '0A000' && /cached plan must not change result type/i.test(messageOf(e))

/** A connection found dead (the server restarted, a pooler or the network dropped it), as opposed to one never made. */
export function isLostConnection(e: unknown): boolean {
  if (e instanceof ConnectFailed || e instanceof PoolExhausted) return false
  const code = codeOf(e)
  if (code === 'ECONNREFUSED') return false
  return code.startsWith('08') || code === '57P01' || code === 'ECONNRESET' || code === 'EPIPE' || /Connection terminated|not queryable/i.test(messageOf(e))
}

/**
 * What a driver error means for the caller: `DB_ERROR` with a sentence and the SQLSTATE kept, or
 * `FORBIDDEN` for a right the role lacks; null for an error that is not the database's (a bug, or
 * what the caller's own code threw). Every error the server sends has a SQLSTATE, so none of them
 * leaves the library raw.
 */
export function describePostgresError(e: unknown): DescribedError | null {
  const code = codeOf(e)
  const message = messageOf(e)
  const sqlstate = SQLSTATE.test(code) ? code : undefined
  const db = (text: string): DescribedError => ({ code: 'DB_ERROR', message: text, ...(sqlstate === undefined ? {} : { sqlstate }) })
  if (e instanceof PoolExhausted) return db(`the database is busy: ${message}`)
  if (e instanceof NoAnswer) return db(`the database is unavailable: ${message}`)
  if (e instanceof ConnectFailed) return db(`the database is unavailable: cannot connect: ${message}`)
  if (code === LOCK_TIMEOUT) return db(`the database is busy (a row stayed locked by another transaction past the lock timeout): ${message}`)
  if (TIMED_OUT.has(code)) return db(`the database ended the statement or transaction after its timeout: ${message}`)
  if (ENCODING.has(code)) return db(`the database cannot store this text in its encoding: ${message}`)
  if (READ_ONLY.has(code)) return db(`the server is read-only (a standby, or a primary demoted by a failover): writes need the primary: ${message}`)
  if (PERMISSION_DENIED.has(code)) return { code: 'FORBIDDEN', message: `the database role may not do this: ${message}`, sqlstate: code }
  if (MISSING.has(code))
    return db(`the database lacks what halo-admin needs (not migrated, or a schema or search_path that misses it; run \`halo-admin db migrate\`): ${message}`)
  if (NETWORK_CODES.has(code) || UNAVAILABLE_CLASSES.some((c) => code.startsWith(c) && code.length === 5) || CONNECTION_LOST.test(message)) {
    return db(`the database is unavailable: ${message}`)
  }
  if (HANDLE_CLOSED.test(message)) return db('the database handle is closed')
  if (isStalePlan(e)) return db(`the schema changed under a prepared statement (a migration ran meanwhile); try again: ${message}`)
  if (sqlstate !== undefined) return db(`the database refused the statement (SQLSTATE ${sqlstate}): ${message}`)
  return null
}
