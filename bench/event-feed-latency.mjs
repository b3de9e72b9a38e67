/**
 * Commit-to-delivery latency of the event feed on PostgreSQL: a writer commits mitra early ends at a
 * steady rate (jittered, so commits fall anywhere in a follower's poll interval) and stamps each at its
 * commit (when `initiateEarlyEnd` resolved); three followers, each a process of its own, print every
 * event they are handed, stamped when its line arrives here:
 * - `feed`: the library's `createEventFeed` (read, `wait()` when empty), default poll interval 250 ms;
 * - `cli`: `halo-admin events --follow --json`, which polls every 1000 ms where it cannot listen;
 * - `floor`: hand-written `pg`: LISTEN on the channel the trigger NOTIFYs, one select per notification.
 * Measured on a direct connection (LISTEN delivered: target p99 <= 100 ms; ratio to the floor's p99
 * printed) and through PgBouncer in transaction mode (LISTEN not delivered, the followers poll: target
 * p99 <= the follower's poll interval; the floor cannot follow there and is left out).
 *
 *   npm run build && node bench/run-all.js event-feed-latency
 *   BENCH_FEED_RATE=25 BENCH_FEED_SECONDS=20 node bench/event-feed-latency.mjs
 */
import { spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { createClosureService, UserType } from '../dist/src/index.js'
import { freshDatabase, openSessions } from './support/early-end-db.mjs'
import { startCluster } from './support/pg-cluster.mjs'
import { startPgBouncer } from './support/pgbouncer.mjs'

const HERE = dirname(fileURLToPath(import.meta.url))
const FOLLOWER = join(HERE, 'support', 'feed-follower.mjs')
const CLI = join(HERE, '..', 'bin', 'halo-admin.js')
/** Early ends per second, and for how long (after a warm-up of WARMUP_S seconds not counted). */
const RATE = Number(process.env.BENCH_FEED_RATE ?? 25)
const SECONDS = Number(process.env.BENCH_FEED_SECONDS ?? 20)
const WARMUP_S = 6
const FEED_POLL_MS = 250
const CLI_POLL_MS = 1000
const DIRECT_TARGET_MS = 100
const MITRAS = 50

const now = () => performance.timeOrigin + performance.now()
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))]
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** A follower process; resolves once it printed `ready`. Every early_end line it prints is stamped into `seen`. */
function startFollower(name, file, args) {
  const child = spawn(process.execPath, [file, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } })
  const seen = new Map()
  let stderr = ''
  child.stderr.on('data', (d) => (stderr += d))
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout })
    child.once('exit', (code) => reject(new Error(`${name} exited ${code} before it was ready: ${stderr.trim()}`)))
    let ready = file === CLI // the CLI prints nothing before its first event: ready once spawned and warmed up
    if (ready) resolve({ name, child, seen, stderr: () => stderr })
    lines.on('line', (line) => {
      const at = now()
      if (line === 'ready') {
        ready = true
        return resolve({ name, child, seen, stderr: () => stderr })
      }
      const e = JSON.parse(line)
      if (e.event === 'early_end' && !seen.has(e.sessionId)) seen.set(e.sessionId, at)
    })
  })
}

/** Commits early ends at RATE a second (jittered) for `seconds`; the commit stamps by session. */
async function write(closures, sessions, seconds) {
  const committed = new Map()
  const n = Math.round(RATE * seconds)
  const period = 1000 / RATE
  const t0 = now()
  for (let i = 0; i < n; i++) {
    const [rawId, mitra] = sessions.shift()
    const id = Number(rawId) // pg gives a bigint as text
    // the i-th commit at its slot plus up to one period of jitter: uniform against any poll interval
    const due = t0 + i * period + Math.random() * period
    if (due > now()) await sleep(due - now())
    await closures.initiateEarlyEnd(id, UserType.MITRA, { actorId: mitra, reason: 'customer_left' })
    committed.set(id, now())
  }
  return committed
}

