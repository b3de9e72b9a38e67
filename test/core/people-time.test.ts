import { describe, expect, it } from 'vitest'
import { dayOf, instantOf, parsePeopleTime } from '../../src/core/people-time.js'

// 2026-12-05 10:00 in Jakarta (WIB, UTC+7)
const NOW = new Date('2026-12-05T03:00:00Z')
const JKT = 'Asia/Jakarta'
const at = (text: string) => instantOf(parsePeopleTime(text)!, NOW, JKT).toISOString()
const day = (text: string) => dayOf(parsePeopleTime(text)!, NOW, JKT)

describe('times as people type them', () => {
  it('a date starts at midnight in the business zone', () => {
    expect(at('2026-12-05')).toBe('2026-12-04T17:00:00.000Z')
  })

  it('a local time is in the business zone, with a T or a space, with or without seconds', () => {
    expect(at('2026-12-05T13:00')).toBe('2026-12-05T06:00:00.000Z')
    expect(at('2026-12-05 13:00')).toBe('2026-12-05T06:00:00.000Z')
    expect(at(' 2026-12-05 13:00:30 ')).toBe('2026-12-05T06:00:30.000Z')
  })

  it('an instant keeps its own zone', () => {
    expect(at('2026-12-05T13:00:00Z')).toBe('2026-12-05T13:00:00.000Z')
    expect(at('2026-12-05T13:00+02:00')).toBe('2026-12-05T11:00:00.000Z')
    expect(at('2026-12-05 13:00:00+0700')).toBe('2026-12-05T06:00:00.000Z')
  })

  it('today and yesterday start at midnight of that business day, in any case', () => {
    expect(at('today')).toBe('2026-12-04T17:00:00.000Z')
    expect(at('Yesterday')).toBe('2026-12-03T17:00:00.000Z')
    // 18:00 UTC is already the next day in Jakarta
    expect(dayOf(parsePeopleTime('today')!, new Date('2026-12-05T18:00:00Z'), JKT)).toBe('2026-12-06')
  })

  it('durations count back from now', () => {
    expect(at('30m')).toBe('2026-12-05T02:30:00.000Z')
    expect(at('2h')).toBe('2026-12-05T01:00:00.000Z')
    expect(at('7d')).toBe('2026-11-28T03:00:00.000Z')
    expect(day('7d')).toBe('2026-11-28')
    expect(day('2026-12-05 23:30')).toBe('2026-12-05')
    expect(day('2026-12-05T23:30:00Z')).toBe('2026-12-06')
  })

  it.each(['', '2h ago', '-2h', '2026-02-30', '2026-12-05 25:00', '2026-12-05T13', 'tomorrow', '13:00', '2026-12-05T13:00+25:00'])('refuses %j', (text) => {
    expect(parsePeopleTime(text)).toBeNull()
  })
})
