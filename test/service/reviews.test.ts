import pg from 'pg'
import { describe, expect, it, onTestFinished } from 'vitest'
import { ENGINES, ON_POSTGRES } from '../support/engines.js'
import type { Setup } from '../support/engines.js'
import { enableMitra, expectCode, fresh, mitraEnds, openSessions } from '../support/fixtures.js'

/** Makes `mitraId` reach a cap of 1 and returns the review it opened. */
async function reachCap(t: Setup, mitraId: string): Promise<number> {
  const [id] = await openSessions(t, 1, mitraId)
  const r = await mitraEnds(t, id!, mitraId)
  expect(r.reviewOpened).toBe(true)
  return r.reviewId!
}

describe.each(ENGINES)('CC reviews on %s', (engine) => {
  it('resolves an open review with an outcome, a note and the actor, once', async () => {
    const t = await fresh(engine)
    await enableMitra(t, { early_end_mitra_daily_cap: 1 })
    const id = await reachCap(t, 'm-1')
    t.clock.advance(3_600_000)
    const r = await t.reviews.resolve(id, { outcome: 'warned', note: 'sudah ditelepon', actor: 'cc-budi' })
    expect(r).toMatchObject({
      id,
      status: 'resolved',
      outcome: 'warned',
      note: 'sudah ditelepon',
      resolvedBy: 'cc-budi',
      resolvedAt: '2026-11-24T04:00:00.000Z',
      earlyEnds: 1,
    })
    await expectCode(t.reviews.resolve(id, { outcome: 'cleared', actor: 'cc-ana' }), 'INVALID_STATE')
    expect((await t.reviews.get(id)).outcome).toBe('warned')
  })

  it.each(['cleared', 'warned', 'suspended'] as const)('accepts the outcome %s', async (outcome) => {
    const t = await fresh(engine)
    await enableMitra(t, { early_end_mitra_daily_cap: 1 })
    const id = await reachCap(t, 'm-1')
    expect((await t.reviews.resolve(id, { outcome, actor: 'cc' })).outcome).toBe(outcome)
  })

  it('refuses an unknown outcome, a missing actor and a long note with INVALID_INPUT, and a missing review with REVIEW_NOT_FOUND', async () => {
    const t = await fresh(engine)
    await enableMitra(t, { early_end_mitra_daily_cap: 1 })
    const id = await reachCap(t, 'm-1')
    await expectCode(t.reviews.resolve(id, { outcome: 'fired' as never, actor: 'cc' }), 'INVALID_INPUT')
    await expectCode(t.reviews.resolve(id, { outcome: 'cleared', actor: '' }), 'INVALID_INPUT')
    await expectCode(t.reviews.resolve(id, { outcome: 'cleared', actor: 'cc', note: 'x'.repeat(501) }), 'INVALID_INPUT')
    await expectCode(t.reviews.resolve(id + 100, { outcome: 'cleared', actor: 'cc' }), 'REVIEW_NOT_FOUND')
    await expectCode(t.reviews.get(id + 100), 'REVIEW_NOT_FOUND')
    expect((await t.reviews.get(id)).status).toBe('open')
  })

  it('lets exactly one of two resolutions sent at once win', async () => {
    const t = await fresh(engine)
    await enableMitra(t, { early_end_mitra_daily_cap: 1 })
    const id = await reachCap(t, 'm-1')
    const settled = await Promise.allSettled([
      t.reviews.resolve(id, { outcome: 'cleared', actor: 'cc-a' }),
      t.reviews.resolve(id, { outcome: 'suspended', actor: 'cc-b' }),
    ])
    expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(1)
    expect(settled.filter((s) => s.status === 'rejected').map((s) => (s as PromiseRejectedResult).reason.code)).toEqual(['INVALID_STATE'])
  })

  it('lists reviews newest first, by status and by mitra', async () => {
    const t = await fresh(engine)
    await enableMitra(t, { early_end_mitra_daily_cap: 1 })
    const a = await reachCap(t, 'm-1')
    const b = await reachCap(t, 'm-2')
    await t.reviews.resolve(a, { outcome: 'cleared', actor: 'cc' })
    expect((await t.reviews.list()).map((r) => r.id)).toEqual([b, a])
    expect((await t.reviews.list({ status: 'open' })).map((r) => r.id)).toEqual([b])
    expect((await t.reviews.list({ status: 'resolved' })).map((r) => r.id)).toEqual([a])
    expect((await t.reviews.list({ mitraId: 'm-2' })).map((r) => r.mitraId)).toEqual(['m-2'])
    expect(await t.reviews.list({ limit: 1 })).toHaveLength(1)
    await expectCode(t.reviews.list({ status: 'closed' as never }), 'INVALID_INPUT')
  })
})

