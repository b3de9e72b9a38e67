/**
 * Issue 19: `report cap` and `whatif` judge each closure by the cap and over-cap action in force when
 * it committed (from config_audit), not by today's, and say which that was.
 */
import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { createReportService, createWhatIfService } from '../../src/index.js'
import { ENGINES } from '../support/engines.js'
import { fresh, mitraEnds, openSessions } from '../support/fixtures.js'

const DAY = { from: '2026-11-24', to: '2026-11-24' }

describe.each(ENGINES)('the cap in force at the time, on %s', (engine) => {
  /** The cap is 4 from the day before; m-1 ends four sessions early (10:00-10:03 WIB); at 13:00 WIB the cap goes down to 3. */
  async function capLoweredAfter() {
    const t = await fresh(engine, '2026-11-23T12:00:00Z')
    await t.config.set('early_end_mitra_enabled', true, { actor: 'ops' })
    await t.config.set('early_end_mitra_daily_cap', 4, { actor: 'ops' })
    t.clock.set('2026-11-24T02:00:00Z')
    const ids = await openSessions(t, 5)
    t.clock.set('2026-11-24T03:00:00Z')
    for (const id of ids.slice(0, 4)) {
      await mitraEnds(t, id)
      t.clock.advance(60_000)
    }
    t.clock.set('2026-11-24T06:00:00Z')
    await t.config.set('early_end_mitra_daily_cap', 3, { actor: 'ops-budi', note: 'promo over' })
    t.clock.set('2026-11-24T09:00:00Z')
    return t
  }

  it('report cap: four early ends under a cap of 4 are at the cap, not over a cap of 3 set afterwards', async () => {
    const t = await capLoweredAfter()
    const report = await createReportService(t.handle, { clock: t.clock }).cap('2026-11-24')
    expect(report.rows).toEqual([expect.objectContaining({ mitraId: 'm-1', count: 4, standing: 'at', capThen: 4 })])
    expect(report.capsInForce).toEqual([
      { cap: 4, from: null, until: '2026-11-24T06:00:00.000Z' },
      { cap: 3, from: '2026-11-24T06:00:00.000Z', until: null },
    ])
    expect(report.cap).toBe(3)
    // the day before knew only the cap in force then
    t.clock.set('2026-11-25T09:00:00Z')
    const before = await createReportService(t.handle, { clock: t.clock }).cap('2026-11-23')
    expect(before.capsInForce).toEqual([
      { cap: 3, from: null, until: '2026-11-23T12:00:00.000Z' },
      { cap: 4, from: '2026-11-23T12:00:00.000Z', until: '2026-11-24T06:00:00.000Z' },
    ])
    expect(before.cap).toBe(4)
  })

  it('whatif: the baseline is what the caps in force did, and an early end is replayed under the action in force then', async () => {
    const t = await capLoweredAfter()
    const whatif = await createWhatIfService(t.handle, { clock: t.clock }).cap({ cap: 4 }, { from: '2026-11-24', to: '2026-11-24' })
    expect(whatif.inForce.caps.map((c) => c.value)).toEqual([4, 3])
    // the same cap as was in force: nothing would have gone differently
    expect(whatif).toMatchObject({ differences: 0, whatif: { refused: 0 }, actual: { overCap: 0 } })
  })

  it('whatif: the actions in force over the range are listed too', async () => {
    const t = await fresh(engine, '2026-11-23T12:00:00Z')
    await t.config.set('early_end_mitra_enabled', true, { actor: 'ops' })
    await t.config.set('early_end_mitra_over_cap_action', 'allow', { actor: 'ops' })
    t.clock.set('2026-11-24T04:00:00Z')
    await t.config.set('early_end_mitra_over_cap_action', 'block', { actor: 'ops' })
    const whatif = await createWhatIfService(t.handle, { clock: t.clock }).cap({ cap: 1 }, { from: '2026-11-24', to: '2026-11-24' })
    expect(whatif.inForce.actions.map((a) => a.value)).toEqual(['allow', 'block'])
    expect(whatif.inForce.caps).toEqual([{ value: 3, from: null, until: null }])
  })
  /**
   * Cap 2, allow: m-1 ends three sessions early (the third over the cap) at 08:00-08:02 WIB. At 12:00 WIB
   * the cap goes up to 4 and the action to block; then m-2 ends four (the fourth opens its review) and
   * m-1 one more (its fourth: at the new cap, attached to its review). Now: cap 4, block.
   */
  async function rulesChangedMidDay() {
    const t = await fresh(engine, '2026-11-23T12:00:00Z')
    await t.config.set('early_end_mitra_enabled', true, { actor: 'ops' })
    await t.config.set('early_end_mitra_daily_cap', 2, { actor: 'ops' })
    await t.config.set('early_end_mitra_over_cap_action', 'allow', { actor: 'ops' })
    t.clock.set('2026-11-24T00:00:00Z')
    const m1 = await openSessions(t, 4, 'm-1')
    const m2 = await openSessions(t, 4, 'm-2')
    t.clock.set('2026-11-24T01:00:00Z')
    for (const id of m1.slice(0, 3)) {
      await mitraEnds(t, id, 'm-1')
      t.clock.advance(60_000)
    }
    t.clock.set('2026-11-24T05:00:00Z')
    await t.config.set('early_end_mitra_daily_cap', 4, { actor: 'ops-budi', note: 'promo' })
    await t.config.set('early_end_mitra_over_cap_action', 'block', { actor: 'ops-budi', note: 'promo' })
    t.clock.set('2026-11-24T06:00:00Z')
    for (const id of m2) {
      await mitraEnds(t, id, 'm-2')
      t.clock.advance(60_000)
    }
    await mitraEnds(t, m1[3]!, 'm-1')
    t.clock.set('2026-11-24T09:00:00Z')
    return t
  }

  it('whatif: with only a cap proposed, each early end keeps the over-cap action in force when it committed', async () => {
    const t = await rulesChangedMidDay()
    const whatif = createWhatIfService(t.handle, { clock: t.clock })
    // the cap m-1's three were judged by, while allow was in force: nothing would have gone differently for them
    const same = await whatif.cap({ cap: 2 }, DAY)
    // m-1: the third over the cap (allow then), the fourth refused (block then); m-2: review at its second, the last two refused
    expect(same.whatif).toMatchObject({ allowed: 5, refused: 3, overCap: 1, reviewsOpened: 2 })
    expect(same.proposed).toEqual({ cap: 2, overCapAction: null })
    expect(same.inForce.actions.map((a) => a.value)).toEqual(['allow', 'block'])
    expect(same.mitras.find((m) => m.mitraId === 'm-1')).toMatchObject({ whatif: { refused: 1, overCap: 1, reviewDays: ['2026-11-24'] } })
    // an action proposed applies to every early end
    expect((await whatif.cap({ cap: 2, overCapAction: 'block' }, DAY)).whatif).toMatchObject({ refused: 4, overCap: 0 })
    expect((await whatif.cap({ cap: 2, overCapAction: 'allow' }, DAY)).whatif).toMatchObject({ refused: 0, overCap: 4 })
  })

  it('whatif: the baseline judges each early end by the cap and action in force then, and says which cap that was', async () => {
    const t = await rulesChangedMidDay()
    const whatif = await createWhatIfService(t.handle, { clock: t.clock }).cap({ cap: 2 }, DAY)
    // m-1's fourth (refused, where cap 4 attached it to the review) and m-2's second to fourth
    expect(whatif.differences).toBe(4)
    expect(whatif.current).toEqual({ cap: 4, overCapAction: 'block' })
    expect(whatif.inForce.caps).toEqual([
      { value: 2, from: null, until: '2026-11-24T05:00:00.000Z' },
      { value: 4, from: '2026-11-24T05:00:00.000Z', until: null },
    ])
    // what happened: m-1's third over cap 2 under allow, its fourth at cap 4; m-2 reached cap 4; nothing refused
    expect(whatif.actual).toEqual({ allowed: 8, refused: 0, overCap: 1, reviewsOpened: 2, reviewMitras: ['m-1', 'm-2'] })
    expect(whatif.unexplained).toBe(0)
    expect(whatif.mitras).toEqual([
      {
        mitraId: 'm-1',
        earlyEnds: 4,
        actual: { capsInForce: [2, 4], overCap: 1, reviewDays: ['2026-11-24'] },
        whatif: { refused: 1, overCap: 1, reviewDays: ['2026-11-24'] },
      },
      {
        mitraId: 'm-2',
        earlyEnds: 4,
        actual: { capsInForce: [4], overCap: 0, reviewDays: ['2026-11-24'] },
        whatif: { refused: 2, overCap: 0, reviewDays: ['2026-11-24'] },
      },
    ])
  })

  it('whatif: an early end the audit history cannot explain (a cap written by hand) is counted, not hidden', async () => {
    const t = await fresh(engine, '2026-11-23T12:00:00Z')
    await t.config.set('early_end_mitra_enabled', true, { actor: 'ops' })
    await t.config.set('early_end_mitra_daily_cap', 3, { actor: 'ops' })
    t.clock.set('2026-11-24T02:00:00Z')
    const ids = await openSessions(t, 2)
    // the cap is 2 for these two early ends, but no audit row says so
    await sql`update app_config set value = ${'2'} where key = ${'early_end_mitra_daily_cap'}`.execute(t.handle.db)
    for (const id of ids) await mitraEnds(t, id)
    await sql`update app_config set value = ${'3'} where key = ${'early_end_mitra_daily_cap'}`.execute(t.handle.db)
    const whatif = await createWhatIfService(t.handle, { clock: t.clock }).cap({ cap: 3 }, DAY)
    // judged by the cap of 3 the history shows, the second early end opened no review; the record says it did
    expect(whatif).toMatchObject({ unexplained: 1, actual: { reviewsOpened: 0 } })
  })
})
