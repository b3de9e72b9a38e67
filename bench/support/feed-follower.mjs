/**
 * A follower of the event feed for bench/event-feed-latency.mjs, in a process of its own: the
 * library's (`createEventFeed`: read, and `wait()` when a read comes back empty, as the feed's
 * example does) or the floor's (a hand-written `pg` follower: LISTEN on the channel the
 * `session_events` trigger NOTIFYs, and on each notification one select of the events after the
 * last id seen). Prints `ready`, then one JSON line per event delivered: `{"sessionId":…}`.
 *
 *   node bench/support/feed-follower.mjs library <url> <pollMs>
 *   node bench/support/feed-follower.mjs floor <url>
 */
import pg from 'pg'
import { createEventFeed, openDatabase } from '../../dist/src/index.js'

const [side, url, pollMs] = process.argv.slice(2)
const out = (line) => process.stdout.write(line + '\n')
const stop = new AbortController()
process.on('SIGTERM', () => stop.abort())
process.on('disconnect', () => stop.abort())

if (side === 'library') {
  const handle = await openDatabase(url, { poolSize: 2 })
  const feed = createEventFeed(handle, { pollMs: Number(pollMs), onPolling: (why) => process.stderr.write(`${why}\n`) })
  let cursor = await feed.latest()
  await feed.wait({ timeoutMs: 0 }) // starts the listener (and its probe); the bench's warm-up covers the rest
  out('ready')
  while (!stop.signal.aborted) {
    const page = await feed.read({ after: cursor, limit: 500 })
    for (const e of page.events) out(JSON.stringify({ sessionId: e.sessionId, event: e.event }))
    cursor = page.cursor
    if (page.events.length === 0) await feed.wait({ timeoutMs: 1000, signal: stop.signal })
  }
  await feed.close()
  await handle.close()
} else {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  const schema = (await client.query('select current_schema() as s')).rows[0].s
  let last = Number((await client.query('select coalesce(max(id), 0) as n from session_events')).rows[0].n)
  let reading = Promise.resolve()
  const readOn = async () => {
    const { rows } = await client.query('select id, session_id, event from session_events where id > $1 order by id', [last])
    for (const r of rows) {
      last = Math.max(last, Number(r.id))
      out(JSON.stringify({ sessionId: Number(r.session_id), event: r.event }))
    }
  }
  client.on('notification', () => (reading = reading.then(readOn)))
  await client.query(`listen "halo_admin_events:${schema}"`)
  out('ready')
  await new Promise((resolve) => stop.signal.addEventListener('abort', resolve))
  await client.end()
}
