import type { CliContext } from '../../src/cli/context.js'
import { times } from '../../src/cli/times.js'
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

  it.each([
    ['America/New_York', '2026-03-08T06:00:00Z'],
    ['America/New_York', '2026-11-01T05:00:00Z'],
    ['America/St_Johns', '2026-03-08T05:00:00Z'],
    ['Australia/Lord_Howe', '2026-04-04T14:00:00Z'],
    ['Asia/Kathmandu', '2026-11-24T00:00:00Z'],
    ['Asia/Jakarta', '2026-11-24T16:00:00Z'],
  ])('agrees with Intl minute by minute across offset changes in %s from %s', (zone, from) => {
    const intl = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
    for (let m = 0; m < 4 * 60; m += 7) {
      const at = new Date(Date.parse(from) + m * 60_000 + 13_000)
      const p = Object.fromEntries(intl.formatToParts(at).map((x) => [x.type, x.value]))
      expect(formatInstant(at.toISOString(), zone).slice(0, 16)).toBe(`${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`)
    }
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

describe("a command's times after its write", () => {
  it('are in UTC, labelled, when the business zone cannot be read (the write is done; the command is not failed)', async () => {
    const lost = { utc: false, clock: { now: () => new Date('2026-11-24T03:00:00Z') }, database: () => Promise.reject(new Error('connection lost')) }
    const t = await times(lost as unknown as CliContext)
    expect(t.zone).toBe('UTC')
    expect(t.at('2026-11-24T03:00:00.000Z')).toBe('2026-11-24 03:00 UTC')
  })
})
