/**
 * The event feed's LISTEN on PostgreSQL, on a connection of its own (never one of the pool's: a
 * borrowed pool of `max: 1` stays the host's), used only where NOTIFY is seen to arrive.
 *
 * - At each connect it LISTENs on `halo_admin_events:<schema>` (what migration 0005's trigger
 *   NOTIFYs at each commit) and sends itself a probe from a second, short-lived connection. Through
 *   PgBouncer in transaction mode the probe never comes back (the LISTEN stayed on a server
 *   connection the pooler gave to someone else): the listener then says so once (`onPolling`),
 *   closes, and every wait polls (it tries again a minute later, and says so only once).
 * - A lost connection (server restart, `pg_terminate_backend`) is made again, at most once per poll
 *   interval; meanwhile waits poll (the wait in progress then ends a poll interval after the loss at
 *   the latest). No wait ends early but for a notification or the signal, so a follower never reads
 *   faster than its interval when nothing happens.
 */
import pg from 'pg'
import type { EventListener } from '../engine.js'

export interface ListenerOptions {
  /** What a `pg.Client` takes (the pool's own options). */
  readonly client: pg.ClientConfig
  /** The library's schema; null: the connection's current schema. */
  readonly schema: string | null
  /** The longest a wait sleeps while notifications do not arrive, and the least time between two connects. */
  readonly pollMs: number
  /** How long the probe may take to come back (default 5000 ms; a wait does not wait for it). */
  readonly probeMs?: number
  /** Told once, in one line, when the listener gives up on notifications and waits only poll. */
  readonly onPolling?: (why: string) => void
}

/** After a probe that did not come back, the listener tries again this long after (or a poll interval, if longer). */
const PROBE_RETRY_MS = 60_000

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve()
    const done = () => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, Math.max(0, ms))
    signal?.addEventListener('abort', done)
  })

/** Ends a client, and drops its socket when the server does not answer: never waits without bound. */
async function endClient(client: pg.Client): Promise<void> {
  await Promise.race([client.end().catch(() => {}), sleep(1000)])
  ;(client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy()
}

function connectOptions(config: pg.ClientConfig): pg.ClientConfig {
  return { ...config, keepAlive: true, keepAliveInitialDelayMillis: 10_000, connectionTimeoutMillis: 5000 }
}

/** A listener that connects on the first wait; see the module's comment. */
export function listenForEvents(o: ListenerOptions): EventListener {
  const probeMs = o.probeMs ?? 5000
  let client: pg.Client | null = null
  let connecting: Promise<void> | null = null
  /** No connect before this time: a poll interval after a failed one, longer after a probe that did not come back. */
  let nextAttempt = 0
  let said = false
  let closed = false
  /** A notification came while nobody waited: the next wait returns at once. */
  let pending = false
  let wake: (() => void) | null = null
  /** Brings the end of the wait in progress to a poll interval from now, if it was later. */
  let shorten: (() => void) | null = null

  async function connect(): Promise<void> {
    const c = new pg.Client(connectOptions(o.client))
    c.on('error', () => {})
    let channel = ''
    let probe = ''
    let probed!: () => void
    const arrived = new Promise<void>((r) => (probed = r))
    // the connection lost before the probe came back is a failed connect, not a pooler
    const ended = new Promise<never>((_, reject) => c.once('end', () => reject(new Error('the listener connection ended'))))
    ended.catch(() => {})
    c.on('notification', (n) => {
      if (n.channel !== channel) return
      if (probe !== '' && n.payload === probe) return probed()
      pending = true
      wake?.()
    })
    try {
      await c.connect()
      const schema = o.schema ?? (await c.query<{ s: string }>('select current_schema() as s')).rows[0]!.s
      channel = `halo_admin_events:${schema}`
      await c.query(`listen "${channel.replaceAll('"', '""')}"`)
      probe = `probe:${process.pid}:${Math.random().toString(36).slice(2)}`
      const sender = new pg.Client(connectOptions(o.client))
      sender.on('error', () => {})
      try {
        await sender.connect()
        await sender.query('select pg_notify($1, $2)', [channel, probe])
      } finally {
        await endClient(sender)
      }
      let came = false
      await Promise.race([arrived.then(() => (came = true)), sleep(probeMs), ended])
      if (!came) {
        // tried again now and then (a probe lost to a loaded server is not a pooler), said once
        nextAttempt = Date.now() + Math.max(PROBE_RETRY_MS, o.pollMs)
        if (!said)
          o.onPolling?.(
            `event feed: a NOTIFY sent to this connection did not come back within ${probeMs} ms (a pooler in transaction mode?): polling every ${o.pollMs} ms instead`,
          )
        said = true
        await endClient(c)
        return
      }
    } catch {
      // the server is away (a restart) or refused us: waits poll, and a later one connects again
      await endClient(c)
      return
    }
    if (closed) return endClient(c)
    const lost = () => {
      if (client !== c) return
      client = null
      // no notification will come: the wait in progress ends a poll interval from now at the latest (not
      // at once: the server may be restarting, and a read now would only fail)
      shorten?.()
    }
    c.on('end', lost)
    c.on('error', lost)
    client = c
  }

  /** Starts a connect when there is no live connection and the time for the next try has come. */
  function ensure(): void {
    if (closed || client !== null || connecting !== null || Date.now() < nextAttempt) return
    nextAttempt = Date.now() + o.pollMs
    connecting = connect().finally(() => (connecting = null))
  }

  return {
    async next(timeoutMs, signal) {
      const start = Date.now()
      const deadline = start + timeoutMs
      // without a live connection this wait is a poll: it ends a poll interval from now, never sooner
      const pollEnd = start + Math.min(timeoutMs, o.pollMs)
      ensure()
      if (connecting !== null) await Promise.race([connecting, sleep(pollEnd - start, signal)])
      if (signal?.aborted) return
      if (client === null) return sleep(pollEnd - Date.now(), signal)
      if (Date.now() >= deadline) return
      if (pending) {
        pending = false
        return
      }
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer)
          signal?.removeEventListener('abort', done)
          wake = null
          shorten = null
          pending = false
          resolve()
        }
        let timer = setTimeout(done, deadline - Date.now())
        wake = done
        shorten = () => {
          if (deadline - Date.now() <= o.pollMs) return
          clearTimeout(timer)
          timer = setTimeout(done, o.pollMs)
        }
        signal?.addEventListener('abort', done)
        if (signal?.aborted) done()
      })
    },
    async close() {
      closed = true
      wake?.()
      await connecting?.catch(() => {})
      const c = client
      client = null
      if (c !== null) await endClient(c)
    },
  }
}
