import { Command, InvalidArgumentError } from 'commander'
import type { EventFeed, EventFilter, EventPage, LifecycleEvent, ListedEvent } from '../../events/event-feed.js'
import { action } from '../action.js'
import type { CliContext } from '../context.js'
import { examples } from '../help.js'
import { nextCommand } from '../next-command.js'
import { emit, notice } from '../output.js'
import { choices, integer, partyId, rowId } from '../parse.js'
import { peopleTime, sinceValue } from '../people-time.js'

/** The kinds of event (event-feed.ts's EVENT_TYPES, repeated so parsing the options loads no library code). */
const TYPES = ['opened', 'early_end', 'expired', 'goodbye', 'finalized'] as const

/** What each kind of event is, for completion. */
const TYPE_MEANING: Readonly<Record<(typeof TYPES)[number], string>> = {
  opened: 'a session opened',
  early_end: 'ended early by a mitra, customer or support (with its reason)',
  expired: 'its time ran out, found by a sweep',
  goodbye: 'a goodbye posted in the grace window',
  finalized: 'closed after the grace window',
}

interface EventsOptions {
  readonly after?: string
  readonly since?: string
  readonly last?: number
  readonly before?: number
  readonly session?: number
  readonly mitra?: string
  readonly type?: string[]
  readonly follow?: boolean
  readonly limit?: number
}

const DEFAULT_LIMIT = 100

/** How often `--follow` reads when no notification wakes it (SQLite; PostgreSQL behind a pooler in transaction mode). */
const FOLLOW_POLL_MS = 1000
/** How long `--follow` waits for a server that went away (a restart, a failover) before it gives up. */
const OUTAGE_MS = 30_000

