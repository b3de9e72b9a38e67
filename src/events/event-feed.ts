import { HaloError } from '../errors.js'
import { parseInstant } from '../core/clock.js'
import { toEvent, type SessionEvent } from '../closure/session-view.js'
import type { HaloDatabase } from '../store/database.js'
import type { EventListener } from '../store/engine.js'
import * as repo from './event-repository.js'

/**
 * One lifecycle event of a session, as the feed hands it out: a session event (`getSession().events`)
 * with its place in the feed.
 *
 * ```ts
 * for (const e of (await feed.read({ after })).events) if (e.toStatus === 'closing') pushGoodbyeComposer(e.sessionId)
 * ```
 */
export interface LifecycleEvent extends Omit<SessionEvent, 'id'> {
  /** Where the feed stands after this event: pass it as `after` to read on from here. */
  readonly cursor: string
  readonly sessionId: number
  /** The session's mitra. */
  readonly mitraId: string
  /** On an `early_end` event, the reason code the closure recorded (null: none given); null on every other event. */
  readonly reason: string | null
}

/**
 * One read of the feed: its events, and the cursor to read on from.
 *
 * ```ts
 * const { events, cursor }: EventPage = await feed.read({ after: saved, limit: 500 })
 * await saveCursor(cursor) // after handling `events`
 * ```
 */
export interface EventPage {
  /** Oldest first; each session's events in the order they happened. */
  readonly events: readonly LifecycleEvent[]
  /** Where the feed stands after these events (unchanged when there were none): the next `after`. */
  readonly cursor: string
}

/**
 * Where `read` starts and how much it returns.
 *
 * ```ts
 * await feed.read({ after: cursor, limit: 1000 })
 * ```
 */
export interface ReadOptions {
  /** A cursor from an earlier read or event; absent: from the first event. */
  readonly after?: string
  /** At most this many events, 1 to 10,000 (default 100). */
  readonly limit?: number
  /** Only the events this wants; the cursor still moves past the others (a follower never reads them again). */
  readonly filter?: EventFilter
}

/**
 * Which events to hand out: every condition given must hold.
 *
 * ```ts
 * await feed.read({ after: cursor, filter: { mitraId: 'm-7', types: ['early_end'] } })
 * ```
 */
export interface EventFilter {
  readonly sessionId?: number
  /** Only events of this mitra's sessions. */
  readonly mitraId?: string
  /** Only these kinds: `opened`, `early_end`, `expired`, `goodbye`, `finalized`. */
  readonly types?: readonly string[]
}

/**
 * What `list` looks back over: the newest events first.
 *
 * ```ts
 * await feed.list({ since: '2026-11-24T00:00:00Z', filter: { types: ['early_end'] }, limit: 50 })
 * ```
 */
export interface ListOptions {
  /** Only events at or after this instant (ISO-8601 with its zone). */
  readonly since?: string
  /** Only events older than the event with this id: the next page (`EventListing.next`). */
  readonly beforeId?: number
  readonly filter?: EventFilter
  /** At most this many events, 1 to 10,000 (default 100). */
  readonly limit?: number
}

/**
 * An event of a listing: a lifecycle event with the id `getSession().events` gives it, instead of a cursor.
 *
 * ```ts
 * const [newest]: readonly ListedEvent[] = (await feed.list({ limit: 1 })).events
 * ```
 */
export interface ListedEvent extends Omit<LifecycleEvent, 'cursor'> {
  readonly id: number
}

/**
 * A look back over the feed, newest first.
 *
 * ```ts
 * const { events, cursor } = await feed.list({ limit: 20 })
 * for await (const e of follow(cursor)) … // what happens after the listing
 * ```
 */
export interface EventListing {
  /** Newest first (by id). */
  readonly events: readonly ListedEvent[]
  /** Where the feed stood when the listing was read: `read({ after: cursor })` gives what came after (some listed events may come again). */
  readonly cursor: string
  /** The `beforeId` of the next (older) page, when this one was full; else null. */
  readonly next: number | null
}

/**
 * How long `wait` waits, and how to stop it.
 *
 * ```ts
 * await feed.wait({ timeoutMs: 5000, signal: shutdown.signal })
 * ```
 */
export interface WaitOptions {
  /** The longest to wait (default 1000 ms): a follower reads again then, whatever happened. */
  readonly timeoutMs?: number
  readonly signal?: AbortSignal
}

/**
 * The lifecycle event feed of contract §5, read like Stripe's events (`starting_after`), followed like
 * graphile-worker's jobs (LISTEN/NOTIFY on PostgreSQL, polling on SQLite).
 *
 * ```ts
 * const feed: EventFeed = createEventFeed(handle)
 * ```
 */
