import { describe, expect, it } from 'vitest'
import { UserType } from '../../src/index.js'
import { ENGINES } from '../support/engines.js'
import { counterOf, enableMitra, expectCode, fresh, mitraEnds, openSessions, tableCounts } from '../support/fixtures.js'

describe.each(ENGINES)('idempotency keys on %s', (engine) => {
  it('returns the first result when a key is replayed on the now-closing session, and counts it once', async () => {
    const t = await fresh(engine)
    await enableMitra(t, { early_end_mitra_daily_cap: 1 })
    const [id] = await openSessions(t, 1)
    const first = await mitraEnds(t, id!, 'm-1', { idempotencyKey: 'req-1' })
    const before = await tableCounts(t.handle)
    t.clock.advance(30_000)
    const again = await mitraEnds(t, id!, 'm-1', { idempotencyKey: 'req-1' })
    expect(again).toMatchObject({
      sessionId: id,
      status: 'closing',
      replayed: true,
      closure: first.closure,
      graceEndsAt: first.graceEndsAt,
      businessDay: first.businessDay,
      reviewId: first.reviewId,
      reviewOpened: true,
      overCap: false,
    })
    expect(await tableCounts(t.handle)).toEqual(before)
    expect(await counterOf(t.handle, 'm-1', '2026-11-24')).toBe(1)
  })

  it('replays instead of refusing with DAILY_CAP_REACHED once the mitra is at the cap', async () => {
    const t = await fresh(engine)
    await enableMitra(t, { early_end_mitra_daily_cap: 2 })
    const [a, b] = await openSessions(t, 2)
    await mitraEnds(t, a!, 'm-1', { idempotencyKey: 'k-a' })
    await mitraEnds(t, b!, 'm-1', { idempotencyKey: 'k-b' })
    const r = await mitraEnds(t, a!, 'm-1', { idempotencyKey: 'k-a' })
    expect(r).toMatchObject({ replayed: true, reviewOpened: false })
    expect(await counterOf(t.handle, 'm-1', '2026-11-24')).toBe(2)
  })

  it('replays after the session was finalized', async () => {
    const t = await fresh(engine)
    await enableMitra(t, { closing_grace_seconds: 0 })
    const [id] = await openSessions(t, 1)
    const first = await mitraEnds(t, id!, 'm-1', { idempotencyKey: 'k' })
    t.clock.advance(1000)
    await t.closures.sweep()
    const again = await mitraEnds(t, id!, 'm-1', { idempotencyKey: 'k' })
    expect(again.replayed).toBe(true)
    expect(again.closure?.id).toBe(first.closure?.id)
  })

  it('refuses a key already used for another session or another actor with INVALID_INPUT', async () => {
    const t = await fresh(engine)
    await enableMitra(t, { early_end_customer_enabled: true })
    const [a, b] = await openSessions(t, 2)
    await mitraEnds(t, a!, 'm-1', { idempotencyKey: 'shared' })
    await expectCode(mitraEnds(t, b!, 'm-1', { idempotencyKey: 'shared' }), 'INVALID_INPUT')
    await expectCode(t.closures.initiateEarlyEnd(a!, UserType.CUSTOMER, { actorId: 'c-0', idempotencyKey: 'shared' }), 'INVALID_INPUT')
    expect((await t.closures.getSession(b!)).status).toBe('active')
  })

  it('writes one closure when the same key arrives many times at once', async () => {
    const t = await fresh(engine)
    await enableMitra(t)
    const [id] = await openSessions(t, 1)
    const results = await Promise.all(Array.from({ length: 6 }, () => mitraEnds(t, id!, 'm-1', { idempotencyKey: 'burst' })))
    expect(results.filter((r) => !r.replayed)).toHaveLength(1)
    expect(new Set(results.map((r) => r.closure?.id)).size).toBe(1)
    expect(await counterOf(t.handle, 'm-1', '2026-11-24')).toBe(1)
  })

  it('lets exactly one of two sessions claim a key raced at once; the other gets INVALID_INPUT and stays active', async () => {
    const t = await fresh(engine)
    await enableMitra(t)
    const [a, b] = await openSessions(t, 2)
    const settled = await Promise.allSettled([mitraEnds(t, a!, 'm-1', { idempotencyKey: 'race' }), mitraEnds(t, b!, 'm-1', { idempotencyKey: 'race' })])
    const ok = settled.filter((s) => s.status === 'fulfilled')
    const failed = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected')
    expect(ok).toHaveLength(1)
    expect(failed.map((f) => f.reason.code)).toEqual(['INVALID_INPUT'])
    expect(await counterOf(t.handle, 'm-1', '2026-11-24')).toBe(1)
    expect((await t.closures.listSessions({ status: 'active' })).length).toBe(1)
  })
})