export const events = new Command('events')
  .description(
    'the lifecycle event feed (sessions opened, ended early with their reason, expired, goodbyes, finalized): the newest first, or --follow them as they happen',
  )
  .summary('lifecycle events, newest first; --follow as they happen')
  .option(
    '--since <T>',
    'only events from T: a business day (2026-12-05, from its start), a local time (2026-12-05 13:00), an instant with its zone, today, yesterday, or 30m, 2h, 7d back',
    peopleTime,
  )
  .option('--last <n>', 'the newest n events (default 100)', integer(1, 10_000))
  .option('--after <cursor>', 'the events after this cursor, oldest first (a previous run printed it); with --follow: follow from there')
  .option('--before <id>', 'the next (older) page of a listing: events older than event <id>', rowId)
  .option('--session <id>', 'only the events of this session', rowId)
  .option('--mitra <id>', "only the events of this mitra's sessions", partyId)
  .option('--type <t[,t]>', `only these kinds of event: ${TYPES.join(', ')}`, choices(TYPES, TYPE_MEANING))
  .option('--follow', 'keep printing events as they are committed until Ctrl-C (after the --since or --last ones, oldest first)')
  .option('--limit <n>', `at most n events a page (default ${DEFAULT_LIMIT}; same as --last)`, integer(1, 10_000))
  .addHelpText(
    'after',
    `
Without --follow and --after, events are listed newest first, as \`stripe events list\` does; a full
page says on stderr how to get the older ones (--before) and how to follow on from now (--after the
cursor it prints). With --after they come oldest first from that cursor, each with the cursor after
it. --follow prints the --since or --last events oldest first, then each new one as it commits, like
\`stripe listen\`. An early_end event shows its reason code. \`session show <id>\` prints the cursor to
follow that session from. With --json a listing is one document {"order","events","cursor","next"},
a page after a cursor {"events","cursor"}, and --follow one JSON object a line.
${examples(
  'halo-admin events',
  'halo-admin events --since 2026-11-24 --type early_end',
  'halo-admin events --session 183',
  'halo-admin events --mitra mitra-ayu --last 20',
  'halo-admin events --follow --type early_end,expired',
  'halo-admin events --after c:3f9a1c0b2d4e:1240:9f2c41aa --json',
)}`,
  )
  .action(
    action(async (ctx, opts: EventsOptions) => {
      if (opts.after !== undefined && (opts.since !== undefined || opts.last !== undefined || opts.before !== undefined))
        throw new InvalidArgumentError('--after reads on from a cursor: give --after, or --since/--last/--before, not both')
      if (opts.last !== undefined && opts.limit !== undefined && opts.last !== opts.limit)
        throw new InvalidArgumentError('--last and --limit say the same: give one')
      if (opts.follow === true && opts.before !== undefined)
        throw new InvalidArgumentError('--before pages back through a listing: it does not go with --follow')
      const [{ createEventFeed }, { createConfigStore }, { businessDayStart, isCalendarDay }] = await Promise.all([
        import('../../events/event-feed.js'),
        import('../../config/config-store.js'),
        import('../../core/business-day.js'),
      ])
      const handle = await ctx.database()
      const zone = await createConfigStore(handle, { clock: ctx.clock }).get('business_timezone')
      const timeZone = ctx.utc ? 'UTC' : zone
      const typed = opts.since === undefined ? undefined : await sinceValue(ctx, opts.since)
      const since = typed === undefined ? undefined : isCalendarDay(typed) ? businessDayStart(typed, zone).toISOString() : typed
      const filter: EventFilter = {
        ...(opts.session === undefined ? {} : { sessionId: opts.session }),
        ...(opts.mitra === undefined ? {} : { mitraId: opts.mitra }),
        ...(opts.type === undefined ? {} : { types: opts.type }),
      }
      const limit = opts.last ?? opts.limit ?? DEFAULT_LIMIT
      // a follower reads about once a second when nothing happens; told once when NOTIFY cannot reach it
      const feed = createEventFeed(handle, { pollMs: FOLLOW_POLL_MS, onPolling: (why) => ctx.io.stderr.write(`${why}\n`) })
      try {
        if (opts.follow === true) {
          // the history asked for first, oldest first, then what commits after it
          const history =
            opts.after === undefined && (opts.since !== undefined || opts.last !== undefined)
              ? await feed.list({ filter, limit, ...(since === undefined ? {} : { since }) })
              : undefined
          for (const e of [...(history?.events ?? [])].reverse()) await print(ctx, e, timeZone)
          return await follow(ctx, feed, opts.after ?? history?.cursor, filter, timeZone, history?.events ?? [])
        }
        if (opts.after !== undefined) {
          const page = await feed.read({ after: opts.after, limit, filter })
          await emit(ctx, page, async (p) => (await Promise.all(p.events.map((e) => eventLine(e, timeZone)))).join('\n'))
          // not data: on stderr, so that a pipe gets only the events
          if (page.events.length === 0) notice(ctx, 'no events after that cursor')
          if (!ctx.json)
            ctx.io.stderr.write(`oldest first from the cursor; read on: ${nextCommand(ctx, ['events', ...filterArgs(opts), '--after', page.cursor])}\n`)
          return
        }
        const listing = await feed.list({
          filter,
          limit,
          ...(since === undefined ? {} : { since }),
          ...(opts.before === undefined ? {} : { beforeId: opts.before }),
        })
        await emit(ctx, { order: 'newest first', ...listing }, async (l) => (await Promise.all(l.events.map((e) => eventLine(e, timeZone)))).join('\n'))
        if (listing.events.length === 0) notice(ctx, 'no events match')
        if (ctx.json) return
        const older = listing.next === null ? '' : `; older: ${nextCommand(ctx, ['events', ...filterArgs(opts), '--before', String(listing.next)])}`
        ctx.io.stderr.write(`${listing.events.length} ${listing.events.length === 1 ? 'event' : 'events'}, newest first${older}\n`)
        ctx.io.stderr.write(`follow on from here: ${nextCommand(ctx, ['events', ...filterArgs(opts, false), '--follow', '--after', listing.cursor])}\n`)
      } finally {
        await feed.close()
      }
    }),
  )

/** The options that choose events, as given, for a printed next command (`--since` too when `withSince`). */
function filterArgs(opts: EventsOptions, withSince = true): string[] {
  return [
    ...(withSince && opts.since !== undefined ? ['--since', opts.since] : []),
    ...(withSince && (opts.last ?? opts.limit) !== undefined ? ['--last', String(opts.last ?? opts.limit)] : []),
    ...(opts.session === undefined ? [] : ['--session', String(opts.session)]),
    ...(opts.mitra === undefined ? [] : ['--mitra', opts.mitra]),
    ...(opts.type === undefined ? [] : ['--type', opts.type.join(',')]),
  ]
}

