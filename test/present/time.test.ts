import { describe, expect, it } from 'vitest'
import { formatDuration, formatInstant, plural } from '../../src/present/time.js'

describe('times for people', () => {
  it.each([
    ['Asia/Jakarta', {}, '2026-11-24 10:00 WIB'],
    ['Asia/Makassar', {}, '2026-11-24 11:00 WITA'],
    ['Asia/Jayapura', {}, '2026-11-24 12:00 WIT'],
    ['UTC', {}, '2026-11-24 03:00 UTC'],
    ['America/New_York', {}, '2026-11-23 22:00 EST'],
    ['Asia/Kolkata', {}, '2026-11-24 08:30 GMT+5:30'],
    ['Asia/Jakarta', { utc: true }, '2026-11-24 03:00 UTC'],
    ['Asia/Jakarta', { seconds: true }, '2026-11-24 10:00:05 WIB'],
  ])('shows 03:00:05Z in %s %j as %s', (zone, options, shown) => {
    expect(formatInstant('2026-11-24T03:00:05.000Z', zone, options)).toBe(shown)
  })

  it('writes a missing time as -, and midnight as 00:00', () => {
    expect(formatInstant(null, 'Asia/Jakarta')).toBe('-')
    expect(formatInstant('2026-11-24T17:00:00.000Z', 'Asia/Jakarta')).toBe('2026-11-25 00:00 WIB')
  })

  it.each([
    [0, '0s'],
    [-5000, '0s'],
    [45_000, '45s'],
    [270_000, '4m 30s'],
    [240_000, '4m'],
    [2_087_000, '34m 47s'],
    [25_487_000, '7h 04m'],
    [2 * 86_400_000 + 3 * 3_600_000, '2d 3h'],
  ])('a length of %i ms reads %s', (ms, shown) => {
    expect(formatDuration(ms)).toBe(shown)
  })

  it('says 1 day, 2 days', () => {
    expect(plural(1, 'day')).toBe('1 day')
    expect(plural(2, 'day')).toBe('2 days')
    expect(plural(0, 'mitra')).toBe('0 mitras')
  })
})
