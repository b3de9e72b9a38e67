import { describe, expect, it } from 'vitest'
import { addDays, businessDay, fixedClock, isCalendarDay, isValidTimeZone } from '../../src/index.js'
import { businessDayStart } from '../../src/core/business-day.js'

const at = (iso: string, tz: string) => businessDay(new Date(iso), tz)

describe('businessDay', () => {
  it('starts a new Jakarta day at 17:00:00Z, not at UTC midnight', () => {
    expect(at('2026-11-24T16:59:59.999Z', 'Asia/Jakarta')).toBe('2026-11-24')
    expect(at('2026-11-24T17:00:00Z', 'Asia/Jakarta')).toBe('2026-11-25')
    expect(at('2026-11-24T00:30:00Z', 'Asia/Jakarta')).toBe('2026-11-24')
    expect(at('2026-11-23T23:30:00Z', 'Asia/Jakarta')).toBe('2026-11-24')
  })

  it('follows New York across the spring-forward switch (UTC-5 before, UTC-4 after)', () => {
    // 2026-03-08: clocks jump from 02:00 EST to 03:00 EDT
    expect(at('2026-03-08T04:59:59Z', 'America/New_York')).toBe('2026-03-07')
    expect(at('2026-03-08T05:00:00Z', 'America/New_York')).toBe('2026-03-08')
    // after the switch midnight is 04:00Z
    expect(at('2026-03-09T03:59:59Z', 'America/New_York')).toBe('2026-03-08')
    expect(at('2026-03-09T04:00:00Z', 'America/New_York')).toBe('2026-03-09')
  })

  it('follows New York across the fall-back switch (a 25-hour day)', () => {
    // 2026-11-01: clocks go back from 02:00 EDT to 01:00 EST
    expect(at('2026-11-01T03:59:59Z', 'America/New_York')).toBe('2026-10-31')
    expect(at('2026-11-01T04:00:00Z', 'America/New_York')).toBe('2026-11-01')
    expect(at('2026-11-02T04:59:59Z', 'America/New_York')).toBe('2026-11-01')
    expect(at('2026-11-02T05:00:00Z', 'America/New_York')).toBe('2026-11-02')
  })

  it('follows Berlin across its summer-time switch', () => {
    // 2026-03-29: 02:00 CET becomes 03:00 CEST; midnight is 23:00Z before and 22:00Z after
    expect(at('2026-03-28T22:59:59Z', 'Europe/Berlin')).toBe('2026-03-28')
    expect(at('2026-03-28T23:00:00Z', 'Europe/Berlin')).toBe('2026-03-29')
    expect(at('2026-03-29T21:59:59Z', 'Europe/Berlin')).toBe('2026-03-29')
    expect(at('2026-03-29T22:00:00Z', 'Europe/Berlin')).toBe('2026-03-30')
  })

  it('uses UTC days for UTC', () => {
    expect(at('2026-11-24T23:59:59Z', 'UTC')).toBe('2026-11-24')
    expect(at('2026-11-25T00:00:00Z', 'UTC')).toBe('2026-11-25')
  })
})

describe('day helpers', () => {
  it('knows IANA zones and rejects made-up ones', () => {
    expect(isValidTimeZone('Asia/Jakarta')).toBe(true)
    expect(isValidTimeZone('America/New_York')).toBe(true)
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false)
    expect(isValidTimeZone('')).toBe(false)
  })

  it('accepts only real calendar days written YYYY-MM-DD', () => {
    expect(isCalendarDay('2028-02-29')).toBe(true)
    expect(isCalendarDay('2026-02-29')).toBe(false)
    expect(isCalendarDay('2026-02-30')).toBe(false)
    expect(isCalendarDay('2026-1-05')).toBe(false)
    expect(isCalendarDay('2026-13-01')).toBe(false)
  })

  it('adds days across month, year and DST boundaries', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01')
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28')
    expect(addDays('2026-03-07', 2)).toBe('2026-03-09')
  })

  it('moves a fixed clock only when told', () => {
    const clock = fixedClock('2026-11-24T16:59:59Z')
    expect(clock.now().toISOString()).toBe('2026-11-24T16:59:59.000Z')
    clock.advance(1000)
    expect(businessDay(clock.now(), 'Asia/Jakarta')).toBe('2026-11-25')
    clock.set('2026-01-01T00:00:00Z')
    expect(clock.now().toISOString()).toBe('2026-01-01T00:00:00.000Z')
    expect(() => fixedClock('not a time')).toThrow(RangeError)
  })
})

describe('businessDayStart', () => {
  it.each([
    ['2026-11-24', 'Asia/Jakarta', '2026-11-23T17:00:00.000Z'],
    ['2026-11-24', 'UTC', '2026-11-24T00:00:00.000Z'],
    ['2026-11-24', 'America/New_York', '2026-11-24T05:00:00.000Z'],
    ['2026-03-08', 'America/New_York', '2026-03-08T05:00:00.000Z'],
    // Santiago skips midnight in September: the day starts at 01:00 local
    ['2026-09-06', 'America/Santiago', '2026-09-06T04:00:00.000Z'],
    ['2026-11-24', 'Pacific/Kiritimati', '2026-11-23T10:00:00.000Z'],
  ])('%s starts in %s at %s, the first instant businessDay() calls that day', (day, zone, start) => {
    const at = businessDayStart(day, zone)
    expect(at.toISOString()).toBe(start)
    expect(businessDay(at, zone)).toBe(day)
    expect(businessDay(new Date(at.getTime() - 1), zone)).not.toBe(day)
  })
})
