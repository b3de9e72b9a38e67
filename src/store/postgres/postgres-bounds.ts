/**
 * The time bounds every transaction of the library sets for itself, with `SET LOCAL` inside the
 * transaction: never as startup parameters (PgBouncer refuses `options`) and never at session level
 * (through a pooler in transaction mode, session state leaks into other clients' transactions).
 */

/** How long a statement waits for another transaction's row lock before `DB_ERROR` (as SQLite's busy timeout). */
export const PG_LOCK_TIMEOUT_MS = 5000
/** The longest one statement may run on the server. */
export const PG_STATEMENT_TIMEOUT_MS = 30_000
/**
 * The longest a transaction may sit idle before the server ends it and releases its locks:
 * a process stopped (or paused) mid-transaction cannot hold a session or a mitra's counter for longer.
 * Shorter than the lock timeout, so a write queued behind a stopped one gets the lock instead of failing.
 */
export const PG_IDLE_IN_TRANSACTION_MS = 3000
/** The longest the library waits for a connection of its pool (or of a pool the host lent it) to come free. */
export const PG_ACQUIRE_TIMEOUT_MS = 5000

export interface Bounds {
  readonly lockTimeoutMs: number
  readonly statementTimeoutMs: number
  readonly idleTimeoutMs: number
  readonly acquireTimeoutMs: number
}

/** What may set the bounds: `openDatabase`'s options, else the URL's libpq `options`, else the defaults above. */
export interface BoundsOptions {
  readonly busyTimeoutMs?: number
  readonly idleInTransactionTimeoutMs?: number
  readonly acquireTimeoutMs?: number
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

export function boundsFrom(options: BoundsOptions, urlOptions: string): Bounds {
  const given = timeoutsIn(urlOptions)
  return {
    lockTimeoutMs: options.busyTimeoutMs ?? given.lock_timeout ?? PG_LOCK_TIMEOUT_MS,
    statementTimeoutMs: given.statement_timeout ?? PG_STATEMENT_TIMEOUT_MS,
    idleTimeoutMs: options.idleInTransactionTimeoutMs ?? given.idle_in_transaction_session_timeout ?? PG_IDLE_IN_TRANSACTION_MS,
    acquireTimeoutMs: options.acquireTimeoutMs ?? PG_ACQUIRE_TIMEOUT_MS,
  }
}

const ms = (n: number) => Math.max(1, Math.round(n))

/** The `SET LOCAL` statements that bound the transaction they run in, as SQL text to follow its `begin`. */
export function boundsSql(b: Bounds): string[] {
  return [
    `set local lock_timeout = ${ms(b.lockTimeoutMs)}`,
    `set local statement_timeout = ${ms(b.statementTimeoutMs)}`,
    `set local idle_in_transaction_session_timeout = ${ms(b.idleTimeoutMs)}`,
  ]
}
