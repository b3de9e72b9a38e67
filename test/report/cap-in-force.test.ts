/**
 * Issue 19: `report cap` and `whatif` judge each closure by the cap and over-cap action in force when
 * it committed (from config_audit), not by today's, and say which that was.
 */
import { describe, expect, it } from 'vitest'
import { createReportService, createWhatIfService } from '../../src/index.js'
import { ENGINES } from '../support/engines.js'
import { fresh, mitraEnds, openSessions } from '../support/fixtures.js'

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
})