async function measure(way, followUrl, writer, pool, followers) {
  const started = []
  try {
    for (const [name, file, args] of followers(followUrl)) started.push(await startFollower(name, file, args))
    const sessions = await openSessions(pool, Math.round(RATE * (SECONDS + WARMUP_S)) + 10, { mitras: MITRAS })
    await write(writer, sessions, WARMUP_S)
    const committed = await write(writer, sessions, SECONDS)
    await sleep(CLI_POLL_MS * 2 + 500) // the last ones delivered
    const results = {}
    for (const f of started) {
      const lat = [...committed].map(([id, at]) => (f.seen.has(id) ? f.seen.get(id) - at : Infinity))
      const missing = lat.filter((x) => x === Infinity).length
      if (missing > 0) throw new Error(`${way}: ${f.name} did not deliver ${missing} of ${lat.length} events: ${f.stderr().trim()}`)
      results[f.name] = {
        p50Ms: Number(pct(lat, 50).toFixed(1)),
        p99Ms: Number(pct(lat, 99).toFixed(1)),
        maxMs: Number(Math.max(...lat).toFixed(1)),
        events: lat.length,
      }
    }
    return results
  } finally {
    for (const f of started) f.child.kill('SIGTERM')
    await sleep(300)
    for (const f of started) if (f.child.exitCode === null) f.child.kill('SIGKILL')
  }
}

async function main() {
  const cluster = await startCluster()
  let bouncer
  let handle
  let pool
  try {
    const fresh = await freshDatabase(cluster.url, 'halo_feed_latency', { poolSize: 4, clock: { now: () => new Date() } })
    handle = fresh.handle
    const writer = createClosureService(handle)
    pool = new pg.Pool({ connectionString: fresh.url, max: 2 })
    const followers = (url) => [
      ['feed', FOLLOWER, ['library', url, String(FEED_POLL_MS)]],
      ['cli', CLI, ['--db', url, 'events', '--follow', '--json']],
    ]
    const direct = await measure('direct', fresh.url, writer, pool, (url) => [...followers(url), ['floor', FOLLOWER, ['floor', url]]])
    bouncer = await startPgBouncer({ pgUrl: cluster.url, mode: 'transaction' })
    const pooled = await measure('PgBouncer', Object.assign(new URL(fresh.url), { port: String(bouncer.port) }).toString(), writer, pool, followers)

    const verdict = (ok) => (ok ? 'ok' : 'ABOVE TARGET')
    const line = (name, r, target, floor) =>
      `  ${name.padEnd(6)} p50 ${r.p50Ms.toFixed(1).padStart(7)} ms  p99 ${r.p99Ms.toFixed(1).padStart(7)} ms  max ${r.maxMs.toFixed(1).padStart(7)} ms` +
      (target === undefined
        ? ''
        : `  (target p99 <= ${target} ms: ${verdict(r.p99Ms <= target)}${floor ? `; ${(r.p99Ms / floor.p99Ms).toFixed(2)}x the floor's p99` : ''})`)
    process.stdout.write(
      [
        `event feed commit-to-delivery on PostgreSQL, ${RATE} early ends/s for ${SECONDS} s:`,
        'direct connection (LISTEN delivered):',
        line('feed', direct.feed, DIRECT_TARGET_MS, direct.floor),
        line('cli', direct.cli, DIRECT_TARGET_MS, direct.floor),
        line('floor', direct.floor),
        'through PgBouncer, transaction mode (LISTEN not delivered: the followers poll):',
        line('feed', pooled.feed, FEED_POLL_MS),
        line('cli', pooled.cli, CLI_POLL_MS),
        '',
      ].join('\n'),
    )
    process.stdout.write(
      JSON.stringify({
        bench: 'event-feed-latency',
        rate: RATE,
        seconds: SECONDS,
        direct,
        pgbouncer: pooled,
        feedPollMs: FEED_POLL_MS,
        cliPollMs: CLI_POLL_MS,
        directTargetMs: DIRECT_TARGET_MS,
        directFeedP99Ratio: Number((direct.feed.p99Ms / direct.floor.p99Ms).toFixed(2)),
        directCliP99Ratio: Number((direct.cli.p99Ms / direct.floor.p99Ms).toFixed(2)),
      }) + '\n',
    )
    const missed =
      direct.feed.p99Ms > DIRECT_TARGET_MS || direct.cli.p99Ms > DIRECT_TARGET_MS || pooled.feed.p99Ms > FEED_POLL_MS || pooled.cli.p99Ms > CLI_POLL_MS
    if (missed) process.exitCode = 1
  } finally {
    await pool?.end()
    await handle?.close()
    bouncer?.stop()
    cluster.stop()
  }
}

main().catch((e) => {
  process.stderr.write(`error: ${e instanceof Error ? e.stack : String(e)}\n`)
  process.exit(1)
})
