import { describe, expect, it } from 'vitest'
import { UserType } from '../../src/index.js'
import { ENGINES } from '../support/engines.js'
import { counterOf, enableMitra, expectCode, fresh, mitraEnds, openSessions, tableCounts } from '../support/fixtures.js'

describe.each(ENGINES)('the daily cap on %s', (engine) => {
  it('refuses a third early end on the same Jakarta day when the cap is 2, after opening one review with the second', async () => {
    const t = await fresh(engine, '2026-11-24T03:00:00Z')
    await enableMitra(t, { early_end_mitra_daily_cap: 2 })
    const [a, b, c] = await openSessions(t, 3)
    const first = await mitraEnds(t, a!)
    expect(first).toMatchObject({ mitraCountToday: 1, cap: 2, reviewId: null, reviewOpened: false })
    const second = await mitraEnds(t, b!)
    expect(second).toMatchObject({ mitraCountToday: 2, reviewOpened: true, overCap: false })
    expect(second.reviewId).toBeTypeOf('number')
    expect(second.closure?.reviewId).toBe(second.reviewId)
    const before = await tableCounts(t.handle)
    const e = await expectCode(mitraEnds(t, c!), 'DAILY_CAP_REACHED')
    expect(e.details).toMatchObject({ cap: 2, countToday: 2, businessDay: '2026-11-24' })
    expect(await tableCounts(t.handle)).toEqual(before)
    expect((await t.closures.getSession(c!)).status).toBe('active')
    expect(await counterOf(t.handle, 'm-1', '2026-11-24')).toBe(2)
    const reviews = await t.reviews.list()
    expect(reviews).toHaveLength(1)
    expect(reviews[0]).toMatchObject({
      id: second.reviewId,
      mitraId: 'm-1',
      businessDay: '2026-11-24',
      trigger: 'daily_cap_reached',
      status: 'open',
      earlyEnds: 1,
      openedAt: '2026-11-24T03:00:00.000Z',
    })
  })

  it('lets early ends past the cap through with allow, marked over_cap and attached to the one open review', async () => {
    const t = await fresh(engine)
    await enableMitra(t, { early_end_mitra_daily_cap: 2, early_end_mitra_over_cap_action: 'allow' })
    const ids = await openSessions(t, 4)
    const results = []
    for (const id of ids) results.push(await mitraEnds(t, id))
    expect(results.map((r) => [r.mitraCountToday, r.overCap, r.reviewOpened])).toEqual([
      [1, false, false],
      [2, false, true],
      [3, true, false],
      [4, true, false],
    ])
    const reviewId = results[1]!.reviewId
    expect(results.slice(2).map((r) => r.reviewId)).toEqual([reviewId, reviewId])
    expect(results.slice(2).map((r) => r.closure?.overCap)).toEqual([true, true])
    expect(await t.reviews.list()).toHaveLength(1)
    expect((await t.reviews.get(reviewId!)).earlyEnds).toBe(3)
    expect(await counterOf(t.handle, 'm-1', '2026-11-24')).toBe(4)
  })

  it('starts a fresh count at 17:00:00Z, when the Jakarta day changes, and opens a second review for the new day', async () => {
    const t = await fresh(engine, '2026-11-24T16:59:58Z')
    await enableMitra(t, { early_end_mitra_daily_cap: 1 })
    const [a, b, c] = await openSessions(t, 3)
    t.clock.set('2026-11-24T16:59:59Z')
    expect(await mitraEnds(t, a!)).toMatchObject({ businessDay: '2026-11-24', mitraCountToday: 1, reviewOpened: true })
    await expectCode(mitraEnds(t, b!), 'DAILY_CAP_REACHED')
    t.clock.set('2026-11-24T17:00:00Z')
    const next = await mitraEnds(t, b!)
    expect(next).toMatchObject({ businessDay: '2026-11-25', mitraCountToday: 1, reviewOpened: true })
    await expectCode(mitraEnds(t, c!), 'DAILY_CAP_REACHED')
    expect((await t.reviews.list()).map((r) => r.businessDay).sort()).toEqual(['2026-11-24', '2026-11-25'])
  })

  it('counts the New York day across the spring-forward switch when business_timezone is America/New_York', async () => {
    // 2026-03-08 is 23 hours long in New York: it runs from 05:00Z to 04:00Z the next day.
    const t = await fresh(engine, '2026-03-08T04:00:00Z')
    await enableMitra(t, { early_end_mitra_daily_cap: 1, business_timezone: 'America/New_York' })
    const ids = await openSessions(t, 4)
    t.clock.set('2026-03-08T04:59:59Z')
    expect((await mitraEnds(t, ids[0]!)).businessDay).toBe('2026-03-07')
    t.clock.set('2026-03-08T05:00:00Z')
    expect((await mitraEnds(t, ids[1]!)).businessDay).toBe('2026-03-08')
    t.clock.set('2026-03-09T03:59:59Z')
    await expectCode(mitraEnds(t, ids[2]!), 'DAILY_CAP_REACHED')
    t.clock.set('2026-03-09T04:00:00Z')
    expect((await mitraEnds(t, ids[2]!)).businessDay).toBe('2026-03-09')
  })

  it('counts the Berlin day after the summer-time switch, when midnight moves to 22:00Z', async () => {
    const t = await fresh(engine, '2026-03-29T12:00:00Z')
    await enableMitra(t, { early_end_mitra_daily_cap: 1, business_timezone: 'Europe/Berlin' })
    const ids = await openSessions(t, 3)
    expect((await mitraEnds(t, ids[0]!)).businessDay).toBe('2026-03-29')
    t.clock.set('2026-03-29T21:59:59Z')
    await expectCode(mitraEnds(t, ids[1]!), 'DAILY_CAP_REACHED')
    t.clock.set('2026-03-29T22:00:00Z')
    expect((await mitraEnds(t, ids[1]!)).businessDay).toBe('2026-03-30')
  })

  it('keeps each mitra’s count separate', async () => {
    const t = await fresh(engine)
    await enableMitra(t, { early_end_mitra_daily_cap: 1 })
    const [a] = await openSessions(t, 1, 'm-1')
    const [b] = await openSessions(t, 1, 'm-2')
    await mitraEnds(t, a!, 'm-1')
    expect((await mitraEnds(t, b!, 'm-2')).mitraCountToday).toBe(1)
    expect(await t.reviews.list()).toHaveLength(2)
  })

  it('does not count customer or support early ends, so the mitra still has its whole cap', async () => {
    const t = await fresh(engine)
    await enableMitra(t, { early_end_mitra_daily_cap: 1, early_end_customer_enabled: true })
    const [a, b, c] = await openSessions(t, 3)
    await t.closures.initiateEarlyEnd(a!, UserType.CUSTOMER, { actorId: 'c-0' })
    await t.closures.initiateEarlyEnd(b!, UserType.SUPPORT, { actorId: 'cs', reason: 'customer_abusive' })
    expect((await t.closures.clientConfig(UserType.MITRA, 'm-1')).remainingToday).toBe(1)
    expect((await mitraEnds(t, c!)).mitraCountToday).toBe(1)
  })

  it('lets support end a session of a mitra who is over the cap under block', async () => {
    const t = await fresh(engine)
    await enableMitra(t, { early_end_mitra_daily_cap: 1 })
    const [a, b] = await openSessions(t, 2)
    await mitraEnds(t, a!)
    await expectCode(mitraEnds(t, b!), 'DAILY_CAP_REACHED')
    const r = await t.closures.initiateEarlyEnd(b!, UserType.SUPPORT, { actorId: 'cs', reason: 'customer_abusive' })
    expect(r).toMatchObject({ overCap: false, reviewId: null })
    expect(await counterOf(t.handle, 'm-1', '2026-11-24')).toBe(1)
  })

  it('tells the mitra app how many early ends are left today', async () => {
    const t = await fresh(engine, '2026-11-24T16:00:00Z')
    await enableMitra(t, { early_end_mitra_daily_cap: 2, early_end_reason_codes: ['customer_left', 'other'] })
    expect(await t.closures.clientConfig(UserType.MITRA, 'm-1')).toEqual({
      earlyEndEnabled: true,
      reasonRequired: true,
      reasons: ['customer_left', 'other'],
      remainingToday: 2,
    })
    const [a, b] = await openSessions(t, 2)
    await mitraEnds(t, a!)
    expect((await t.closures.clientConfig(UserType.MITRA, 'm-1')).remainingToday).toBe(1)
    await mitraEnds(t, b!)
    expect((await t.closures.clientConfig(UserType.MITRA, 'm-1')).remainingToday).toBe(0)
    expect((await t.closures.clientConfig(UserType.MITRA, 'm-2')).remainingToday).toBe(2)
    t.clock.set('2026-11-24T17:00:00Z')
    expect((await t.closures.clientConfig(UserType.MITRA, 'm-1')).remainingToday).toBe(2)
    expect(await t.closures.clientConfig(UserType.CUSTOMER, 'c-0')).toEqual({
      earlyEndEnabled: false,
      reasonRequired: false,
      reasons: ['customer_left', 'other'],
      remainingToday: null,
    })
    expect((await t.closures.clientConfig(UserType.SUPPORT, 'cs')).remainingToday).toBeNull()
    await expectCode(t.closures.clientConfig(UserType.MITRA, 'bad id'), 'INVALID_INPUT')
  })

  it('hides the Akhiri button from the mitra app while early_end_mitra_enabled is off', async () => {
    const t = await fresh(engine)
    expect((await t.closures.clientConfig(UserType.MITRA, 'm-1')).earlyEndEnabled).toBe(false)
  })
})
