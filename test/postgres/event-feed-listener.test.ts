/**
 * Issue 18: the feed's LISTEN on PostgreSQL. A listener killed (`pg_terminate_backend`) or lost to a
 * server restart reconnects, and meanwhile a follower reads no faster than its interval (it went from
 * 1 read/s to 736); the listener never takes a connection of a borrowed pool, and `close()` resolves
 * while the host's only connection is busy; through PgBouncer in transaction mode NOTIFY never
 * arrives, which the feed detects and says once, then polls and still gets every event.
 */
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { createClosureService, createEventFeed, migrateToLatest, openDatabase, type EventFeed, type HaloDatabase } from '../../src/index.js'
import { createTestDatabase, ON_POSTGRES } from '../support/engines.js'
import { startCluster, type Cluster } from '../support/pg-cluster.js'
import { startPgBouncer } from '../support/pgbouncer.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** A follower as the README writes it, for `ms`: how many reads it made and the events it got. */
async function follow(feed: EventFeed, ms: number, timeoutMs: number): Promise<{ reads: number; sessions: number[] }> {
  const sessions: number[] = []
  let reads = 0
  let cursor = await feed.latest()
  const end = Date.now() + ms
  while (Date.now() < end) {
    const page = await feed.read({ after: cursor })
    reads++
    sessions.push(...page.events.map((e) => e.sessionId))
    cursor = page.cursor
    if (page.events.length === 0) await feed.wait({ timeoutMs: Math.min(timeoutMs, Math.max(1, end - Date.now())) })
  }
  return { reads, sessions }
}

/** The backend pid of the feed's listener once it listens (its last statement was the LISTEN), else null. */
async function listenerPid(admin: pg.Client, db: string): Promise<number | null> {
  const { rows } = await admin.query<{ pid: number }>(`select pid from pg_stat_activity where datname = $1 and query like 'listen %' and state = 'idle'`, [db])
  return rows[0]?.pid ?? null
}

/** Waits (calling `feed.wait`, which is what connects the listener) until a listener is up; its pid. */
async function listening(feed: EventFeed, admin: pg.Client, db: string): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const pid = await listenerPid(admin, db)
    if (pid !== null) return pid
    await feed.wait({ timeoutMs: 100 })
  }
  throw new Error('the listener never listened')
}

/** How long a wait takes to wake when a session opens `after` ms into it. */
async function wakeAfterCommit(feed: EventFeed, h: HaloDatabase, timeoutMs: number): Promise<number> {
  const waiting = feed.wait({ timeoutMs })
  await sleep(100)
  const started = Date.now()
  await createClosureService(h).openSession({ customerId: 'c-w', mitraId: 'm-w' })
  await waiting
  return Date.now() - started
}

