import { describe, expect, it } from 'vitest'
import { createWhatIfService, defaultFlags, replayCap, proposalFlags, sameOutcome, simulate, type RecordedEarlyEnd } from '../../src/index.js'
import { ENGINES } from '../support/engines.js'
import { enableMitra, expectCode, fresh, tableCounts } from '../support/fixtures.js'

const SIM = { days: 3, sessions: 50, mitras: 4, seed: 'whatif', endDay: '2026-11-24', mitraRate: 0.5, customerRate: 0 }
const RANGE = { from: '2026-11-22', to: '2026-11-24' }

function recorded(n: number, mitraId = 'm-1', day = '2026-11-24'): RecordedEarlyEnd[] {
  return Array.from({ length: n }, (_, i) => ({
    closureId: i + 1,
    sessionId: i + 1,
    mitraId,
    actorId: mitraId,
    reason: 'customer_left',
    note: null,
    businessDay: day,
    createdAt: `${day}T0${i}:00:00.000Z`,
    overCap: false,
    openedReview: i === 2,
  }))
}

describe('cap replay (pure)', () => {
  it('refuses past a lower cap with block and opens the review at the new cap', () => {
    const out = replayCap(recorded(3), proposalFlags(defaultFlags(), { cap: 2, overCapAction: 'block' }, recorded(3)))
    expect(out.map((o) => [o.refusedWith, o.openedReview, o.differs])).toEqual([
      [null, false, false],
      [null, true, true],
      ['DAILY_CAP_REACHED', false, true],
    ])
  })

  it('marks over-cap early ends with allow and counts each mitra and day apart', () => {
    const rows = [...recorded(3, 'm-1'), ...recorded(1, 'm-2'), ...recorded(2, 'm-1', '2026-11-25')]
    const out = replayCap(rows, proposalFlags(defaultFlags(), { cap: 1, overCapAction: 'allow' }, rows))
    expect(out.map((o) => [o.recorded.mitraId, o.refusedWith, o.overCap, o.openedReview])).toEqual([
      ['m-1', null, false, true],
      ['m-1', null, true, false],
      ['m-1', null, true, false],
      ['m-2', null, false, true],
      ['m-1', null, false, true],
      ['m-1', null, true, false],
    ])
  })
})

describe('cap replay under the rules in force (pure)', () => {
  // m-1's first three early ends committed under cap 2 and allow, its fourth under cap 4 and block
  const rules = [
    { cap: 2, overCapAction: 'allow' },
    { cap: 2, overCapAction: 'allow' },
    { cap: 2, overCapAction: 'allow' },
    { cap: 4, overCapAction: 'block' },
  ] as const
  const rows: RecordedEarlyEnd[] = recorded(4).map((r, i) => ({ ...r, inForce: rules[i]!, openedReview: i === 1, overCap: i === 2 }))
  const flags = proposalFlags(defaultFlags(), { cap: 9, overCapAction: 'block' }, rows)

  it('judges each early end by the cap and action in force when it committed, whatever the flags say now', () => {
    const baseline = replayCap(rows, flags)
    expect(baseline.map((o) => [o.rule.cap, o.refusedWith, o.overCap, o.openedReview, o.differs])).toEqual([
      [2, null, false, false, false],
      [2, null, false, true, false],
      [2, null, true, false, false],
      [4, null, false, false, false],
    ])
  })

  it('replaces only what the proposal names: a cap alone keeps each early end its action in force then', () => {
    const out = replayCap(rows, flags, { cap: 1 })
    expect(out.map((o) => [o.rule.overCapAction, o.refusedWith, o.overCap])).toEqual([
      ['allow', null, false],
      ['allow', null, true],
      ['allow', null, true],
      ['block', 'DAILY_CAP_REACHED', false],
    ])
    expect(replayCap(rows, flags, { cap: 1, overCapAction: 'allow' }).filter((o) => o.refusedWith !== null)).toEqual([])
    const baseline = replayCap(rows, flags)
    expect(out.map((o, i) => sameOutcome(o, baseline[i]!))).toEqual([false, false, true, false])
  })
})

describe.each(ENGINES)('whatif cap on %s', (engine) => {
  /** A database whose flags were set before the simulated days (as in the demo), so the audit history holds the rules the simulation ran under. */
  async function flagsBefore(values: Record<string, unknown>) {
    const t = await fresh(engine, '2026-11-21T00:00:00Z')
    await enableMitra(t, values)
    t.clock.set('2026-11-24T15:00:00Z')
    return t
  }

  it('agrees exactly with what the real rules did when the proposed cap is the current one', async () => {
    const t = await flagsBefore({ early_end_mitra_daily_cap: 2 })
    const sim = await simulate(t.handle, SIM)
    expect(sim.refused.DAILY_CAP_REACHED).toBeGreaterThan(0)
    const whatif = createWhatIfService(t.handle, { clock: t.clock })
    const same = await whatif.cap({ cap: 2 }, RANGE)
    expect(same).toMatchObject({ differences: 0, unexplained: 0 })
    expect(same.replayed).toBe(sim.byInitiator.mitra.succeeded)
    expect(same.whatif).toEqual(same.actual)
    expect(same.actual.reviewsOpened).toBe(sim.reviewsOpened)
    // the default range (14 days ending today) covers the simulation too
    expect((await whatif.cap({ cap: 2 })).differences).toBe(0)
  })

  it('agrees with the real rules under allow, and shows what a lower cap would have refused, writing nothing', async () => {
    const t = await flagsBefore({ early_end_mitra_daily_cap: 3, early_end_mitra_over_cap_action: 'allow' })
    const sim = await simulate(t.handle, SIM)
    expect(sim.overCap).toBeGreaterThan(0)
    const before = await tableCounts(t.handle)
    const whatif = createWhatIfService(t.handle, { clock: t.clock })
    const same = await whatif.cap({ cap: 3 }, RANGE)
    expect(same).toMatchObject({ differences: 0, unexplained: 0 })
    expect(same.actual.overCap).toBe(sim.overCap)

    const lower = await whatif.cap({ cap: 1, overCapAction: 'block' }, RANGE)
    expect(lower.proposed).toEqual({ cap: 1, overCapAction: 'block' })
    expect(lower.current).toEqual({ cap: 3, overCapAction: 'allow' })
    expect(lower.whatif.refused).toBeGreaterThan(0)
    expect(lower.whatif.overCap).toBe(0)
    expect(lower.whatif.allowed + lower.whatif.refused).toBe(lower.replayed)
    // with a cap of 1 and block, every mitra and day with an early end gets exactly one review and one allowed early end
    const days = await t.handle.db.selectFrom('session_closures').select(['mitra_id', 'business_day']).distinct().where('initiated_by', '=', 'mitra').execute()
    expect(lower.whatif.reviewsOpened).toBe(days.length)
    expect(lower.whatif.allowed).toBe(days.length)
    expect(lower.whatif.reviewMitras).toEqual([...new Set(days.map((d) => d.mitra_id))].sort())
    expect(await tableCounts(t.handle)).toEqual(before)
  })

  it('refuses a cap below 1 and impossible dates with INVALID_INPUT', async () => {
    const t = await fresh(engine)
    const whatif = createWhatIfService(t.handle, { clock: t.clock })
    await expectCode(whatif.cap({ cap: 0 }), 'INVALID_INPUT')
    await expectCode(whatif.cap({ cap: 2 }, { from: '2026-11-31' }), 'INVALID_INPUT')
  })
})
