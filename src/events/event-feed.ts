import type { Kysely } from 'kysely'
import { HaloError } from '../errors.js'
import { toEvent, type SessionEvent } from '../closure/session-view.js'
import type { HaloDatabase } from '../store/database.js'
import type { EventListener } from '../store/engine.js'
import type { Schema } from '../store/schema.js'
import * as repo from './event-repository.js'
import { checkFilter, checkInstant, matches, type EventFilter } from './event-filter.js'
import { checkOf, cursorAt, decimalCompare, parseCursor, type CursorPosition } from './feed-cursor.js'

export { EVENT_TYPES, type EventFilter } from './event-filter.js'

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
 * How a feed follows: its poll interval, and who hears that it polls.
 *
 * ```ts
 * const feed = createEventFeed(handle, { pollMs: 1000, onPolling: (why) => log.warn(why) })
 * ```
 */
export interface FeedOptions {
  /**
   * How often a follower reads while no notification can wake it (SQLite; PostgreSQL through a
   * pooler in transaction mode or while its listener reconnects): `wait` then returns this long after
   * the start of the read before it, never sooner unless its signal aborts. 10 ms to 1 hour, default 250 ms.
   */
  readonly pollMs?: number
  /** Called once, with one line, when the PostgreSQL listener finds NOTIFY does not reach it and the feed polls instead. */
  readonly onPolling?: (why: string) => void
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
   * `signal` aborts; where no notification can come (SQLite, a pooler in transaction mode, a listener
   * reconnecting after a restart), after `min(timeoutMs, pollMs)`, counted from the start of the `read`
   * just before this wait (so a commit is handed out about one interval later, not an interval plus a
   * read). Never sooner: an idle follower starts at most one read per interval. Read again then: an
   * event behind a transaction still in flight waits for it.
   * The PostgreSQL listener is a connection of its own (not one of a borrowed pool's), made on the first wait.
   * @throws HaloError `INVALID_INPUT` (a bad timeoutMs); nothing else: a lost listener reconnects
   */
  wait(options?: WaitOptions): Promise<void>
  /**
   * Stops listening: ends the PostgreSQL listener's own connection (within about a second even when
   * the server does not answer). Always resolves.
   * @throws nothing
   */
  close(): Promise<void>
}

const bad = (message: string): never => {
  throw new HaloError('INVALID_INPUT', `event feed: after: ${message}`)
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

const RESTORED = 'the event feed keys here come from another server (a dump restored into this one): run `halo-admin db migrate` once, then read again'

/**
 * The lifecycle event feed over `handle`: the session events (`opened`, `early_end`, `expired`,
 * `goodbye`, `finalized`), every committed event exactly once and each session's in the order they
 * happened, under any number of writers and any interleaving of their transactions. There is no
 * global order beyond that: two sessions' events may come in another order than their commits.
 * On PostgreSQL a read is fenced at the oldest transaction still in flight, so an event that can still
 * commit is never passed; a long transaction anywhere on the server holds the feed back until it
 * ends. A cursor carries the install it came from and a check of the event it stands on: a cursor of
 * another database, or one a restored copy does not hold, is refused (`INVALID_INPUT`).
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
export function createEventFeed(handle: HaloDatabase, options_: FeedOptions = {}): EventFeed {
  const engine = handle.engine
  const byKey = engine.eventOrder === 'transaction'
  const pollMs = options_.pollMs ?? 250
  if (!Number.isInteger(pollMs) || pollMs < 10 || pollMs > 3_600_000)
    throw new HaloError('INVALID_INPUT', 'event feed: pollMs: expected an integer from 10 to 3600000')
  let listener: EventListener | null | undefined
  /** Set once the listener found that notifications do not arrive (a pooler in transaction mode): waits poll. */
  let polling = false
  /**
   * How long the last read took, until a wait takes it: a polling wait counts its interval from the
   * start of the read before it, so a commit waits about one interval to be handed out (not an
   * interval plus a read), and reads still start at most once per interval.
   */
  let lastReadMs = 0

  // the audit trail's event (session-view.ts), at its place in the feed instead of by its id
  const toLifecycleEvent = (r: repo.EventRow, origin: string): BareEvent => {
    const { id: _id, ...event } = toEvent(r)
    return { cursor: cursorAt(origin, r), sessionId: r.session_id, ...event }
  }

  function checkLimit(limit: unknown): number {
    if (limit === undefined) return 100
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 10_000)
      throw new HaloError('INVALID_INPUT', 'event feed: limit: expected an integer from 1 to 10000')
    return limit as number
  }

  function parse(after: unknown): CursorPosition | null {
    if (after === undefined) return null
    if (typeof after !== 'string') return bad('expected a cursor the feed gave')
    const position = parseCursor(after)
    if (position === 'earlier') bad(`"${after}" is a cursor of halo-admin before its 0007 migration; read from the beginning or from latest()`)
    if (position === null) bad(`${JSON.stringify(after.slice(0, 80))} is not a cursor this database's feed gives`)
    return position as CursorPosition
  }

