import { readFlagText, type FlagKey } from '../../src/config/flag-registry.js'
import { describe, expect, it } from 'vitest'
import { loadFlags } from '../../src/config/config-repository.js'
import { ENGINES } from '../support/engines.js'
import { expectCode, fresh, tableCounts } from '../support/fixtures.js'

describe.each(ENGINES)('config flags on %s', (engine) => {
  it('reads every flag at its default on a new database', async () => {
    const t = await fresh(engine)
    expect(await t.config.all()).toEqual({
      early_end_mitra_enabled: false,
      early_end_customer_enabled: false,
      early_end_reason_required: true,
      early_end_reason_codes: ['customer_abusive', 'customer_left', 'out_of_scope', 'other'],
      early_end_mitra_daily_cap: 3,
      early_end_mitra_over_cap_action: 'block',
      closing_grace_seconds: 300,
      business_timezone: 'Asia/Jakarta',
      early_end_mitra_rollout_percent: 100,
      early_end_guard: 'off',
    })
    const list = await t.config.list()
    expect(list.map((f) => [f.key, f.isSet, f.updatedBy])).toContainEqual(['early_end_mitra_daily_cap', false, null])
    expect(list).toHaveLength(10)
  })

  it('stores typed values and values typed as text (read with readFlagText), and reads them back typed', async () => {
    const t = await fresh(engine)
    await t.config.set('early_end_mitra_enabled', true, { actor: 'ops-ana' })
    await t.config.set('early_end_mitra_daily_cap', readFlagText('early_end_mitra_daily_cap', ' 5'), { actor: 'ops-ana' })
    await t.config.set('early_end_reason_codes', readFlagText('early_end_reason_codes', 'customer_left, other'), { actor: 'ops-ana' })
    await t.config.set('early_end_mitra_over_cap_action', 'allow', { actor: 'ops-ana' })
    await t.config.set('business_timezone', 'Europe/Berlin', { actor: 'ops-ana' })
    await t.config.set('closing_grace_seconds', 0, { actor: 'ops-ana' })
    expect(await t.config.get('early_end_mitra_enabled')).toBe(true)
    expect(await t.config.get('early_end_mitra_daily_cap')).toBe(5)
    expect(await t.config.get('early_end_reason_codes')).toEqual(['customer_left', 'other'])
    expect(await t.config.get('early_end_mitra_over_cap_action')).toBe('allow')
    expect(await t.config.get('business_timezone')).toBe('Europe/Berlin')
    expect(await t.config.get('closing_grace_seconds')).toBe(0)
    const cap = (await t.config.list()).find((f) => f.key === 'early_end_mitra_daily_cap')
    expect(cap).toMatchObject({ value: 5, default: 3, isSet: true, updatedBy: 'ops-ana', updatedAt: '2026-11-24T03:00:00.000Z' })
  })

  it('refuses an unknown key with UNKNOWN_FLAG and changes nothing', async () => {
    const t = await fresh(engine)
    const before = await tableCounts(t.handle)
    await expectCode(t.config.set('early_end_enabled' as never, true as never, { actor: 'ops' }), 'UNKNOWN_FLAG')
    await expectCode(t.config.get('nope' as never), 'UNKNOWN_FLAG')
    await expectCode(t.config.reset('nope' as never, { actor: 'ops' }), 'UNKNOWN_FLAG')
    await expectCode(t.config.history('nope' as never), 'UNKNOWN_FLAG')
    expect(await tableCounts(t.handle)).toEqual(before)
  })

  it.each([
    ['early_end_mitra_enabled', 'yes'],
    ['early_end_mitra_enabled', 1],
    ['early_end_mitra_daily_cap', 0],
    ['early_end_mitra_daily_cap', '2.5'],
    ['early_end_mitra_daily_cap', 'lots'],
    ['closing_grace_seconds', 3601],
    ['closing_grace_seconds', -1],
    ['early_end_mitra_over_cap_action', 'warn'],
    ['business_timezone', 'Asia/Atlantis'],
    ['early_end_reason_codes', ''],
    ['early_end_reason_codes', 'a,a'],
    ['early_end_reason_codes', ['Not A Code']],
  ])('refuses %s = %j with INVALID_INPUT and keeps the old value', async (key, value) => {
    const t = await fresh(engine)
    const old = await t.config.all()
    const before = await tableCounts(t.handle)
    await expectCode(t.config.set(key as FlagKey, value as never, { actor: 'ops' }), 'INVALID_INPUT')
    expect(await t.config.all()).toEqual(old)
    expect(await tableCounts(t.handle)).toEqual(before)
  })

  it('refuses a change without a valid actor or with a note over 500 characters', async () => {
    const t = await fresh(engine)
    await expectCode(t.config.set('early_end_mitra_enabled', true, { actor: '' }), 'INVALID_INPUT')
    await expectCode(t.config.set('early_end_mitra_enabled', true, { actor: 'ops', note: 'x'.repeat(501) }), 'INVALID_INPUT')
    expect(await t.config.get('early_end_mitra_enabled')).toBe(false)
  })

  it('records every change with key, old and new value, actor, note and time, newest first, and reset goes back to the default', async () => {
    const t = await fresh(engine, '2026-11-24T03:00:00Z')
    const c1 = await t.config.set('early_end_mitra_daily_cap', 5, { actor: 'ops-ana', note: 'pilot' })
    expect(c1).toMatchObject({ key: 'early_end_mitra_daily_cap', oldValue: 3, newValue: 5, actor: 'ops-ana', note: 'pilot', at: '2026-11-24T03:00:00.000Z' })
    t.clock.advance(60_000)
    await t.config.set('early_end_mitra_enabled', true, { actor: 'ops-budi' })
    t.clock.advance(60_000)
    const r = await t.config.reset('early_end_mitra_daily_cap', { actor: 'ops-budi', note: 'back' })
    expect(r).toMatchObject({ oldValue: 5, newValue: 3 })
    expect(await t.config.get('early_end_mitra_daily_cap')).toBe(3)
    expect((await t.config.list()).find((f) => f.key === 'early_end_mitra_daily_cap')?.isSet).toBe(false)

    const all = await t.config.history()
    expect(all.map((h) => [h.key, h.oldValue, h.newValue, h.actor, h.note, h.at])).toEqual([
      ['early_end_mitra_daily_cap', 5, 3, 'ops-budi', 'back', '2026-11-24T03:02:00.000Z'],
      ['early_end_mitra_enabled', false, true, 'ops-budi', null, '2026-11-24T03:01:00.000Z'],
      ['early_end_mitra_daily_cap', 3, 5, 'ops-ana', 'pilot', '2026-11-24T03:00:00.000Z'],
    ])
    expect((await t.config.history('early_end_mitra_daily_cap')).map((h) => h.newValue)).toEqual([3, 5])
    expect(await t.config.history(undefined, 1)).toHaveLength(1)
  })

  it('records nothing when a flag is set to the value it already has, or reset while at its default', async () => {
    const t = await fresh(engine)
    await t.config.set('early_end_mitra_daily_cap', 4, { actor: 'ops' })
    expect(await t.config.set('early_end_mitra_daily_cap', 4, { actor: 'ops' })).toBeNull()
    expect(await t.config.reset('early_end_customer_enabled', { actor: 'ops' })).toBeNull()
    expect(await t.config.history()).toHaveLength(1)
  })

  it('hands every reader its own copy of a stored list, and sees a change at once', async () => {
    const t = await fresh(engine)
    await t.config.set('early_end_reason_codes', ['a', 'b'], { actor: 'ops' })
    const first = await loadFlags(t.handle.db, t.handle.engine)
    first.early_end_reason_codes.push('mutated')
    expect((await loadFlags(t.handle.db, t.handle.engine)).early_end_reason_codes).toEqual(['a', 'b'])
    expect((await t.config.all()).early_end_reason_codes).toEqual(['a', 'b'])
    await t.config.set('early_end_reason_codes', ['c'], { actor: 'ops' })
    expect((await loadFlags(t.handle.db, t.handle.engine)).early_end_reason_codes).toEqual(['c'])
  })

  it('serialises concurrent changes of one flag so the history chains old to new', async () => {
    const t = await fresh(engine)
    await Promise.all([2, 4, 6, 8, 10].map((n) => t.config.set('early_end_mitra_daily_cap', n, { actor: `ops-${n}` })))
    const h = (await t.config.history('early_end_mitra_daily_cap')).reverse()
    expect(h).toHaveLength(5)
    expect(h[0]!.oldValue).toBe(3)
    for (let i = 1; i < h.length; i++) expect(h[i]!.oldValue).toBe(h[i - 1]!.newValue)
    expect(await t.config.get('early_end_mitra_daily_cap')).toBe(h[4]!.newValue)
  })
})
