import { createHash } from 'node:crypto'
import type pg from 'pg'
import type { PostgresPool, PostgresPoolClient } from 'kysely'
import { HaloError } from '../../errors.js'
import { boundsSql, type Bounds } from './postgres-bounds.js'
import { ConnectFailed, isStalePlan, NoAnswer, PoolExhausted } from './postgres-errors.js'
import { typeParsers } from './postgres-types.js'

/** How the library's connections behave; see `boundedPool`. */
export interface PoolSettings {
  readonly bounds: Bounds
  /**
   * Name the statements run again and again, per connection (parsed and planned once). Only for a
   * direct connection (or a pooler in session mode): through PgBouncer in transaction mode a name
   * prepared on one server connection is missing on the next, or already taken there by another client.
   */
  readonly prepare: boolean
  /** The schema every transaction runs with as its search path (`SET LOCAL`): the migrations' run. */
  readonly searchPath?: string | null
  /**
   * A transaction lock every transaction takes right after its bounds (`pg_advisory_xact_lock`), waiting
   * at most `waitMs` for it: the migrations' run, one at a time per database, never a session lock.
   */
  readonly transactionLock?: { readonly name: string; readonly waitMs: number }
  /** Whether `end()` ends the pool (false for the backend's own pool). */
  readonly owned: boolean
}

/** At most this many statements get a name (per pool); any further ones run unnamed. */
const PREPARED_LIMIT = 200
/** Statements with more values than this (batch inserts, long `in` lists) vary too much to be worth naming. */
const PREPARED_MAX_VALUES = 32
const PREPARABLE = /^\s*(select|insert|update|delete|with)\b/i
/** A statement that starts a transaction block (kysely's `begin` / `start transaction …`, the engine's own). */
const BEGINS = /^\s*(?:begin|start\s+transaction)\b[^;]*/i
/** A statement that ends one (`rollback to savepoint` does not). */
const ENDS = /^\s*(?:commit|end|abort|rollback(?!\s+to\b))\b/i
/** The engine's own `begin` already carries the bounds, ahead of its locks. */
const BOUNDED = /set local statement_timeout/i

/** Encodings that store any text the library is given as it was given. */
const UTF8 = /^UTF-?8$/i

/**
 * The pool kysely uses, made safe behind a pooler (PgBouncer in transaction or session mode) and on a
 * lent pool:
 * - every statement runs in a transaction that bounds itself with `SET LOCAL` (lock, statement and
 *   idle-in-transaction timeouts): a transaction kysely or the engine begins gets them after its
 *   `begin`, and a statement sent on its own is wrapped in one (`begin; set local …`, the statement,
 *   `commit`), so no read runs unbounded and no setting outlives its transaction;
 * - statements are unnamed unless `prepare` (see PoolSettings);
 * - a connection is waited for at most `acquireTimeoutMs` (a lent pool the host has checked out whole
 *   gives `DB_ERROR`, not a hang), and one handed back mid-transaction is destroyed, never reused;
 * - each connection's database encoding is checked once, the first time the library uses it.
 */