describe.runIf(ON_POSTGRES)('PostgreSQL: the feed listener', () => {
  let cluster: Cluster
  let admin: pg.Client
  let url: string
  beforeAll(async () => {
    cluster = await startCluster()
    admin = new pg.Client({ connectionString: cluster.url })
    await admin.connect()
    await admin.query('create database feed')
    url = cluster.url.replace(/\/postgres$/, '/feed')
    const h = await openDatabase(url)
    await migrateToLatest(h)
    await h.close()
  })
  afterAll(async () => {
    await admin?.end().catch(() => {})
    cluster?.stop()
  })

  it('reconnects after pg_terminate_backend; meanwhile the follower reads once per interval', async () => {
    const h = await openDatabase(url)
    onTestFinished(() => h.close())
    const feed = createEventFeed(h, { pollMs: 4000 })
    onTestFinished(() => feed.close())
    const pid = await listening(feed, admin, 'feed')
    await admin.query('select pg_terminate_backend($1)', [pid])
    // 5 s at a 1 s timeout: one early read for the loss, then at most one a second (seen: 736 a second)
    const { reads } = await follow(feed, 5000, 1000)
    expect(reads).toBeLessThanOrEqual(8)
    // listening again (4 s after its first connect), and woken by a commit sooner than the 4 s poll
    const again = await listening(feed, admin, 'feed')
    expect(again).not.toBe(pid)
    expect(await wakeAfterCommit(feed, h, 10_000)).toBeLessThan(3000)
  }, 60_000)

  it('reconnects after the server restarts', async () => {
    const h = await openDatabase(url)
    onTestFinished(() => h.close())
    const feed = createEventFeed(h, { pollMs: 4000 })
    onTestFinished(() => feed.close())
    await listening(feed, admin, 'feed')
    await admin.end()
    cluster.restart()
    admin = new pg.Client({ connectionString: cluster.url })
    await admin.connect()
    const { reads } = await follow(feed, 5000, 1000)
    expect(reads).toBeLessThanOrEqual(8)
    await listening(feed, admin, 'feed')
    expect(await wakeAfterCommit(feed, h, 10_000)).toBeLessThan(3000)
  }, 60_000)

  it("never holds a connection of a borrowed pool: max 1, busy with the host's query, and close() still resolves", async () => {
    const pool = new pg.Pool({ connectionString: url, max: 1 })
    onTestFinished(() => pool.end())
    const borrowed = await openDatabase(pool)
    onTestFinished(() => borrowed.close())
    const feed = createEventFeed(borrowed, { pollMs: 5000 })
    const writer = await openDatabase(url)
    onTestFinished(() => writer.close())
    // the host takes its only connection for a long query
    const host = await pool.connect()
    const hostQuery = host.query('select pg_sleep(4)')
    onTestFinished(async () => {
      await hostQuery.catch(() => {})
      host.release()
    })
    await listening(feed, admin, 'feed')
    expect(await wakeAfterCommit(feed, writer, 10_000)).toBeLessThan(3000)
    expect(pool.totalCount).toBe(1)
    const started = Date.now()
    await feed.close()
    expect(Date.now() - started).toBeLessThan(1500)
    expect(await listenerPid(admin, 'feed')).toBeNull()
  }, 30_000)
})

/** A new database behind a PgBouncer in `mode`, a handle through it, and a feed on that which notes what it says. */
async function throughBouncer(mode: 'transaction' | 'session', pollMs: number) {
  const db = await createTestDatabase('postgres')
  onTestFinished(db.drop)
  const bouncer = await startPgBouncer({ pgUrl: db.target, mode })
  onTestFinished(() => bouncer.stop())
  const h = await openDatabase(bouncer.url, { poolSize: 2 })
  onTestFinished(() => h.close())
  const said: string[] = []
  const feed = createEventFeed(h, { pollMs, onPolling: (why) => said.push(why) })
  onTestFinished(() => feed.close())
  return { db, h, feed, said }
}

describe.runIf(ON_POSTGRES)('PostgreSQL: the feed through PgBouncer', () => {
  it('transaction mode: NOTIFY never arrives; the feed says so once, polls at its interval and gets every event', async () => {
    const { db, feed, said } = await throughBouncer('transaction', 500)
    const writer = await openDatabase(db.target)
    onTestFinished(() => writer.close())
    const closures = createClosureService(writer)
    const writing = (async () => {
      await sleep(500)
      for (let i = 0; i < 10; i++) {
        await closures.openSession({ customerId: `c-${i}`, mitraId: 'm-1' })
        await sleep(150)
      }
    })()
    const { reads, sessions } = await follow(feed, 5000, 5000)
    await writing
    // the probe's verdict comes within its bound (5 s), while the follower already polled
    for (let i = 0; i < 100 && said.length === 0; i++) await feed.wait({ timeoutMs: 100 })
    const written = (await writer.db.selectFrom('session_events').select('session_id').orderBy('id').execute()).map((r) => r.session_id)
    expect(sessions).toEqual(written)
    expect(sessions).toHaveLength(10)
    expect(said).toHaveLength(1)
    expect(said[0]).toMatch(
      /^event feed: a NOTIFY sent to this connection did not come back within \d+ ms \(a pooler in transaction mode\?\): polling every 500 ms instead$/,
    )
    // at most one read per 500 ms interval, plus one per page of new events
    expect(reads).toBeLessThanOrEqual(5000 / 500 + 12)
  }, 60_000)

  it('session mode: LISTEN works through it, and a commit wakes the follower at once', async () => {
    const { h, feed, said } = await throughBouncer('session', 5000)
    await feed.wait({ timeoutMs: 3000 })
    expect(await wakeAfterCommit(feed, h, 10_000)).toBeLessThan(3000)
    expect(said).toEqual([])
  }, 60_000)
})
