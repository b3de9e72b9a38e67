import { describe, expect, it } from 'vitest'
import { fixedClock, seededRandom, simulate, UserType } from '../../src/index.js'
import { ENGINES } from '../support/engines.js'
import { enableMitra, fresh, tableCounts } from '../support/fixtures.js'

const SMALL = { days: 2, sessions: 60, mitras: 5, seed: 'ci', endDay: '2026-11-24', mitraRate: 0.4, customerRate: 0.1 }

describe('seeded random', () => {
  it('repeats its sequence for the same seed and differs for another', () => {
    const a = Array.from({ length: 5 }, seededRandom('x').next)
    const draw = (seed: string) => {
      const r = seededRandom(seed)
      return Array.from({ length: 5 }, () => r.int(1, 1000))
    }
    expect(draw('x')).toEqual(draw('x'))
    expect(draw('x')).not.toEqual(draw('y'))
    expect(a.every((v) => v >= 0 && v < 1)).toBe(true)
  })
})

describe.each(ENGINES)('simulate on %s', (engine) => {
  it('gives the same summary twice for the same seed on the same starting database', async () => {
    const a = await fresh(engine)
    const b = await fresh(engine)
    await enableMitra(a, { early_end_customer_enabled: true, early_end_mitra_daily_cap: 2 })
    await enableMitra(b, { early_end_customer_enabled: true, early_end_mitra_daily_cap: 2 })
    const first = await simulate(a.handle, SMALL)
    const second = await simulate(b.handle, SMALL)
    expect(second).toEqual(first)
    expect(first.attempts).toBeGreaterThan(20)
    expect(first.refused.DAILY_CAP_REACHED).toBeGreaterThan(0)
    const other = await simulate(b.handle, { ...SMALL, seed: 'other' })
    expect(other).not.toEqual({ ...first, seed: 'other' })
  })

  it('gives the same summary and the same rows in batches as with one transaction per call', async () => {
    const a = await fresh(engine)
    const b = await fresh(engine)
    await enableMitra(a, { early_end_customer_enabled: true, early_end_mitra_daily_cap: 2 })
    await enableMitra(b, { early_end_customer_enabled: true, early_end_mitra_daily_cap: 2 })
    const one = await simulate(a.handle, { ...SMALL, batch: 1 })
    const batched = await simulate(b.handle, { ...SMALL, batch: 37 })
    expect(batched).toEqual(one)
    const rows = (t: typeof a) =>
      t.handle.db
        .selectFrom('session_closures')
        .select(['session_id', 'initiated_by', 'business_day', 'over_cap', 'review_id', 'created_at'])
        .orderBy('id')
        .execute()
    expect(await rows(b)).toEqual(await rows(a))
    expect(await tableCounts(b.handle)).toEqual(await tableCounts(a.handle))
  })

  it('writes what its summary says, through the real rules: closures, reviews, refusals that change nothing', async () => {
    const t = await fresh(engine)
    await enableMitra(t, { early_end_mitra_daily_cap: 2 })
    const s = await simulate(t.handle, SMALL)
    // customers are switched off: every customer attempt is refused by the flag
    expect(s.refused.EARLY_END_DISABLED).toBe(s.byInitiator.customer.attempts)
    expect(s.byInitiator.customer.succeeded).toBe(0)
    expect(s.sessions).toBe(120)
    expect(s.attempts).toBe(s.succeeded + Object.values(s.refused).reduce((a, b) => a + b, 0))
    const counts = await tableCounts(t.handle)
    expect(counts.sessions).toBe(120)
    expect(counts.session_closures).toBe(s.succeeded + s.expired)
    expect(counts.cc_reviews).toBe(s.reviewsOpened)
    // every session ends closed: the last sweep of each day finalizes everything
    expect(s.finalized).toBe(120)
    const early = await t.handle.db.selectFrom('session_closures').select(['mitra_id', 'business_day']).where('initiated_by', '=', 'mitra').execute()
    const perDay = new Map<string, number>()
    for (const r of early) perDay.set(`${r.mitra_id} ${r.business_day}`, (perDay.get(`${r.mitra_id} ${r.business_day}`) ?? 0) + 1)
    expect(Math.max(...perDay.values())).toBe(2)
    expect(new Set(early.map((r) => r.business_day))).toEqual(new Set(['2026-11-23', '2026-11-24']))
  })

  it('touches only the sessions it opened and writes nothing stamped after now', async () => {
    const t = await fresh(engine, '2026-11-24T04:00:00Z')
    await enableMitra(t)
    // real traffic: one chat still running, one closing whose grace window has passed, both past their end by noon
    const live = await t.closures.openSession({ mitraId: 'real-m', customerId: 'real-c', durationMinutes: 30 })
    const closing = await t.closures.openSession({ mitraId: 'real-m', customerId: 'real-d', durationMinutes: 30 })
    await t.closures.initiateEarlyEnd(closing.id, UserType.MITRA, { actorId: 'real-m', reason: 'customer_left' })
    const now = '2026-11-24T05:00:00.000Z' // 12:00 in Jakarta
    const s = await simulate(t.handle, { days: 2, sessions: 80, mitras: 5, seed: 'scope' }, { clock: fixedClock(now) })
    expect(s.sessions).toBeGreaterThan(80)
    expect(s.sessions).toBeLessThan(160)
    expect((await t.closures.getSession(live.id)).status).toBe('active')
    expect((await t.closures.getSession(closing.id)).status).toBe('closing')
    const stamps = [
      ['sessions', 'started_at'],
      ['session_closures', 'created_at'],
      ['session_events', 'created_at'],
      ['sessions', 'closed_at'],
      ['cc_reviews', 'opened_at'],
    ] as const
    for (const [table, column] of stamps) {
      const late = await t.handle.db
        .selectFrom(table)
        .select(column)
        .where(column, '>', now as never)
        .execute()
      expect(late, `${table}.${column} after now`).toEqual([])
    }
    // the day stops at now: sessions opened this morning are still running
    const running = await t.closures.listSessions({ status: ['active', 'extending'], limit: 1000 })
    expect(running.filter((r) => r.mitraId.startsWith('sim-')).length).toBeGreaterThan(0)
  })

  it('refuses bad options with INVALID_INPUT before writing anything', async () => {
    const t = await fresh(engine)
    const before = await tableCounts(t.handle)
    await expect(simulate(t.handle, { days: 0 })).rejects.toMatchObject({ code: 'INVALID_INPUT' })
    await expect(simulate(t.handle, { mitraRate: 0.8, customerRate: 0.5 })).rejects.toMatchObject({ code: 'INVALID_INPUT' })
    await expect(simulate(t.handle, { endDay: '2026-02-29' })).rejects.toMatchObject({ code: 'INVALID_INPUT' })
    expect(await tableCounts(t.handle)).toEqual(before)
  })
})