describe.each(ENGINES)('dry runs on %s', (engine) => {
  it('says what would happen and writes nothing', async () => {
    const t = await fresh(engine)
    await enableMitra(t, { early_end_mitra_daily_cap: 1, closing_grace_seconds: 60 })
    const [id] = await openSessions(t, 1)
    const before = await tableCounts(t.handle)
    const r = await mitraEnds(t, id!, 'm-1', { dryRun: true, idempotencyKey: 'dry' })
    expect(r).toMatchObject({ sessionId: id, status: 'closing', closure: null, dryRun: true, replayed: false, mitraCountToday: 1, cap: 1, overCap: false })
    expect(r.graceEndsAt).toBe('2026-11-24T03:01:00.000Z')
    expect(await tableCounts(t.handle)).toEqual(before)
    expect((await t.closures.getSession(id!)).status).toBe('active')
    // the key was not taken by the dry run
    expect((await mitraEnds(t, id!, 'm-1', { idempotencyKey: 'dry' })).replayed).toBe(false)
  })

  it('reports that the early end reaching the cap would open the review, without opening it', async () => {
    const t = await fresh(engine)
    await enableMitra(t, { early_end_mitra_daily_cap: 1 })
    const [id] = await openSessions(t, 1)
    const r = await mitraEnds(t, id!, 'm-1', { dryRun: true })
    expect(r).toMatchObject({ reviewOpened: true, reviewId: null, dryRun: true })
    expect(await t.reviews.list()).toEqual([])
  })

  it('runs every check: a dry run past the cap under block is refused', async () => {
    const t = await fresh(engine)
    await enableMitra(t, { early_end_mitra_daily_cap: 1 })
    const [a, b] = await openSessions(t, 2)
    await mitraEnds(t, a!)
    const before = await tableCounts(t.handle)
    await expectCode(mitraEnds(t, b!, 'm-1', { dryRun: true }), 'DAILY_CAP_REACHED')
    await expectCode(mitraEnds(t, b!, 'm-2', { dryRun: true }), 'FORBIDDEN')
    await expectCode(mitraEnds(t, a!, 'm-1', { dryRun: true }), 'INVALID_STATE')
    expect(await tableCounts(t.handle)).toEqual(before)
  })

  it('shows over_cap and the review it would attach to under allow', async () => {
    const t = await fresh(engine)
    await enableMitra(t, { early_end_mitra_daily_cap: 1, early_end_mitra_over_cap_action: 'allow' })
    const [a, b] = await openSessions(t, 2)
    const first = await mitraEnds(t, a!)
    const before = await tableCounts(t.handle)
    const r = await mitraEnds(t, b!, 'm-1', { dryRun: true })
    expect(r).toMatchObject({ overCap: true, reviewId: first.reviewId, reviewOpened: false, mitraCountToday: 2 })
    expect(await tableCounts(t.handle)).toEqual(before)
  })

  it('replays a used key without writing, marked as a dry run', async () => {
    const t = await fresh(engine)
    await enableMitra(t)
    const [id] = await openSessions(t, 1)
    const first = await mitraEnds(t, id!, 'm-1', { idempotencyKey: 'k' })
    const r = await mitraEnds(t, id!, 'm-1', { idempotencyKey: 'k', dryRun: true })
    expect(r).toMatchObject({ replayed: true, dryRun: true, closure: first.closure })
  })
})
