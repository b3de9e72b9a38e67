/**
 * Regression tests from the lifecycle model (test/properties): free text the
 * library stores verbatim behaves the same on both engines. PostgreSQL cannot
 * store U+0000 (its raw error escaped the library while SQLite stored the
 * text), and a lone UTF-16 surrogate has no UTF-8 form (PostgreSQL stored
 * U+FFFD, so two different idempotency keys collided). Both are now
 * INVALID_INPUT everywhere; "characters" are code points, as varchar counts them.
 */
import { describe, expect, it } from 'vitest'
import { UserType } from '../../src/index.js'
import { ENGINES } from '../support/engines.js'
import { enableMitra, expectCode, fresh, mitraEnds, openSessions, tableCounts } from '../support/fixtures.js'

describe.each(ENGINES)('text stored verbatim on %s', (engine) => {
  it('refuses a note with a NUL character or a lone surrogate with INVALID_INPUT and writes nothing', async () => {
    const t = await fresh(engine)
    await enableMitra(t)
    const [id] = await openSessions(t, 1)
    const before = await tableCounts(t.handle)
    await expectCode(mitraEnds(t, id!, 'm-1', { reason: 'other', note: 'kasar\u0000sekali' }), 'INVALID_INPUT')
    await expectCode(mitraEnds(t, id!, 'm-1', { reason: 'other', note: 'kasar \ud83d sekali' }), 'INVALID_INPUT')
    await expectCode(mitraEnds(t, id!, 'm-1', { dryRun: true, note: 'x\u0000' }), 'INVALID_INPUT')
    expect(await tableCounts(t.handle)).toEqual(before)
    expect((await t.closures.getSession(id!)).status).toBe('active')
  })

  it('refuses idempotency keys with a NUL or a lone surrogate, so two different keys never collide', async () => {
    const t = await fresh(engine)
    await enableMitra(t)
    const [a, b] = await openSessions(t, 2)
    await expectCode(mitraEnds(t, a!, 'm-1', { idempotencyKey: 'req-\udc00' }), 'INVALID_INPUT')
    await expectCode(mitraEnds(t, b!, 'm-1', { idempotencyKey: 'req-\udc01' }), 'INVALID_INPUT')
    await expectCode(mitraEnds(t, b!, 'm-1', { idempotencyKey: 'req-\u0000' }), 'INVALID_INPUT')
    expect((await t.closures.listSessions({ status: 'active' })).length).toBe(2)
  })

  it('stores a note of 500 emoji verbatim (500 characters, 1000 UTF-16 units) and refuses 501', async () => {
    const t = await fresh(engine)
    await enableMitra(t)
    const [a, b] = await openSessions(t, 2)
    await expectCode(mitraEnds(t, a!, 'm-1', { reason: 'other', note: '🙏'.repeat(501) }), 'INVALID_INPUT')
    await mitraEnds(t, b!, 'm-1', { reason: 'other', note: '🙏'.repeat(500) })
    expect((await t.closures.getSession(b!)).closure?.reasonNote).toBe('🙏'.repeat(500))
  })

  it('refuses a goodbye with a NUL character and a review note with a lone surrogate', async () => {
    const t = await fresh(engine)
    await enableMitra(t, { early_end_mitra_daily_cap: 1 })
    const [id] = await openSessions(t, 1)
    const r = await mitraEnds(t, id!)
    await expectCode(t.closures.postGoodbye(id!, UserType.MITRA, { actorId: 'm-1', message: 'dadah\u0000' }), 'INVALID_INPUT')
    await expectCode(t.reviews.resolve(r.reviewId!, { outcome: 'cleared', note: 'ok \udfff', actor: 'cc-1' }), 'INVALID_INPUT')
    expect((await t.closures.getSession(id!)).goodbyes).toEqual([])
    expect((await t.reviews.get(r.reviewId!)).status).toBe('open')
    await t.closures.postGoodbye(id!, UserType.MITRA, { actorId: 'm-1', message: '👋'.repeat(1000) })
  })
})
