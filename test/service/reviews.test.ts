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
