import { describe, expect, it } from 'vitest'
import { defaultFlags, FLAG_DEFINITIONS, isFlagKey, parseFlagText } from '../../src/index.js'
import { checkFlagValue, decodeStoredFlag } from '../../src/config/flag-registry.js'

describe('the flag registry', () => {
  it('holds exactly the flags of the contract, with their defaults and types', () => {
    expect(FLAG_DEFINITIONS.map((d) => [d.key, d.type, d.default])).toEqual([
      ['early_end_mitra_enabled', 'boolean', false],
      ['early_end_customer_enabled', 'boolean', false],
      ['early_end_reason_required', 'boolean', true],
      ['early_end_reason_codes', 'code-list', ['customer_abusive', 'customer_left', 'out_of_scope', 'other']],
      ['early_end_mitra_daily_cap', 'integer', 3],
      ['early_end_mitra_over_cap_action', 'enum', 'block'],
      ['closing_grace_seconds', 'integer', 300],
      ['business_timezone', 'timezone', 'Asia/Jakarta'],
      ['early_end_mitra_rollout_percent', 'integer', 100],
      ['early_end_guard', 'guard', 'off'],
    ])
    expect(isFlagKey('early_end_mitra_enabled')).toBe(true)
    expect(isFlagKey('early_end_enabled')).toBe(false)
  })

  it('hands out defaults that a caller cannot corrupt', () => {
    const a = defaultFlags()
    a.early_end_reason_codes.push('mutated')
    expect(defaultFlags().early_end_reason_codes).not.toContain('mutated')
  })

  it('checks typed values against each flag’s type and range', () => {
    expect(checkFlagValue('early_end_mitra_enabled', true).ok).toBe(true)
    expect(checkFlagValue('early_end_mitra_enabled', 'true').ok).toBe(false)
    expect(checkFlagValue('early_end_mitra_daily_cap', 1).ok).toBe(true)
    expect(checkFlagValue('early_end_mitra_daily_cap', 0).ok).toBe(false)
    expect(checkFlagValue('early_end_mitra_daily_cap', 2.5).ok).toBe(false)
    expect(checkFlagValue('closing_grace_seconds', 0).ok).toBe(true)
    expect(checkFlagValue('closing_grace_seconds', 3600).ok).toBe(true)
    expect(checkFlagValue('closing_grace_seconds', 3601).ok).toBe(false)
    expect(checkFlagValue('early_end_mitra_over_cap_action', 'allow').ok).toBe(true)
    expect(checkFlagValue('early_end_mitra_over_cap_action', 'warn').ok).toBe(false)
    expect(checkFlagValue('business_timezone', 'Europe/Berlin').ok).toBe(true)
    expect(checkFlagValue('business_timezone', 'Europe/Atlantis').ok).toBe(false)
    expect(checkFlagValue('early_end_reason_codes', []).ok).toBe(false)
    expect(checkFlagValue('early_end_reason_codes', ['a', 'a']).ok).toBe(false)
    expect(checkFlagValue('early_end_reason_codes', ['Bad Code']).ok).toBe(false)
  })

  it('reads values as a person types them', () => {
    expect(parseFlagText('early_end_mitra_enabled', ' true ')).toEqual({ ok: true, value: true })
    expect(parseFlagText('early_end_mitra_enabled', 'yes').ok).toBe(false)
    expect(parseFlagText('early_end_mitra_daily_cap', '5')).toEqual({ ok: true, value: 5 })
    expect(parseFlagText('early_end_mitra_daily_cap', 'five').ok).toBe(false)
    expect(parseFlagText('early_end_reason_codes', 'a, b,other')).toEqual({ ok: true, value: ['a', 'b', 'other'] })
    expect(parseFlagText('early_end_reason_codes', '["x","y"]')).toEqual({ ok: true, value: ['x', 'y'] })
    expect(parseFlagText('early_end_reason_codes', '[broken').ok).toBe(false)
  })

  it('falls back to the default for a stored value that is no longer valid', () => {
    expect(decodeStoredFlag('early_end_mitra_daily_cap', '7')).toBe(7)
    expect(decodeStoredFlag('early_end_mitra_daily_cap', '"7"')).toBe(3)
    expect(decodeStoredFlag('early_end_mitra_daily_cap', '{not json')).toBe(3)
  })
})
