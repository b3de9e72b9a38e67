/**
 * Issue 18: the README's "Moving an install" to another server keeps the feed correct. The keys a
 * dump carries come from the old cluster's transaction ids, ahead of the new cluster's: until
 * `db migrate` the feed refuses (one line saying to run it), after it new readers see the whole
 * history, a saved cursor reads on where it stood, and what is written on the new server (even
 * before the migrate) comes after the old history, each event once.
 */
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import pg from 'pg'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createClosureService, createEventFeed, migrateToLatest, openDatabase, type HaloDatabase, type LifecycleEvent } from '../../src/index.js'
import { createTestDatabase, ON_POSTGRES } from '../support/engines.js'
import { expectCode } from '../support/fixtures.js'
import { findPgBin, startCluster } from '../support/pg-cluster.js'

const withSchema = (url: string) => `${url}${url.includes('?') ? '&' : '?'}schema=halo`

async function open(url: string): Promise<HaloDatabase> {
  const h = await openDatabase(url)
  onTestFinished(() => h.close())
  return h
}

async function readAll(h: HaloDatabase, after?: string): Promise<{ events: LifecycleEvent[]; cursor: string }> {
  const feed = createEventFeed(h)
  const events: LifecycleEvent[] = []
  let cursor = after
  for (;;) {
    const page = await feed.read({ ...(cursor === undefined ? {} : { after: cursor }), limit: 3 })
    events.push(...page.events)
    cursor = page.cursor
    if (page.events.length === 0) return { events, cursor }
  }
}

describe.runIf(ON_POSTGRES)('PostgreSQL: moving an install to another server keeps the feed', () => {
  it('pg_dump -n halo | psql into a new cluster: refused until db migrate, then whole and in order', async () => {
    const db = await createTestDatabase('postgres')
    onTestFinished(db.drop)
    const oldUrl = withSchema(db.target)
    const old = await open(oldUrl)
    await migrateToLatest(old)
    const closures = createClosureService(old)
    for (let i = 0; i < 3; i++) await closures.openSession({ customerId: `c-${i}`, mitraId: 'm-1' })
    // a follower stood here on the old server
    const saved = (await readAll(old)).cursor
    // the old server has run far more transactions than the new one will have
    const burner = new pg.Client({ connectionString: db.target })
    await burner.connect()
    // (each subtransaction that writes takes a transaction id of its own)
    await burner.query('create temporary table burn (x int)')
    await burner.query(`do $$ begin for i in 1..3000 loop begin insert into burn values (i); exception when others then null; end; end loop; end $$`)
    await burner.end()
    for (let i = 3; i < 5; i++) await closures.openSession({ customerId: `c-${i}`, mitraId: 'm-1' })
    const before = (await readAll(old)).events

    const cluster = await startCluster()
    onTestFinished(() => cluster.stop())
    const dump = execFileSync(join(findPgBin(), 'pg_dump'), ['-n', 'halo', '--no-owner', db.target])
    execFileSync(join(findPgBin(), 'psql'), ['-q', '-v', 'ON_ERROR_STOP=1', cluster.url], { input: dump, stdio: ['pipe', 'ignore', 'pipe'] })
    const moved = await open(withSchema(cluster.url))
    const rows = await moved.engine.selectAll<{ ahead: boolean | number }>(
      `select (select max(tx::text::numeric) from halo.session_events) >= pg_snapshot_xmax(pg_current_snapshot())::text::numeric as ahead`,
    )
    expect(Boolean(rows[0]!.ahead)).toBe(true)

    const feed = createEventFeed(moved)
    onTestFinished(() => feed.close())
    const refused = await expectCode(feed.read(), 'DB_ERROR')
    expect(refused.message).toMatch(/^the event feed keys here come from another server .*run `halo-admin db migrate`/)
    await expectCode(feed.latest(), 'DB_ERROR')
    // the backend is already writing to the new server
    const movedClosures = createClosureService(moved)
    const early = await movedClosures.openSession({ customerId: 'c-5', mitraId: 'm-2' })

    await migrateToLatest(moved)
    const all = await readAll(moved)
    expect(all.events.map((e) => e.cursor)).toEqual([...before.map((e) => e.cursor), all.events.at(-1)!.cursor])
    expect(all.events.at(-1)!.sessionId).toBe(early.id)
    // the follower reads on from where it stood: the two it had not read, then the new one
    const from = await readAll(moved, saved)
    expect(from.events.map((e) => e.sessionId)).toEqual([...before.slice(3).map((e) => e.sessionId), early.id])
    // from now on: only what happens next, after the old history
    const now = await feed.latest()
    const next = await movedClosures.openSession({ customerId: 'c-6', mitraId: 'm-2' })
    expect((await readAll(moved, now)).events.map((e) => e.sessionId)).toEqual([next.id])
    // a second migrate changes nothing
    await migrateToLatest(moved)
    expect((await readAll(moved)).events).toHaveLength(before.length + 2)
  }, 60_000)
})