export function boundedPool(pool: pg.Pool, settings: PoolSettings): PostgresPool {
  const names = new Map<string, string>()
  const nameFor = (text: string, values: number): string | undefined => {
    if (!settings.prepare) return undefined
    const known = names.get(text)
    if (known !== undefined || values > PREPARED_MAX_VALUES || names.size >= PREPARED_LIMIT || !PREPARABLE.test(text)) return known
    // named after the text: a name can only ever stand for this statement, in any process
    const name = `halo_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`
    names.set(text, name)
    return name
  }
  const lock = settings.transactionLock
  const extra = [
    ...boundsSql(settings.bounds),
    ...(settings.searchPath ? [`set local search_path to "${settings.searchPath.replaceAll('"', '""')}"`] : []),
    ...(lock === undefined
      ? []
      : [
          `set local lock_timeout = ${Math.max(1, Math.round(lock.waitMs))}`,
          `select pg_advisory_xact_lock(hashtext('${lock.name.replaceAll("'", "''")}'))`,
          `set local lock_timeout = ${Math.max(1, Math.round(settings.bounds.lockTimeoutMs))}`,
        ]),
  ]
  const opening = ['begin', ...extra].join('; ')
  /** `begin…` with the bounds (and search path) right after it, ahead of whatever else it carries. */
  const bounded = (text: string): string => {
    const wanted = BOUNDED.test(text) ? extra.slice(boundsSql(settings.bounds).length) : extra
    return wanted.length === 0 ? text : text.replace(BEGINS, (begin) => `${begin}; ${wanted.join('; ')}`)
  }
  const checked = new WeakSet<pg.PoolClient>()
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>()
  const state = new WeakMap<pg.PoolClient, { inTransaction: boolean; stale: boolean }>()

  // the client gives up a little after the server would have cancelled the statement: a server that
  // stopped answering (stopped, partitioned away) cannot hold a call of the library without bound
  const answerWithinMs = settings.bounds.statementTimeoutMs + 5000
  const wrap = (raw: pg.PoolClient): PostgresPoolClient => {
    const s = { inTransaction: false, stale: false, broken: false, pending: false }
    state.set(raw, s)
    // one timer per connection, re-armed as each statement is sent (a timer and a race per statement
    // cost as much as parsing its answer): when it fires with a statement still unanswered, the
    // connection is cut, which fails that statement, and is destroyed on release, never reused
    const silent = setTimeout(() => {
      if (!s.pending) return
      s.broken = true
      ;(raw as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy()
    }, answerWithinMs)
    silent.unref()
    // (promise chains, not async functions: one statement's answer goes through as few steps as it can)
    const answered = <R>(result: R): R => {
      s.pending = false
      return result
    }
    const failed = (e: unknown): never => {
      s.pending = false
      if (s.broken) throw new NoAnswer(answerWithinMs)
      if (isStalePlan(e)) s.stale = true
      throw e
    }
    const send = (config: pg.QueryConfig): Promise<pg.QueryResult> => {
      if (s.broken) return Promise.reject(new NoAnswer(answerWithinMs))
      s.pending = true
      silent.refresh()
      return raw.query(config).then(answered, failed)
    }
    /** `begin…`, `commit`/`rollback`, or a statement on its own, in a transaction of its own. */
    const boundary = async (text: string, params: unknown[]) => {
      if (BEGINS.test(text)) {
        s.inTransaction = true
        return send({ text: bounded(text), values: params, types: typeParsers })
      }
      if (ENDS.test(text)) {
        try {
          return await send({ text, values: params, types: typeParsers })
        } finally {
          s.inTransaction = false
        }
      }
      // a statement on its own: in a transaction of its own, bounded like every other
      await send({ text: opening, types: typeParsers })
      try {
        const result = await send(configFor(text, params))
        await send({ text: 'commit', types: typeParsers })
        return result
      } catch (e) {
        await send({ text: 'rollback' }).catch(() => {})
        throw e
      }
    }
    const configFor = (text: string, params: unknown[]): pg.QueryConfig => {
      const name = nameFor(text, params.length)
      return name === undefined ? { text, values: params, types: typeParsers } : { name, text, values: params, types: typeParsers }
    }
    return {
      query(text: unknown, values?: readonly unknown[]) {
        if (typeof text !== 'string') return raw.query(text as never)
        // (pg copies the values it sends; kysely's compiled parameters are never changed)
        const params = (values ?? []) as unknown[]
        // the statements of a transaction under way go straight through
        if (s.inTransaction && !ENDS.test(text)) return send(configFor(text, params))
        return boundary(text, params)
      },
      release() {
        // handed back mid-transaction (its rollback failed: the connection died), silent, or with a stale plan: never reused
        const drop = s.stale || s.inTransaction || s.broken
        s.stale = false
        s.inTransaction = false
        s.broken = false
        raw.release(drop ? true : undefined)
      },
    } as unknown as PostgresPoolClient
  }

  return {
    async connect(): Promise<PostgresPoolClient> {
      const raw = await acquire(pool, settings.bounds.acquireTimeoutMs)
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
        w = wrap(raw)
        wrappers.set(raw, w)
      }
      return w
    },
    end: () => (settings.owned ? pool.end() : Promise.resolve()),
  }
}

/**
 * A connection of `pool` within `timeoutMs`: a pool whose connections are all checked out (the host's
 * own queries, a listener, a leak) gives `PoolExhausted` instead of an endless wait. A connection that
 * comes free after the wait gave up goes straight back.
 */
export function acquire(pool: pg.Pool, timeoutMs: number): Promise<pg.PoolClient> {
  // an idle connection for every caller ahead of this one: handed over at once, no wait to bound
  if (pool.idleCount > pool.waitingCount)
    return pool.connect().catch((e: unknown) => {
      throw new ConnectFailed(e)
    })
  return new Promise((resolve, reject) => {
    let gaveUp = false
    const timer = setTimeout(() => {
      gaveUp = true
      reject(new PoolExhausted(timeoutMs))
    }, timeoutMs)
    pool.connect().then(
      (client) => {
        clearTimeout(timer)
        if (gaveUp) client.release()
        else resolve(client)
      },
      (e: unknown) => {
        clearTimeout(timer)
        if (!gaveUp) reject(new ConnectFailed(e))
      },
    )
  })
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
