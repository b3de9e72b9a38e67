/**
 * PostgreSQL runs READ COMMITTED: the daily cap, idempotency keys, the one
 * review per mitra and day and the sweeps stay exact only because of the row
 * locks the service takes. Each race here runs for real: a pool of 8
 * connections, several pools, or several OS processes released together.
 */
import type { FlagKey } from '../../src/config/flag-registry.js'
import { sql } from 'kysely'
import { describe, expect, it, onTestFinished } from 'vitest'
import {
  HaloError,
  UserType,
  createClosureService,
  createConfigStore,
  createReviewService,
  fixedClock,
  migrateToLatest,
  openDatabase,
  type EarlyEndResult,
  type HaloDatabase,
} from '../../src/index.js'
import { MIGRATIONS } from '../../migrations/index.js'
import { createTestDatabase } from '../support/engines.js'
import { counterOf, tableCounts } from '../support/fixtures.js'
import { countedClosures, rollupRows } from '../support/rollup.js'
import { raceProcesses } from './race.js'
import { NOW } from '../support/time.js'

const DAY = '2026-11-24'
const KNOWN = MIGRATIONS.map((m) => m.name).sort()

/** A fresh migrated PostgreSQL database; dropped when the test ends. */
async function database(): Promise<string> {
  const db = await createTestDatabase('postgres')
  onTestFinished(db.drop)
  return db.target
}

async function open(target: string, poolSize = 8): Promise<HaloDatabase> {
  const h = await openDatabase(target, { poolSize })
  onTestFinished(() => h.close())
  return h
}

async function setFlags(h: HaloDatabase, values: Record<string, unknown>): Promise<void> {
  const config = createConfigStore(h, { clock: fixedClock(NOW) })
  for (const [k, v] of Object.entries(values)) await config.set(k as FlagKey, v as never, { actor: 'ops' })
}

/** Inserts `n` sessions of `mitraId` in one statement (ends in 60 minutes unless told). */
async function seedSessions(
  h: HaloDatabase,
  n: number,
  mitraId: string,
  opts: { at?: string; endsAt?: string; mitraOf?: (i: number) => string } = {},
): Promise<number[]> {
  const at = opts.at ?? NOW
  const endsAt = opts.endsAt ?? new Date(new Date(at).getTime() + 3_600_000).toISOString()
  const rows = Array.from({ length: n }, (_, i) => ({
    customer_id: `c-${i}`,
    mitra_id: opts.mitraOf?.(i) ?? mitraId,
    status: 'active',
    started_at: at,
    ends_at: endsAt,
    grace_ends_at: null,
    closed_at: null,
  }))
  const out = await h.db.insertInto('sessions').values(rows).returning('id').execute()
  return out.map((r) => r.id)
}

type Outcome = { ok: true; result: EarlyEndResult } | { ok: false; error: unknown }

function settle(p: Promise<EarlyEndResult>): Promise<Outcome> {
  return p.then(
    (result) => ({ ok: true as const, result }),
    (error: unknown) => ({ ok: false as const, error }),
  )
}

function codesOf(outcomes: Outcome[]): string[] {
  return outcomes
    .filter((o) => !o.ok)
    .map((o) =>
      (o as { error: unknown }).error instanceof HaloError
        ? ((o as { error: HaloError }).error.code as string)
        : `raw: ${String((o as { error: unknown }).error)}`,
    )
}