export interface EventFeed {
  /**
   * The committed events after `after`, each exactly once across reads, each session's in order,
   * whatever number of writers commit meanwhile.
   * @throws HaloError `INVALID_INPUT` (a cursor this database did not give, a bad limit), `DB_ERROR`
   */
  read(options?: ReadOptions): Promise<EventPage>
  /**
   * The newest events first, as `stripe events list` gives them: a look back (who ended what, and why),
   * not a position to follow from; its `cursor` is one.
   * @throws HaloError `INVALID_INPUT` (a bad limit, instant or filter), `DB_ERROR`
   */
  list(options?: ListOptions): Promise<EventListing>
  /**
   * A cursor at the end of the feed as it stands: reading from it gives only what happens next.
   * @throws HaloError `DB_ERROR`
   */
  latest(): Promise<string>
  /**
   * Resolves when new events may have been committed (a NOTIFY on PostgreSQL), after `timeoutMs`, or when
   * `signal` aborts. Read again then: an event behind a transaction still in flight waits for it.
   * @throws HaloError `DB_ERROR`
   */
  wait(options?: WaitOptions): Promise<void>
  /**
   * Stops listening (frees the connection a PostgreSQL listener holds).
   * @throws nothing of its own
   */
  close(): Promise<void>
}

const ID_CURSOR = /^i:(\d{1,15})$/
const TX_CURSOR = /^x:(\d{1,20}):(\d{1,20}):(\d{1,15})$/

const bad = (message: string): never => {
  throw new HaloError('INVALID_INPUT', message)
}

/** An event before the feed has added what it reads from its session (`withFacts`). */
type BareEvent = Omit<LifecycleEvent, 'mitraId' | 'reason'>

/** `events` with their session's mitra and, on an early end, the closure's reason: one read for them all. */
async function withFacts<E extends BareEvent>(
  db: Parameters<Parameters<HaloDatabase['read']>[0]>[0],
  events: readonly E[],
): Promise<(E & { mitraId: string; reason: string | null })[]> {
  const facts = new Map((await repo.sessionFacts(db, [...new Set(events.map((e) => e.sessionId))])).map((f) => [f.session_id, f]))
  return events.map((e) => {
    const f = facts.get(e.sessionId)
    return { ...e, mitraId: f?.mitra_id ?? '', reason: e.event === 'early_end' ? (f?.reason ?? null) : null }
  })
}

/**
 * The kinds of lifecycle event, for a filter's `types`.
 *
 * ```ts
 * await feed.list({ filter: { types: EVENT_TYPES.filter((t) => t !== 'opened') } })
 * ```
 */
export const EVENT_TYPES = ['opened', 'early_end', 'expired', 'goodbye', 'finalized'] as const

function checkFilter(filter: unknown): EventFilter {
  if (filter === undefined) return {}
  if (typeof filter !== 'object' || filter === null) return bad('event feed: filter: expected { sessionId?, mitraId?, types? }')
  const f = filter as EventFilter
  if (f.sessionId !== undefined && (typeof f.sessionId !== 'number' || !Number.isSafeInteger(f.sessionId) || f.sessionId < 1))
    bad('event feed: filter.sessionId: expected a positive integer')
  if (f.mitraId !== undefined && (typeof f.mitraId !== 'string' || f.mitraId === '')) bad('event feed: filter.mitraId: expected a mitra id')
  if (f.types !== undefined) {
    if (!Array.isArray(f.types) || f.types.length === 0) bad(`event feed: filter.types: expected some of ${EVENT_TYPES.join(', ')}`)
    for (const t of f.types as unknown[])
      if (!(EVENT_TYPES as readonly unknown[]).includes(t)) bad(`event feed: filter.types: "${String(t).slice(0, 40)}" is not one of ${EVENT_TYPES.join(', ')}`)
  }
  return {
    ...(f.sessionId === undefined ? {} : { sessionId: f.sessionId }),
    ...(f.mitraId === undefined ? {} : { mitraId: f.mitraId }),
    ...(f.types === undefined ? {} : { types: [...f.types] }),
  }
}

function matches(e: LifecycleEvent, f: EventFilter): boolean {
  return (
    (f.sessionId === undefined || e.sessionId === f.sessionId) &&
    (f.mitraId === undefined || e.mitraId === f.mitraId) &&
    (f.types === undefined || f.types.includes(e.event))
  )
}

/** An ISO-8601 instant with its zone, as UTC ISO (what `created_at` holds). */
function checkInstant(text: unknown): string {
  const at = typeof text === 'string' ? parseInstant(text) : null
  if (at === null) return bad('event feed: since: expected an ISO-8601 instant with its zone, e.g. 2026-11-24T10:00:00+07:00')
  return at.toISOString()
}

/** Compares two xid8 values written in decimal (they may pass 2^53). */
const xidCompare = (a: string, b: string): number => (a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0)

/**
 * The lifecycle event feed over `handle`: the session events (`opened`, `early_end`, `expired`,
 * `goodbye`, `finalized`) in commit order, every committed event exactly once, each session's in
 * order, under any number of writers. On PostgreSQL a read is fenced at the oldest transaction still in
 * flight, so an event whose id was taken before a later one committed is never skipped; a long
 * transaction anywhere on the server holds the feed back until it ends.
 *
 * ```ts
 * const feed = createEventFeed(handle)
 * let cursor = await feed.latest()
 * for (;;) {
 *   const page = await feed.read({ after: cursor })
 *   for (const e of page.events) push(e.sessionId, e.toStatus) // "closing": show the goodbye composer
 *   cursor = page.cursor
 *   if (page.events.length === 0) await feed.wait()
 * }
 * ```
 */
