/**
 * Contract §3 (issue 19): a flag change may name the value it expects to replace (compare-and-set),
 * and a value written into app_config by hand, whatever it is, reads as the default and can be
 * repaired with set or reset: history keeps working on it.
 */
import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { readFlagText, type FlagKey } from '../../src/index.js'
import { ENGINES } from '../support/engines.js'
import { expectCode, fresh, tableCounts } from '../support/fixtures.js'

describe.each(ENGINES)('flag compare-and-set and repair on %s', (engine) => {
  it('changes a flag when it still has the expected value, typed or as text', async () => {
    const t = await fresh(engine)
    await t.config.set('early_end_mitra_daily_cap', 5, { actor: 'ops-ana' })
    expect(await t.config.set('early_end_mitra_daily_cap', 6, { actor: 'ops-budi', expect: 5 })).toMatchObject({ oldValue: 5, newValue: 6 })
    const cap = (text: string) => readFlagText('early_end_mitra_daily_cap', text)
    expect(await t.config.set('early_end_mitra_daily_cap', cap('4'), { actor: 'ops-budi', expect: cap('6') })).toMatchObject({ oldValue: 6, newValue: 4 })
    // an unset flag has its default, and that is what expect compares with
    expect(await t.config.set('early_end_mitra_enabled', true, { actor: 'ops-ana', expect: false })).toMatchObject({ newValue: true })
    expect(await t.config.reset('early_end_mitra_daily_cap', { actor: 'ops-ana', expect: 4 })).toMatchObject({ oldValue: 4, newValue: 3 })
  })

  it('refuses a change whose expected value is stale with INVALID_STATE naming the value, who set it and when, and changes nothing', async () => {
    const t = await fresh(engine)
    await t.config.set('early_end_mitra_daily_cap', 6, { actor: 'ops-budi', note: 'promo part 2' })
    const before = await tableCounts(t.handle)
    const e = await expectCode(t.config.set('early_end_mitra_daily_cap', 4, { actor: 'ops-ana', expect: 5 }), 'INVALID_STATE')
    expect(e.message).toMatch(
      /^early_end_mitra_daily_cap is 6, not 5 as expected \(set by ops-budi at 2026-11-24T03:00:00.000Z, change #\d+\); nothing changed/,
    )
    expect(e.details).toMatchObject({ current: 6, expected: 5, changedBy: 'ops-budi', changedAt: '2026-11-24T03:00:00.000Z' })
    await expectCode(t.config.reset('early_end_mitra_daily_cap', { actor: 'ops-ana', expect: 3 }), 'INVALID_STATE')
    expect(await t.config.get('early_end_mitra_daily_cap')).toBe(6)
    expect(await tableCounts(t.handle)).toEqual(before)
    // an expected value that the key could never hold is bad input, not a stale one
    await expectCode(t.config.set('early_end_mitra_daily_cap', 4, { actor: 'ops-ana', expect: 'lots' as never }), 'INVALID_INPUT')
  })

  it('of many changes expecting the same value at once, exactly one is made', async () => {
    const t = await fresh(engine)
    const tries = await Promise.allSettled([4, 5, 6, 7, 8, 9].map((n) => t.config.set('early_end_mitra_daily_cap', n, { actor: `ops-${n}`, expect: 3 })))
    expect(tries.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    for (const r of tries) if (r.status === 'rejected') expect((r.reason as { code: string }).code).toBe('INVALID_STATE')
    expect(await t.config.history('early_end_mitra_daily_cap')).toHaveLength(1)
  })

  it.each([
    ['not JSON', 'early_end_mitra_over_cap_action', 'allow', 'block', 'allow'],
    ['JSON of the wrong type', 'early_end_mitra_daily_cap', '"five"', 3, '5'],
    ['out of range', 'closing_grace_seconds', '99999', 300, '60'],
    ['an empty string', 'early_end_mitra_enabled', '', false, 'true'],
  ])(
    'a value written by hand that is %s reads as the default, is marked, and set, reset and history work on it',
    async (_what, name, stored, fallback, text) => {
      const t = await fresh(engine)
      const key = name as FlagKey
      const next = readFlagText(key, text)
      await t.config.set(key, next, { actor: 'ops-ana' })
      await sql`update app_config set value = ${stored} where key = ${key}`.execute(t.handle.db)
      await sql`insert into config_audit (key, old_value, new_value, actor, note, created_at) values (${key}, ${stored}, ${stored}, ${'psql'}, ${null}, ${'2026-11-24T03:00:00.000Z'})`.execute(
        t.handle.db,
      )
      expect(await t.config.get(key as never)).toEqual(fallback)
      expect((await t.config.list()).find((f) => f.key === key)).toMatchObject({ value: fallback, invalidStored: stored })
      expect((await t.config.history(key)).length).toBe(2)
      // expect compares with what get reads: the default
      const repaired = await t.config.set(key, next, { actor: 'ops-ana', expect: fallback as never })
      expect(repaired).toMatchObject({ newValue: expect.anything() })
      expect((await t.config.list()).find((f) => f.key === key)).toMatchObject({ invalidStored: null })
      await sql`update app_config set value = ${stored} where key = ${key}`.execute(t.handle.db)
      expect(await t.config.reset(key, { actor: 'ops-ana' })).toMatchObject({ newValue: fallback })
      expect((await t.config.list()).find((f) => f.key === key)).toMatchObject({ isSet: false, invalidStored: null })
      const history = await t.config.history(key)
      expect(history.length).toBe(4)
      expect(history[0]).toMatchObject({ actor: 'ops-ana', newValue: fallback })
    },
  )
})