describe.each(ENGINES)('a review and what it is about, on %s', (engine) => {
  it("shows the mitra's early ends that day and the closures attached to the review", async () => {
    const t = await fresh(engine)
    await enableMitra(t, { early_end_mitra_daily_cap: 2, early_end_mitra_over_cap_action: 'allow' })
    const ids = await openSessions(t, 4)
    const results = []
    for (const id of ids) results.push(await mitraEnds(t, id))
    const reviewId = results[1]!.reviewId!
    // another mitra's and another day's early ends are not about this review
    await mitraEnds(t, (await openSessions(t, 1, 'm-2'))[0]!, 'm-2')
    t.clock.advance(86_400_000)
    await mitraEnds(t, (await openSessions(t, 1))[0]!)

    const r = await t.reviews.show(reviewId)
    expect(r).toMatchObject({ id: reviewId, mitraId: 'm-1', businessDay: '2026-11-24', earlyEnds: 3, earlyEndsThatDay: 4 })
    expect(r.closures.map((c) => c.sessionId)).toEqual(ids)
    expect(r.closures.map((c) => c.reviewId)).toEqual([null, reviewId, reviewId, reviewId])
    expect(r.closures.map((c) => c.overCap)).toEqual([false, false, true, true])
    expect((await t.reviews.list())[0]).toMatchObject({ id: reviewId, earlyEnds: 3, earlyEndsThatDay: 4 })
    await expectCode(t.reviews.show(999), 'REVIEW_NOT_FOUND')
  })

  it('pages newest first with after', async () => {
    const t = await fresh(engine)
    await enableMitra(t, { early_end_mitra_daily_cap: 1 })
    const made = []
    for (const m of ['m-1', 'm-2', 'm-3', 'm-4', 'm-5']) made.push(await reachCap(t, m))
    const newest = [...made].reverse()
    expect((await t.reviews.list({ limit: 2 })).map((r) => r.id)).toEqual(newest.slice(0, 2))
    expect((await t.reviews.list({ limit: 2, after: newest[1] })).map((r) => r.id)).toEqual(newest.slice(2, 4))
    expect((await t.reviews.list({ after: newest[4] })).map((r) => r.id)).toEqual([])
    await expectCode(t.reviews.list({ after: 0 }), 'INVALID_INPUT')
  })
})

describe.runIf(ON_POSTGRES)('CC reviews on postgres, forced interleaving', () => {
  it('refuses a resolution whose review another connection resolved between its read and its write', async () => {
    const t = await fresh('postgres')
    await enableMitra(t, { early_end_mitra_daily_cap: 1 })
    const id = await reachCap(t, 'm-1')
    const other = new pg.Client({ connectionString: t.target })
    await other.connect()
    onTestFinished(() => other.end())
    await other.query('begin')
    await other.query('update cc_reviews set note = $2 where id = $1', [id, 'holding the row'])
    const ours = t.reviews.resolve(id, { outcome: 'suspended', actor: 'cc-late' }).then(
      (r) => ({ ok: true as const, r }),
      (e: { code?: string }) => ({ ok: false as const, code: e.code }),
    )
    // let our resolution read 'open' and block on the row lock
    await new Promise((r) => setTimeout(r, 300))
    await other.query(`update cc_reviews set status = 'resolved', outcome = 'cleared', resolved_by = 'cc-first', resolved_at = $2 where id = $1`, [
      id,
      '2026-11-24T03:30:00Z',
    ])
    await other.query('commit')
    expect(await ours).toEqual({ ok: false, code: 'INVALID_STATE' })
    expect(await t.reviews.get(id)).toMatchObject({ outcome: 'cleared', resolvedBy: 'cc-first' })
  })
})