export function createEventFeed(handle: HaloDatabase, options: { pollMs?: number } = {}): EventFeed {
  const engine = handle.engine
  const byTransaction = engine.eventOrder === 'transaction'
  const pollMs = options.pollMs ?? 250
  let listener: Promise<EventListener | null> | undefined

  // the audit trail's event (session-view.ts), at its place in the feed instead of by its id
  const toLifecycleEvent = (r: repo.EventRow, cursor: string): BareEvent => {
    const { id: _id, ...event } = toEvent(r)
    return { cursor, sessionId: r.session_id, ...event }
  }

  function checkLimit(limit: unknown): number {
    if (limit === undefined) return 100
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 10_000) bad('event feed: limit: expected an integer from 1 to 10000')
    return limit as number
  }

  function parse(after: unknown): RegExpExecArray | null {
    if (after === undefined) return null
    if (typeof after !== 'string') return bad('event feed: after: expected a cursor the feed gave')
    const m = (byTransaction ? TX_CURSOR : ID_CURSOR).exec(after)
    if (m === null) bad(`event feed: after: "${after.slice(0, 80)}" is not a cursor this database's feed gives`)
    return m
  }

  const feed: EventFeed = Object.freeze({
    async read(options: ReadOptions = {}): Promise<EventPage> {
      const limit = checkLimit(options?.limit)
      const m = parse(options?.after)
      const filter = checkFilter(options?.filter)
      const page = await handle.read(async (db): Promise<{ events: BareEvent[]; cursor: string }> => {
        if (!byTransaction) {
          const after = m === null ? 0 : Number(m[1])
          const rows = await repo.eventsAfter(db, after, limit)
          const events = rows.map((r) => toLifecycleEvent(r, `i:${r.id}`))
          return { events, cursor: events.at(-1)?.cursor ?? `i:${after}` }
        }
        // bands of ended transactions [from, to): the cursor's, then on up to the fence as it is now
        const fence = await engine.commitFence(db)
        let [from, to, afterId] = m === null ? ['0', fence, 0] : [m[1]!, m[2]!, Number(m[3])]
        const events: BareEvent[] = []
        for (;;) {
          const rows = await repo.eventsOfTransactions(db, engine, from, to, afterId, limit - events.length)
          for (const r of rows) events.push(toLifecycleEvent(r, `x:${from}:${to}:${r.id}`))
          afterId = rows.at(-1)?.id ?? afterId
          if (events.length >= limit || xidCompare(fence, to) <= 0) break
          // this band is read to its end: the next one runs to the fence
          ;[from, to, afterId] = [to, fence, 0]
        }
        return { events, cursor: `x:${from}:${to}:${afterId}` }
      })
      // the session's facts (mitra, the closure's reason) never change once its event is committed
      if (page.events.length === 0) return { events: [], cursor: page.cursor }
      const events = await handle.read((db) => withFacts(db, page.events))
      return { events: events.filter((e) => matches(e, filter)), cursor: page.cursor }
    },

    async list(options: ListOptions = {}): Promise<EventListing> {
      const limit = checkLimit(options?.limit)
      const filter = checkFilter(options?.filter)
      const since = options?.since === undefined ? undefined : checkInstant(options.since)
      const beforeId = options?.beforeId
      if (beforeId !== undefined && (typeof beforeId !== 'number' || !Number.isSafeInteger(beforeId) || beforeId < 1))
        bad('event feed: beforeId: expected a positive integer')
      // where the feed stands first: what commits during the listing comes after the cursor, never lost
      const cursor = await feed.latest()
      const rows = await handle.read((db) =>
        repo.recentEvents(
          db,
          {
            ...filter,
            ...(beforeId === undefined ? {} : { beforeId }),
            ...(since === undefined ? {} : { since }),
          },
          limit,
        ),
      )
      const bare = rows.map((r) => ({ ...toLifecycleEvent(r, ''), id: r.id }))
      const events = await handle.read((db) => withFacts(db, bare))
      return { events: events.map(({ cursor: _c, ...e }) => e), cursor, next: rows.length === limit ? rows.at(-1)!.id : null }
    },

    latest(): Promise<string> {
      return handle.read(async (db) => {
        if (!byTransaction) return `i:${await repo.latestId(db)}`
        const fence = await engine.commitFence(db)
        return `x:${fence}:${fence}:0`
      })
    },

    async wait(options: WaitOptions = {}): Promise<void> {
      const timeoutMs = options.timeoutMs ?? 1000
      listener ??= handle.read(() => engine.listenForEvents())
      const l = await listener
      if (l !== null) return l.next(timeoutMs, options.signal)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(timeoutMs, pollMs))
        function done() {
          clearTimeout(timer)
          options.signal?.removeEventListener('abort', done)
          resolve()
        }
        options.signal?.addEventListener('abort', done)
        if (options.signal?.aborted) done()
      })
    },

    async close(): Promise<void> {
      const l = await listener?.catch(() => null)
      listener = undefined
      await l?.close()
    },
  })
  return feed
}
