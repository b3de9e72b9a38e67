import { Command } from 'commander'
import type { EventFeed, LifecycleEvent } from '../../events/event-feed.js'
import { action } from '../action.js'
import type { CliContext } from '../context.js'
import { examples } from '../help.js'
import { nextPageLine } from '../next-command.js'
import { emit, notice } from '../output.js'
import { integer } from '../parse.js'

/** How often `--follow` reads when no notification wakes it (SQLite; PostgreSQL behind a pooler in transaction mode). */
const FOLLOW_POLL_MS = 1000

interface EventsOptions {
  readonly after?: string
  readonly follow?: boolean
  readonly limit: number
}

export const events = new Command('events')
  .description('the lifecycle event feed: sessions opened, ended early, expired, goodbyes, finalized; --follow prints them as they happen')
  .option('--after <cursor>', 'only events after this cursor (a previous run printed it); default: from the first event, or with --follow from now')
  .option('--follow', 'keep printing events as they are committed until Ctrl-C (PostgreSQL: LISTEN/NOTIFY where it works; else reads once a second)')
  .option('--limit <n>', 'at most n events (without --follow)', integer(1, 10_000), 100)
  .addHelpText(
    'after',
    `
Each event shows the cursor after it; give it to --after to go on from there. With --json, the
events of one page are one document {"events", "cursor"}; with --follow, one JSON object a line.
${examples('halo-admin events', 'halo-admin events --follow', 'halo-admin events --after c:3f9a1c0b2d4e:1240:9f2c41aa --json', 'halo-admin events --follow --json | jq -c .')}`,
  )
  .action(
    action(async (ctx, opts: EventsOptions) => {
      const [{ createEventFeed }, { createConfigStore }] = await Promise.all([import('../../events/event-feed.js'), import('../../config/config-store.js')])
      const handle = await ctx.database()
      const timeZone = ctx.utc ? 'UTC' : await createConfigStore(handle, { clock: ctx.clock }).get('business_timezone')
      // a follower reads about once a second when nothing happens; told once when NOTIFY cannot reach it
      const feed = createEventFeed(handle, { pollMs: FOLLOW_POLL_MS, onPolling: (why) => ctx.io.stderr.write(`${why}\n`) })
      try {
        if (opts.follow === true) return await follow(ctx, feed, opts.after, timeZone)
        const page = await feed.read({ ...(opts.after === undefined ? {} : { after: opts.after }), limit: opts.limit })
        await emit(ctx, page, async (p) => (await Promise.all(p.events.map((e) => eventLine(e, timeZone)))).join('\n'))
        // not data: on stderr, and the next command names the same database
        if (page.events.length === 0) notice(ctx, 'no events')
        notice(
          ctx,
          page.events.length === opts.limit
            ? nextPageLine(ctx, 'more events', ['events', '--after', page.cursor, ...(opts.limit === 100 ? [] : ['--limit', String(opts.limit)])])
            : `cursor ${page.cursor} (the end, for now)`,
        )
      } finally {
        await feed.close()
      }
    }),
  )

/** Prints events as they are committed, until SIGINT or SIGTERM: then exits 0, as `stripe listen` does. */
async function follow(ctx: CliContext, feed: EventFeed, after: string | undefined, timeZone: string): Promise<void> {
  const stop = new AbortController()
  const quit = () => stop.abort()
  process.once('SIGINT', quit)
  process.once('SIGTERM', quit)
  try {
    let cursor = after ?? (await feed.latest())
    if (!ctx.json) ctx.io.stderr.write(`following ${ctx.target} from ${cursor} (Ctrl-C stops)\n`)
    while (!stop.signal.aborted) {
      const page = await feed.read({ after: cursor, limit: 500 })
      for (const e of page.events) ctx.io.stdout.write(`${ctx.json ? await jsonLine(e) : await eventLine(e, timeZone)}\n`)
      cursor = page.cursor
      if (page.events.length === 0) await feed.wait({ timeoutMs: FOLLOW_POLL_MS, signal: stop.signal })
    }
  } finally {
    process.off('SIGINT', quit)
    process.off('SIGTERM', quit)
  }
}

/** One event as one JSON line, exact and inert on a terminal. */
async function jsonLine(e: LifecycleEvent): Promise<string> {
  const { jsonText } = await import('../../present/printable.js')
  return jsonText(e)
}

/** One event for people: when (business time), which session, what, who, and the cursor after it. */
async function eventLine(e: LifecycleEvent, timeZone: string): Promise<string> {
  const [{ formatInstant }, { printable }] = await Promise.all([import('../../present/time.js'), import('../../present/printable.js')])
  const who = e.actorId === null ? e.actorType : `${e.actorType} ${printable(e.actorId)}`
  const move = e.fromStatus === null ? e.toStatus : `${e.fromStatus} → ${e.toStatus}`
  return `${formatInstant(e.at, timeZone, { seconds: true })}  session ${e.sessionId}  ${e.event.padEnd(9)}  ${move.padEnd(20)}  by ${who}  ${e.cursor}`
}
