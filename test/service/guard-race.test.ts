/**
 * The guard under real concurrency (contract §4b, §4 item 9): many OS processes end sessions, each as
 * its own mitra, while the guard's threshold is crossed. The guard switches mitra early ends off in the
 * transaction of the early end that reaches it, and no mitra early end commits after that switch-off:
 * proven by commit order (PostgreSQL: track_commit_timestamp; SQLite: one writer at a time gives ids
 * in commit order), never by timing luck.
 */
import { fileURLToPath } from 'node:url'
import { sql } from 'kysely'
import { beforeAll, describe, expect, it } from 'vitest'
import { ENGINES } from '../support/engines.js'
import type { Setup } from '../support/engines.js'
import { enableMitra, ensureBuilt, fresh, runTogether } from '../support/fixtures.js'
import { NOW } from '../support/time.js'

const WORKER = fileURLToPath(new URL('./workers/end-own-sessions.mjs', import.meta.url))
const PROCESSES = 6
const PER_PROCESS = 10
const THRESHOLD = 12

interface Outcome {
  id: number
  ok: boolean
  code?: string
  message?: string
}

beforeAll(() => {
  ensureBuilt()
}, 120_000)

/** Mitra early ends that committed after the guard's switch-off committed (there must be none). */
async function committedAfterSwitchOff(t: Setup): Promise<number[]> {
  if (t.engine === 'postgres') {
    const { rows } = await sql<{ session_id: number }>`
      select c.session_id from session_closures c
      where c.initiated_by = 'mitra'
        and pg_xact_commit_timestamp(c.xmin) > (select pg_xact_commit_timestamp(a.xmin) from config_audit a where a.actor = 'guard' order by a.id desc limit 1)
      order by c.session_id`.execute(t.handle.db)
    return rows.map((r) => r.session_id)
  }
  // one writer at a time: event ids are given out in commit order, and the switch-off's event is written in its transaction
  const rows = await t.handle.db
    .selectFrom('session_events')
    .select('session_id')
    .where('event', '=', 'early_end')
    .where('actor_type', '=', 'mitra')
    .where('id', '>', (eb) =>
      eb
        .selectFrom('session_events')
        .select((e) => e.fn.max('id').as('id'))
        .where('event', '=', 'guard_tripped'),
    )
    .orderBy('session_id')
    .execute()
  return rows.map((r) => r.session_id)
}

describe.each(ENGINES)('the guard across %s processes on %s'.replace('%s', String(PROCESSES)), (engine) => {
  it('switches off in the early end that reaches the threshold; no mitra early end commits after it', async () => {
    const t = await fresh(engine, NOW)
    await enableMitra(t, { early_end_guard: { mitraEarlyEndsPerHour: THRESHOLD } })
    const sessions: [number, string][] = []
    for (let i = 0; i < PROCESSES * PER_PROCESS; i++) {
      const mitraId = `m-${i}`
      sessions.push([(await t.closures.openSession({ mitraId, customerId: `c-${i}` })).id, mitraId])
    }
    const args = Array.from({ length: PROCESSES }, (_, p) => ({
      target: t.target,
      now: NOW,
      sessions: sessions.filter((_, j) => j % PROCESSES === p),
      inFlight: 3,
    }))
    const outcomes = (await runTogether<{ outcomes: Outcome[] }>(WORKER, args)).flatMap((r) => r.outcomes)

    expect(outcomes).toHaveLength(sessions.length)
    const unexpected = outcomes.filter((o) => !o.ok && o.code !== 'EARLY_END_DISABLED')
    expect(unexpected, 'refusals are EARLY_END_DISABLED, never a deadlock, busy or other error').toEqual([])
    const ended = outcomes.filter((o) => o.ok)
    expect(ended.length).toBeGreaterThanOrEqual(THRESHOLD)
    expect(ended.length).toBeLessThan(sessions.length)

    expect(await t.config.get('early_end_mitra_enabled')).toBe(false)
    const trips = await t.handle.db.selectFrom('config_audit').selectAll().where('actor', '=', 'guard').execute()
    expect(trips, 'the guard switched off once').toHaveLength(1)
    expect(trips[0]!.note).toMatch(/^guard: mitraEarlyEndsPerHour reached: \d+ of 12 mitra early ends in the last hour$/)
    const events = await t.handle.db.selectFrom('session_events').selectAll().where('event', '=', 'guard_tripped').execute()
    expect(events).toHaveLength(1)
    expect(ended.map((o) => o.id)).toContain(events[0]!.session_id)

    expect(await committedAfterSwitchOff(t), 'mitra early ends committed after the switch-off').toEqual([])
    const closures = await t.handle.db.selectFrom('session_closures').select('session_id').where('initiated_by', '=', 'mitra').execute()
    expect(closures.map((c) => c.session_id).sort((a, b) => a - b)).toEqual(ended.map((o) => o.id).sort((a, b) => a - b))
  }, 120_000)
})