/** The same event, listed or followed: a listing's may come again right after it from the feed. */
const sameEvent = (e: Omit<LifecycleEvent, 'cursor'>) => `${e.sessionId}\n${e.event}\n${e.actorType}\n${e.at}`

/** Prints events as they are committed, until SIGINT or SIGTERM: then exits 0, as `stripe listen` does. */
async function follow(
  ctx: CliContext,
  feed: EventFeed,
  after: string | undefined,
  filter: EventFilter,
  timeZone: string,
  listed: readonly ListedEvent[],
): Promise<void> {
  const stop = new AbortController()
  const quit = () => stop.abort()
  process.once('SIGINT', quit)
  process.once('SIGTERM', quit)
  const seen = new Set(listed.map(sameEvent))
  try {
    let cursor = after ?? (await feed.latest())
    if (!ctx.json) ctx.io.stderr.write(`following ${ctx.target} from ${cursor} (Ctrl-C stops)\n`)
    while (!stop.signal.aborted) {
      const page = await readThroughOutage(ctx, feed, cursor, filter, stop.signal)
      if (page === null) break
      for (const e of page.events) if (seen.size === 0 || !seen.has(sameEvent(e))) await print(ctx, e, timeZone)
      // a page of events the filter left out still moves the cursor: read on at once
      const moved = page.cursor !== cursor
      cursor = page.cursor
      if (!moved) {
        seen.clear()
        await feed.wait({ timeoutMs: FOLLOW_POLL_MS, signal: stop.signal })
      }
    }
  } finally {
    process.off('SIGINT', quit)
    process.off('SIGTERM', quit)
  }
}

async function print(ctx: CliContext, e: LifecycleEvent | ListedEvent, timeZone: string): Promise<void> {
  ctx.io.stdout.write(`${ctx.json ? await jsonLine(e) : await eventLine(e, timeZone)}\n`)
}

/**
 * The follower's next page. A server away for a moment (a restart, a failover: `DB_ERROR`, "unavailable")
 * is waited for, one read per interval, for up to OUTAGE_MS, said once on stderr; anything else, or a
 * longer outage, ends the follower (exit 6). Null when Ctrl-C came meanwhile.
 */
async function readThroughOutage(ctx: CliContext, feed: EventFeed, cursor: string, filter: EventFilter, stop: AbortSignal): Promise<EventPage | null> {
  const since = Date.now()
  let said = false
  for (;;) {
    try {
      return await feed.read({ after: cursor, limit: 500, filter })
    } catch (e) {
      const away = (e as { code?: unknown }).code === 'DB_ERROR' && /unavailable/.test((e as Error).message)
      if (!away || Date.now() - since > OUTAGE_MS) throw e
      if (!said) ctx.io.stderr.write(`${(e as Error).message}; trying again every ${FOLLOW_POLL_MS / 1000} s for up to ${OUTAGE_MS / 1000} s\n`)
      said = true
      await feed.wait({ timeoutMs: FOLLOW_POLL_MS, signal: stop })
      if (stop.aborted) return null
    }
  }
}

/** One event as one JSON line, exact and inert on a terminal. */
async function jsonLine(e: LifecycleEvent | ListedEvent): Promise<string> {
  const { jsonText } = await import('../../present/printable.js')
  return jsonText(e)
}

/** One event for people: when (business time), which session, what (with an early end's reason), who, and the cursor after it or its id. */
async function eventLine(e: LifecycleEvent | ListedEvent, timeZone: string): Promise<string> {
  const [{ formatInstant }, { printable }, { NO_REASON }] = await Promise.all([
    import('../../present/time.js'),
    import('../../present/printable.js'),
    import('../../present/words.js'),
  ])
  const who = e.actorId === null ? e.actorType : `${e.actorType} ${printable(e.actorId)}`
  const move = e.fromStatus === null ? e.toStatus : `${e.fromStatus} → ${e.toStatus}`
  const why = e.event === 'early_end' ? `  reason ${e.reason === null ? NO_REASON : printable(e.reason)}` : ''
  const where = 'cursor' in e ? e.cursor : `#${e.id}`
  return `${formatInstant(e.at, timeZone, { seconds: true })}  session ${e.sessionId}  ${e.event.padEnd(9)}  ${move.padEnd(20)}  by ${who}${why}  ${where}`
}