  /** The database's origin and, for a cursor past the first event, the event it stands on: refused unless this database holds that very event. */
  async function locate(db: Kysely<Schema>, at: CursorPosition | null, origin: string): Promise<repo.EventRow | null> {
    if (at === null) return null
    if (at.origin !== origin) bad(`the cursor is from another database (its feed ${at.origin}, this one ${origin}); read from the beginning or from latest()`)
    if (at.id === '0') return null
    const row = await repo.eventAt(db, engine, at.id)
    if (row === undefined)
      bad(
        `the cursor stands on event ${at.id}, which this database does not hold: it was restored from an earlier copy; read from latest() (and replay what the copy lost) or from the beginning`,
      )
    if (checkOf(row!) !== at.check)
      bad(
        `event ${at.id} here is not the event the cursor was given for: the database was restored from an earlier copy; read from latest() or from the beginning`,
      )
    return row!
  }

  /**
   * Runs a read's statements in one read-only snapshot where each would otherwise be a transaction of
   * its own (PostgreSQL: `begin` with its bounds, the statement, `commit`: three round trips each), so
   * a follower's read costs one transaction, and its fence and its events are of one moment. Inside a
   * write of the handle, in its transaction; on SQLite (a read there is no round trip) as it is.
   */
  function inOneSnapshot<T>(db: Kysely<Schema>, fn: (db: Kysely<Schema>) => Promise<T>): Promise<T> {
    if (!byKey || db.isTransaction) return fn(db)
    return db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute(fn)
  }

  function inPlace(): void {
    const moved = engine.fileReplaced?.()
    if (moved) throw new HaloError('DB_ERROR', moved)
  }

  const feed: EventFeed = Object.freeze({
    async read(options: ReadOptions = {}): Promise<EventPage> {
      const limit = checkLimit(options?.limit)
      const position = parse(options?.after)
      const filter = checkFilter(options?.filter)
      inPlace()
      const started = performance.now()
      // one snapshot for the whole read on PostgreSQL (see `inOneSnapshot`), the session facts included
      return handle
        .read((db0) =>
          inOneSnapshot(db0, async (db): Promise<EventPage> => {
            const state = await repo.feedState(db, engine)
            if (byKey && state.newest != null && decimalCompare(state.newest, state.ceiling!) >= 0) throw new HaloError('DB_ERROR', RESTORED)
            const from = await locate(db, position, state.origin)
            if (byKey && from !== null && decimalCompare(from.key!, state.fence!) >= 0)
              bad(`event ${from.id} is not in the feed yet: this cursor was not given by it`)
            const rows = byKey
              ? await repo.eventsBelowFence(db, engine, from?.key ?? null, String(from?.id ?? 0), state.fence!, limit)
              : await repo.eventsAfter(db, engine, String(from?.id ?? 0), limit)
            const bare = rows.map((r) => toLifecycleEvent(r, state.origin))
            const cursor = bare.at(-1)?.cursor ?? cursorAt(state.origin, from)
            if (bare.length === 0) return { events: [], cursor }
            // the session's facts (mitra, the closure's reason) never change once its event is committed
            const events = await withFacts(db, bare)
            return { events: events.filter((e) => matches(e, filter)), cursor }
          }),
        )
        .finally(() => (lastReadMs = performance.now() - started))
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

    async latest(): Promise<string> {
      inPlace()
      return handle.read((db0) =>
        inOneSnapshot(db0, async (db) => {
          const state = await repo.feedState(db, engine)
          if (!byKey) return cursorAt(state.origin, (await repo.newestEvent(db, engine)) ?? null)
          if (state.newest != null && decimalCompare(state.newest, state.ceiling!) >= 0) throw new HaloError('DB_ERROR', RESTORED)
          return cursorAt(state.origin, (await repo.lastEventBelowFence(db, engine, state.fence!)) ?? null)
        }),
      )
    },

    async wait(options: WaitOptions = {}): Promise<void> {
      const timeoutMs = options?.timeoutMs ?? 1000
      if (typeof timeoutMs !== 'number' || !(timeoutMs >= 0) || timeoutMs > 2_147_483_647)
        throw new HaloError('INVALID_INPUT', 'event feed: timeoutMs: expected a number of milliseconds from 0 to 2147483647')
      // the part of this poll's interval the read before it already took
      const credit = Math.min(lastReadMs, pollMs)
      lastReadMs = 0
      const pollWait = Math.max(0, Math.min(timeoutMs, pollMs) - credit)
      listener ??= engine.listenForEvents({
        pollMs,
        onPolling: (why) => {
          polling = true
          options_.onPolling?.(why)
        },
      })
      if (listener !== null) return listener.next(polling ? pollWait : timeoutMs, options.signal)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, pollWait)
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
      const l = listener
      listener = undefined
      await l?.close()
    },
  })
  return feed
}