async function countWhere(
  h: HaloDatabase,
  table: 'session_closures' | 'session_events' | 'sessions' | 'cc_reviews',
  column: string,
  value: string,
): Promise<number> {
  const r = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)} where ${sql.ref(column)} = ${value}`.execute(h.db)
  return Number(r.rows[0]!.n)
}

/** Every session has at most one closure and exactly one event per transition: nothing doubled. */
async function expectNoDoubles(h: HaloDatabase): Promise<void> {
  const dupClosures = await sql<{
    n: number
  }>`select count(*) as n from (select session_id from session_closures group by session_id having count(*) > 1) d`.execute(h.db)
  expect(Number(dupClosures.rows[0]!.n)).toBe(0)
  const dupEvents = await sql<{
    n: number
  }>`select count(*) as n from (select session_id, event from session_events where event <> 'goodbye' group by session_id, event having count(*) > 1) d`.execute(
    h.db,
  )
  expect(Number(dupEvents.rows[0]!.n)).toBe(0)
  const orphan = await sql<{ n: number }>`
    select count(*) as n from sessions s left join session_closures c on c.session_id = s.id
    where (s.status in ('closing', 'closed')) <> (c.id is not null)`.execute(h.db)
  expect(Number(orphan.rows[0]!.n), 'sessions in closing/closed are exactly those with a closure').toBe(0)
  expect(await rollupRows(h), 'the report rollup counts each closure once').toEqual(await countedClosures(h))
}

describe('PostgreSQL: the daily cap under concurrent transactions', () => {
  it('lets exactly `cap` through when 8 pooled connections race 24 early ends of one mitra (block), day after day', async () => {
    const target = await database()
    const h = await open(target, 8)
    await setFlags(h, { early_end_mitra_enabled: true, early_end_mitra_daily_cap: 3 })
    // three business days: each race also races the creation of that day's counter row
    for (const [round, now] of ['2026-11-24T03:00:00.000Z', '2026-11-25T03:00:00.000Z', '2026-11-26T03:00:00.000Z'].entries()) {
      const ids = await seedSessions(h, 24, 'm-1', { at: now })
      const closures = createClosureService(h, { clock: fixedClock(now) })
      const outcomes = await Promise.all(ids.map((id) => settle(closures.initiateEarlyEnd(id, UserType.MITRA, { actorId: 'm-1', reason: 'customer_left' }))))
      const ok = outcomes.filter((o) => o.ok).map((o) => (o as { result: EarlyEndResult }).result)
      expect(ok.length, `round ${round}`).toBe(3)
      expect(codesOf(outcomes)).toEqual(Array(21).fill('DAILY_CAP_REACHED'))
      expect(ok.map((r) => r.mitraCountToday).sort()).toEqual([1, 2, 3])
      expect(ok.filter((r) => r.reviewOpened).length).toBe(1)
      const day = now.slice(0, 10)
      expect(await counterOf(h, 'm-1', day)).toBe(3)
    }
    const counts = await tableCounts(h)
    expect(counts.session_closures).toBe(9)
    expect(counts.cc_reviews).toBe(3)
    expect(await countWhere(h, 'session_events', 'event', 'early_end')).toBe(9)
    expect(await countWhere(h, 'sessions', 'status', 'closing')).toBe(9)
    expect(await countWhere(h, 'sessions', 'status', 'active')).toBe(63)
    await expectNoDoubles(h)
  })

  it('with allow, lets all through, counts each once, opens one review and attaches every later one to it', async () => {
    const target = await database()
    const h = await open(target, 8)
    await setFlags(h, { early_end_mitra_enabled: true, early_end_mitra_daily_cap: 3, early_end_mitra_over_cap_action: 'allow' })
    const ids = await seedSessions(h, 24, 'm-1')
    const closures = createClosureService(h, { clock: fixedClock(NOW) })
    const outcomes = await Promise.all(ids.map((id) => settle(closures.initiateEarlyEnd(id, UserType.MITRA, { actorId: 'm-1', reason: 'customer_left' }))))
    expect(codesOf(outcomes)).toEqual([])
    const results = outcomes.map((o) => (o as { result: EarlyEndResult }).result)
    expect(results.map((r) => r.mitraCountToday).sort((a, b) => a! - b!)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1))
    expect(results.filter((r) => r.reviewOpened).length).toBe(1)
    expect(results.filter((r) => r.overCap).length).toBe(21)
    const reviews = await createReviewService(h).list()
    expect(reviews.length).toBe(1)
    expect(new Set(results.filter((r) => r.overCap || r.reviewOpened).map((r) => r.reviewId))).toEqual(new Set([reviews[0]!.id]))
    expect(await counterOf(h, 'm-1', DAY)).toBe(24)
    const overCapRows = await h.db.selectFrom('session_closures').select(['over_cap', 'review_id']).where('over_cap', '=', 1).execute()
    expect(overCapRows.length).toBe(21)
    await expectNoDoubles(h)
  })

  it('keeps the cap per mitra: 4 mitras racing in one pool each get exactly `cap`', async () => {
    const target = await database()
    const h = await open(target, 8)
    await setFlags(h, { early_end_mitra_enabled: true, early_end_mitra_daily_cap: 2 })
    const ids = await seedSessions(h, 32, '', { mitraOf: (i) => `m-${i % 4}` })
    const closures = createClosureService(h, { clock: fixedClock(NOW) })
    const outcomes = await Promise.all(
      ids.map((id, i) => settle(closures.initiateEarlyEnd(id, UserType.MITRA, { actorId: `m-${i % 4}`, reason: 'customer_left' }))),
    )
    expect(outcomes.filter((o) => o.ok).length).toBe(8)
    expect(codesOf(outcomes)).toEqual(Array(24).fill('DAILY_CAP_REACHED'))
    for (let m = 0; m < 4; m++) expect(await counterOf(h, `m-${m}`, DAY)).toBe(2)
    expect((await tableCounts(h)).cc_reviews).toBe(4)
    await expectNoDoubles(h)
  })

  it('holds the cap when 4 OS processes end one mitra’s sessions at once (40 tries, cap 5)', async () => {
    const target = await database()
    const h = await open(target, 2)
    await setFlags(h, { early_end_mitra_enabled: true, early_end_mitra_daily_cap: 5 })
    const ids = await seedSessions(h, 40, 'm-1')
    const shares = [0, 1, 2, 3].map((p) => ids.filter((_, i) => i % 4 === p).join(','))
    type R = { id: number; ok: boolean; code?: string; reviewOpened?: boolean; count?: number }
    const perProcess = await raceProcesses<R[]>(
      'early-end-worker.mjs',
      shares.map((s) => [target, 'm-1', s, NOW]),
    )
    const all = perProcess.flat()
    expect(all.length).toBe(40)
    const ok = all.filter((r) => r.ok)
    expect(ok.length).toBe(5)
    expect(all.filter((r) => !r.ok).map((r) => r.code)).toEqual(Array(35).fill('DAILY_CAP_REACHED'))
    expect(ok.map((r) => r.count).sort()).toEqual([1, 2, 3, 4, 5])
    expect(ok.filter((r) => r.reviewOpened).length).toBe(1)
    expect(await counterOf(h, 'm-1', DAY)).toBe(5)
    const counts = await tableCounts(h)
    expect(counts.session_closures).toBe(5)
    expect(counts.cc_reviews).toBe(1)
    expect(await countWhere(h, 'session_events', 'event', 'early_end')).toBe(5)
    await expectNoDoubles(h)
  })
})

describe('PostgreSQL: idempotency keys under concurrent transactions', () => {
  it('writes once and replays to the rest when 8 connections send one key for one session', async () => {
    const target = await database()
    const h = await open(target, 8)
    await setFlags(h, { early_end_mitra_enabled: true })
    const [id] = await seedSessions(h, 1, 'm-1')
    const closures = createClosureService(h, { clock: fixedClock(NOW) })
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, () =>
        settle(closures.initiateEarlyEnd(id!, UserType.MITRA, { actorId: 'm-1', reason: 'customer_left', idempotencyKey: 'k-1' })),
      ),
    )
    expect(codesOf(outcomes)).toEqual([])
    const results = outcomes.map((o) => (o as { result: EarlyEndResult }).result)
    expect(results.filter((r) => !r.replayed).length).toBe(1)
    expect(new Set(results.map((r) => r.closure!.id)).size).toBe(1)
    expect(await counterOf(h, 'm-1', DAY)).toBe(1)
    expect((await tableCounts(h)).session_closures).toBe(1)
    expect(await countWhere(h, 'session_events', 'event', 'early_end')).toBe(1)
    await expectNoDoubles(h)
  })

  it('writes once when 4 OS processes send one key for one session; the others replay it', async () => {
    const target = await database()
    const h = await open(target, 2)
    await setFlags(h, { early_end_mitra_enabled: true })
    const [id] = await seedSessions(h, 1, 'm-1')
    type R = { ok: boolean; replayed?: boolean; code?: string }
    const all = (
      await raceProcesses<R[]>(
        'early-end-worker.mjs',
        [0, 1, 2, 3].map(() => [target, 'm-1', `${id},${id}`, NOW, 'k-proc']),
      )
    ).flat()
    expect(all.length).toBe(8)
    expect(all.filter((r) => !r.ok)).toEqual([])
    expect(all.filter((r) => !r.replayed).length).toBe(1)
    expect(await counterOf(h, 'm-1', DAY)).toBe(1)
    expect((await tableCounts(h)).session_closures).toBe(1)
    await expectNoDoubles(h)
  })

  it('lets one of 8 sessions have a key raced across them; the rest get INVALID_INPUT and change nothing', async () => {
    const target = await database()
    const h = await open(target, 8)
    await setFlags(h, { early_end_mitra_enabled: true, early_end_mitra_daily_cap: 100 })
    // half the sessions belong to m-1 (they also queue on its counter), half to other mitras (they do not)
    const ids = await seedSessions(h, 8, '', { mitraOf: (i) => (i % 2 === 0 ? 'm-1' : `m-x${i}`) })
    const closures = createClosureService(h, { clock: fixedClock(NOW) })
    const outcomes = await Promise.all(
      ids.map((id, i) =>
        settle(closures.initiateEarlyEnd(id, UserType.MITRA, { actorId: i % 2 === 0 ? 'm-1' : `m-x${i}`, reason: 'customer_left', idempotencyKey: 'shared' })),
      ),
    )
    expect(outcomes.filter((o) => o.ok).length).toBe(1)
    expect(codesOf(outcomes)).toEqual(Array(7).fill('INVALID_INPUT'))
    const counts = await tableCounts(h)
    expect(counts.session_closures).toBe(1)
    expect(await countWhere(h, 'sessions', 'status', 'closing')).toBe(1)
    const counters = await h.db.selectFrom('mitra_daily_counts').select(['mitra_id', 'early_end_count']).where('early_end_count', '>', 0).execute()
    expect(counters.length).toBe(1)
    expect(counters[0]!.early_end_count).toBe(1)
    await expectNoDoubles(h)
  })
})

describe('PostgreSQL: concurrent sweeps and early ends', () => {
  it('splits the work of 3 sweepers on separate pools (SKIP LOCKED): each due session expires once, then is finalized once', async () => {
    const target = await database()
    const seed = await open(target, 2)
    await seedSessions(seed, 300, '', { at: '2026-11-24T01:00:00.000Z', endsAt: '2026-11-24T02:00:00.000Z', mitraOf: (i) => `m-${i % 7}` })
    const clock = fixedClock(NOW)
    const sweepers = await Promise.all([1, 2, 3].map(() => open(target, 2)))
    const first = await Promise.all(sweepers.map((h) => createClosureService(h, { clock }).sweep({ batchSize: 25 })))
    expect(first.map((r) => r.error)).toEqual([undefined, undefined, undefined])
    expect(first.reduce((n, r) => n + r.expired, 0)).toBe(300)
    expect(await countWhere(seed, 'session_closures', 'kind', 'expired')).toBe(300)
    expect(await countWhere(seed, 'session_events', 'event', 'expired')).toBe(300)
    clock.advance(3_600_000)
    const second = await Promise.all(sweepers.map((h) => createClosureService(h, { clock }).sweep({ batchSize: 25 })))
    expect(second.reduce((n, r) => n + r.finalized, 0)).toBe(300)
    expect(second.reduce((n, r) => n + r.expired, 0)).toBe(0)
    expect(await countWhere(seed, 'sessions', 'status', 'closed')).toBe(300)
    expect(await countWhere(seed, 'session_events', 'event', 'finalized')).toBe(300)
    await expectNoDoubles(seed)
  })

  it('gives every session exactly one closure when early ends race two sweepers over the same due sessions', async () => {
    const target = await database()
    const h = await open(target, 8)
    await setFlags(h, { early_end_mitra_enabled: true, early_end_mitra_daily_cap: 1000 })
    const ids = await seedSessions(h, 120, '', { at: '2026-11-24T01:00:00.000Z', endsAt: '2026-11-24T02:00:00.000Z', mitraOf: (i) => `m-${i % 3}` })
    const clock = fixedClock(NOW)
    const closures = createClosureService(h, { clock })
    const sweepers = await Promise.all([1, 2].map(() => open(target, 2)))
    const [ends, ...sweeps] = await Promise.all([
      Promise.all(ids.map((id, i) => settle(closures.initiateEarlyEnd(id, UserType.MITRA, { actorId: `m-${i % 3}`, reason: 'customer_left' })))),
      ...sweepers.map((s) => createClosureService(s, { clock }).sweep({ batchSize: 10 })),
    ])
    // a sweep that stopped early on locked rows leaves the rest to the next sweep
    const last = await closures.sweep()
    const ended = ends.filter((o) => o.ok).length
    const expired = sweeps.reduce((n, r) => n + r.expired, 0) + last.expired
    expect(codesOf(ends).every((c) => c === 'INVALID_STATE')).toBe(true)
    expect(ended + expired).toBe(120)
    expect(await countWhere(h, 'session_closures', 'kind', 'early_end')).toBe(ended)
    expect(await countWhere(h, 'session_closures', 'kind', 'expired')).toBe(expired)
    const counted = await h.db
      .selectFrom('mitra_daily_counts')
      .select((eb) => eb.fn.sum<number>('early_end_count').as('n'))
      .executeTakeFirst()
    expect(Number(counted?.n ?? 0)).toBe(ended)
    await expectNoDoubles(h)
  })
})

describe('PostgreSQL: deadlocks', () => {
  it('runs a write transaction again when PostgreSQL picks it as a deadlock victim: both writers finish, each once', async () => {
    const target = await database()
    const h = await open(target, 4)
    const [a, b] = await seedSessions(h, 2, 'm-1')
    let locked = 0
    let bothLocked: () => void = () => {}
    const barrier = new Promise<void>((resolve) => (bothLocked = resolve))
    const attempts = { x: 0, y: 0 }
    // x locks a then b, y locks b then a: on the first attempt each waits for the other's first lock
    const writer = (name: 'x' | 'y', first: number, second: number) =>
      h.write(async (trx) => {
        attempts[name]++
        await sql`select id from sessions where id = ${first} for update`.execute(trx)
        if (attempts.x + attempts.y <= 2) {
          if (++locked === 2) bothLocked()
          await barrier
        }
        await sql`select id from sessions where id = ${second} for update`.execute(trx)
        await sql`insert into session_events (session_id, event, from_status, to_status, actor_type, actor_id, created_at)
                  values (${first}, ${`deadlock-${name}`}, 'active', 'active', 'system', null, ${NOW})`.execute(trx)
        return name
      })
    expect(await Promise.all([writer('x', a!, b!), writer('y', b!, a!)])).toEqual(['x', 'y'])
    expect(attempts.x + attempts.y).toBe(3)
    const events = await h.db.selectFrom('session_events').select('event').where('event', 'like', 'deadlock-%').orderBy('event').execute()
    expect(events.map((e) => e.event)).toEqual(['deadlock-x', 'deadlock-y'])
  })
})

describe('PostgreSQL: migrations and flags from many processes', () => {
  it('migrates a fresh database once when 4 processes run migrateToLatest at the same moment', async () => {
    const db = await createTestDatabase('postgres')
    onTestFinished(db.drop)
    // an empty database: drop what the template gave us
    const h = await open(db.target, 2)
    await sql`drop schema public cascade`.execute(h.db)
    await sql`create schema public`.execute(h.db)
    type R = { ok: boolean; ran?: string[]; applied?: string[]; pending?: string[]; message?: string }
    const results = await raceProcesses<R>(
      'migrate-worker.mjs',
      [1, 2, 3, 4].map(() => [db.target]),
    )
    expect(results.filter((r) => !r.ok)).toEqual([])
    // every migration ran exactly once, in one of the processes
    expect(results.flatMap((r) => r.ran!).sort(), JSON.stringify(results)).toEqual(KNOWN)
    for (const r of results) {
      expect(r.pending).toEqual([])
      expect(r.applied).toEqual(KNOWN)
    }
    const applied = await sql<{ name: string }>`select name from kysely_migration`.execute(h.db)
    expect(applied.rows.map((r) => r.name).sort()).toEqual(KNOWN)
    expect((await migrateToLatest(h)).ran).toEqual([])
    expect(await tableCounts(h)).toMatchObject({ sessions: 0, app_config: 0 })
  })

  it('keeps the flag audit a chain when 4 pools set one flag at once (each old value is the previous new one)', async () => {
    const target = await database()
    const handles = await Promise.all([1, 2, 3, 4].map(() => open(target, 2)))
    const values = Array.from({ length: 16 }, (_, i) => i + 2)
    await Promise.all(
      values.map((v, i) => createConfigStore(handles[i % 4]!, { clock: fixedClock(NOW) }).set('early_end_mitra_daily_cap', v, { actor: `ops-${i}` })),
    )
    const history = (await createConfigStore(handles[0]!).history('early_end_mitra_daily_cap', 100)).reverse()
    expect(history.length).toBe(16)
    expect(history[0]!.oldValue).toBe(3)
    for (let i = 1; i < history.length; i++) expect(history[i]!.oldValue).toBe(history[i - 1]!.newValue)
    expect(new Set(history.map((c) => c.newValue))).toEqual(new Set(values))
    expect(await createConfigStore(handles[1]!).get('early_end_mitra_daily_cap')).toBe(history.at(-1)!.newValue)
  })
})
