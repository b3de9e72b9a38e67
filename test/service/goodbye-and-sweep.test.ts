import { describe, expect, it, onTestFinished } from 'vitest'
import { createClosureService, openDatabase, UserType } from '../../src/index.js'
import { ENGINES } from '../support/engines.js'
import { enableMitra, expectCode, fresh, mitraEnds, openSessions, tableCounts } from '../support/fixtures.js'

describe.each(ENGINES)('goodbyes on %s', (engine) => {
  it('takes one goodbye from each side during the closing window and shows them on the session', async () => {
    const t = await fresh(engine)
    await enableMitra(t)
    const [id] = await openSessions(t, 1)
    await mitraEnds(t, id!)
    t.clock.advance(10_000)
    const g = await t.closures.postGoodbye(id!, UserType.MITRA, { actorId: 'm-1', message: 'Terima kasih, sampai jumpa' })
    expect(g).toEqual({ side: 'mitra', actorId: 'm-1', message: 'Terima kasih, sampai jumpa', at: '2026-11-24T03:00:10.000Z' })
    await t.closures.postGoodbye(id!, UserType.CUSTOMER, { actorId: 'c-0', message: 'dadah' })
    const s = await t.closures.getSession(id!)
    expect(s.goodbyes.map((x) => [x.side, x.actorId, x.message])).toEqual([
      ['mitra', 'm-1', 'Terima kasih, sampai jumpa'],
      ['customer', 'c-0', 'dadah'],
    ])
  })

  it('refuses a second goodbye from the same side', async () => {
    const t = await fresh(engine)
    await enableMitra(t)
    const [id] = await openSessions(t, 1)
    await mitraEnds(t, id!)
    await t.closures.postGoodbye(id!, UserType.MITRA, { actorId: 'm-1', message: 'satu' })
    await expectCode(t.closures.postGoodbye(id!, UserType.MITRA, { actorId: 'm-1', message: 'dua' }), 'INVALID_STATE')
    expect((await t.closures.getSession(id!)).goodbyes).toHaveLength(1)
  })

  it('takes exactly one of two goodbyes from the same side sent at once', async () => {
    const t = await fresh(engine)
    await enableMitra(t)
    const [id] = await openSessions(t, 1)
    await mitraEnds(t, id!)
    const settled = await Promise.allSettled([
      t.closures.postGoodbye(id!, UserType.MITRA, { actorId: 'm-1', message: 'a' }),
      t.closures.postGoodbye(id!, UserType.MITRA, { actorId: 'm-1', message: 'b' }),
    ])
    expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(1)
    expect(settled.filter((s) => s.status === 'rejected').map((s) => (s as PromiseRejectedResult).reason.code)).toEqual(['INVALID_STATE'])
  })

  it('refuses goodbyes on an active session, after the grace window, from the other side’s actor and from support', async () => {
    const t = await fresh(engine)
    await enableMitra(t, { closing_grace_seconds: 60 })
    const [a, b] = await openSessions(t, 2)
    await expectCode(t.closures.postGoodbye(a!, UserType.MITRA, { actorId: 'm-1', message: 'x' }), 'INVALID_STATE')
    await mitraEnds(t, b!)
    await expectCode(t.closures.postGoodbye(b!, UserType.CUSTOMER, { actorId: 'c-0-not', message: 'x' }), 'FORBIDDEN')
    await expectCode(t.closures.postGoodbye(b!, UserType.MITRA, { actorId: 'c-1', message: 'x' }), 'FORBIDDEN')
    await expectCode(t.closures.postGoodbye(b!, UserType.SUPPORT, { actorId: 'cs', message: 'x' }), 'INVALID_INPUT')
    await expectCode(t.closures.postGoodbye(999, UserType.MITRA, { actorId: 'm-1', message: 'x' }), 'SESSION_NOT_FOUND')
    await expectCode(t.closures.postGoodbye(b!, UserType.MITRA, { actorId: 'm-1', message: '' }), 'INVALID_INPUT')
    t.clock.advance(60_000)
    await expectCode(t.closures.postGoodbye(b!, UserType.CUSTOMER, { actorId: 'c-1', message: 'telat' }), 'INVALID_STATE')
    expect((await t.closures.getSession(b!)).goodbyes).toEqual([])
  })
})

describe.each(ENGINES)('the sweep on %s', (engine) => {
  it('expires sessions past their end into closing (kind expired, by system), then closes them after the grace window', async () => {
    const t = await fresh(engine, '2026-11-24T03:00:00Z')
    await t.config.set('closing_grace_seconds', 120, { actor: 'ops' })
    const short = await t.closures.openSession({ customerId: 'c-1', mitraId: 'm-1', durationMinutes: 10 })
    const long = await t.closures.openSession({ customerId: 'c-2', mitraId: 'm-1', durationMinutes: 30 })
    const ext = await t.closures.openSession({ customerId: 'c-3', mitraId: 'm-2', durationMinutes: 10, status: 'extending' })
    expect(await t.closures.sweep()).toEqual({ expired: 0, finalized: 0, expiredIds: [], finalizedIds: [] })

    t.clock.set('2026-11-24T03:10:00Z')
    const expired = await t.closures.sweep()
    expect(expired).toMatchObject({ expired: 2, finalized: 0, finalizedIds: [] })
    expect([...expired.expiredIds].sort((a, b) => a - b)).toEqual([short.id, ext.id])
    const s = await t.closures.getSession(short.id)
    expect(s).toMatchObject({ status: 'closing', graceEndsAt: '2026-11-24T03:12:00.000Z' })
    expect(s.closure).toMatchObject({
      kind: 'expired',
      initiatedBy: 'system',
      actorId: null,
      reason: null,
      businessDay: '2026-11-24',
      overCap: false,
      finalizedAt: null,
    })
    expect((await t.closures.getSession(ext.id)).status).toBe('closing')
    expect((await t.closures.getSession(long.id)).status).toBe('active')

    t.clock.set('2026-11-24T03:11:59Z')
    expect(await t.closures.sweep()).toEqual({ expired: 0, finalized: 0, expiredIds: [], finalizedIds: [] })
    t.clock.set('2026-11-24T03:12:00Z')
    const finalized = await t.closures.sweep()
    expect(finalized).toMatchObject({ expired: 0, finalized: 2, expiredIds: [] })
    expect([...finalized.finalizedIds].sort((a, b) => a - b)).toEqual([short.id, ext.id])
    const closed = await t.closures.getSession(short.id)
    expect(closed).toMatchObject({ status: 'closed', closedAt: '2026-11-24T03:12:00.000Z' })
    expect(closed.closure?.finalizedAt).toBe('2026-11-24T03:12:00.000Z')
    const events = await t.handle.db
      .selectFrom('session_events')
      .select(['event', 'from_status', 'to_status', 'actor_type'])
      .where('session_id', '=', ext.id)
      .orderBy('id')
      .execute()
    expect(events).toEqual([
      { event: 'opened', from_status: null, to_status: 'extending', actor_type: 'system' },
      { event: 'expired', from_status: 'extending', to_status: 'closing', actor_type: 'system' },
      { event: 'finalized', from_status: 'closing', to_status: 'closed', actor_type: 'system' },
    ])
  })

  it('finalizes early-ended sessions after their grace window and leaves their closure as it was', async () => {
    const t = await fresh(engine)
    await enableMitra(t, { closing_grace_seconds: 300 })
    const [id] = await openSessions(t, 1)
    const r = await mitraEnds(t, id!)
    t.clock.advance(299_000)
    expect((await t.closures.sweep()).finalized).toBe(0)
    t.clock.advance(1000)
    expect((await t.closures.sweep()).finalized).toBe(1)
    const s = await t.closures.getSession(id!)
    expect(s.status).toBe('closed')
    expect(s.closure).toMatchObject({ id: r.closure?.id, kind: 'early_end', initiatedBy: 'mitra', reason: 'customer_left' })
  })

  it('changes nothing when run twice', async () => {
    const t = await fresh(engine)
    await openSessions(t, 3)
    t.clock.advance(61 * 60_000)
    expect((await t.closures.sweep()).expired).toBe(3)
    const afterFirst = await tableCounts(t.handle)
    expect(await t.closures.sweep()).toMatchObject({ expired: 0, finalized: 0 })
    expect(await tableCounts(t.handle)).toEqual(afterFirst)
    t.clock.advance(5 * 60_000)
    expect(await t.closures.sweep()).toMatchObject({ expired: 0, finalized: 3 })
    const afterFinal = await tableCounts(t.handle)
    expect(await t.closures.sweep()).toMatchObject({ expired: 0, finalized: 0 })
    expect(await tableCounts(t.handle)).toEqual(afterFinal)
  })

  it('splits the work when two sweeps run at once on separate connections: each session expires and closes once', async () => {
    const t = await fresh(engine)
    const other = await openDatabase(t.target)
    onTestFinished(() => other.close())
    const second = createClosureService(other, { clock: t.clock })
    await openSessions(t, 30)
    t.clock.advance(61 * 60_000)
    const [a, b] = await Promise.all([t.closures.sweep({ batchSize: 4 }), second.sweep({ batchSize: 4 })])
    expect(a.error ?? b.error).toBeUndefined()
    expect(a.expired + b.expired).toBe(30)
    t.clock.advance(5 * 60_000)
    const [c, d] = await Promise.all([t.closures.sweep({ batchSize: 4 }), second.sweep({ batchSize: 4 })])
    expect(c.finalized + d.finalized).toBe(30)
    expect(await t.handle.db.selectFrom('session_closures').select('id').execute()).toHaveLength(30)
    const finalized = await t.handle.db.selectFrom('session_events').select('id').where('event', '=', 'finalized').execute()
    expect(finalized).toHaveLength(30)
  })

  it('works through more due sessions than one batch', async () => {
    const t = await fresh(engine)
    await openSessions(t, 7)
    t.clock.advance(61 * 60_000)
    const swept = await t.closures.sweep({ batchSize: 3 })
    expect(swept).toMatchObject({ expired: 7, finalized: 0 })
    expect(new Set(swept.expiredIds).size).toBe(7)
    expect(await t.handle.db.selectFrom('session_closures').select('session_id').execute()).toHaveLength(7)
    await expectCode(t.closures.sweep({ batchSize: 0 }), 'INVALID_INPUT')
  })

  it('never lets an expiry and an early end both close the same session', async () => {
    const t = await fresh(engine)
    // a cap above the four ends: whichever side wins each session, only the race decides it
    await enableMitra(t, { early_end_mitra_daily_cap: 10 })
    const ids = await openSessions(t, 4)
    t.clock.advance(61 * 60_000)
    const [sweep, ...ends] = await Promise.allSettled([t.closures.sweep(), ...ids.map((id) => mitraEnds(t, id))])
    expect(sweep.status).toBe('fulfilled')
    const ended = ends.filter((e) => e.status === 'fulfilled').length
    const refused = ends.filter((e) => e.status === 'rejected').map((e) => (e as PromiseRejectedResult).reason.code)
    expect(refused.every((c) => c === 'INVALID_STATE')).toBe(true)
    expect((sweep as PromiseFulfilledResult<{ expired: number }>).value.expired + ended).toBe(4)
    const closures = await t.handle.db.selectFrom('session_closures').select('session_id').execute()
    expect(closures).toHaveLength(4)
  })
})

describe.each(ENGINES)('reading sessions on %s', (engine) => {
  it('lists sessions by status, mitra and customer, oldest first, up to a limit', async () => {
    const t = await fresh(engine)
    await enableMitra(t)
    const a = await t.closures.openSession({ customerId: 'c-1', mitraId: 'm-1' })
    const b = await t.closures.openSession({ customerId: 'c-2', mitraId: 'm-1', status: 'extending' })
    const c = await t.closures.openSession({ customerId: 'c-1', mitraId: 'm-2', durationMinutes: 90 })
    await mitraEnds(t, a.id)
    expect((await t.closures.listSessions()).map((s) => s.id)).toEqual([a.id, b.id, c.id])
    expect((await t.closures.listSessions({ status: 'closing' })).map((s) => s.id)).toEqual([a.id])
    expect((await t.closures.listSessions({ status: ['active', 'extending'] })).map((s) => s.id)).toEqual([b.id, c.id])
    expect((await t.closures.listSessions({ mitraId: 'm-1' })).map((s) => s.id)).toEqual([a.id, b.id])
    expect((await t.closures.listSessions({ customerId: 'c-1', status: 'active' })).map((s) => s.id)).toEqual([c.id])
    expect((await t.closures.listSessions({ limit: 1 })).map((s) => s.id)).toEqual([a.id])
    expect(c).toMatchObject({
      customerId: 'c-1',
      mitraId: 'm-2',
      status: 'active',
      startedAt: '2026-11-24T03:00:00.000Z',
      endsAt: '2026-11-24T04:30:00.000Z',
      graceEndsAt: null,
      closedAt: null,
    })
    await expectCode(t.closures.listSessions({ status: 'open' as never }), 'INVALID_INPUT')
    await expectCode(t.closures.listSessions({ limit: 0 }), 'INVALID_INPUT')
  })

  it('shows a session with no closure and no goodbyes before it is ended', async () => {
    const t = await fresh(engine)
    const [id] = await openSessions(t, 1)
    expect(await t.closures.getSession(id!)).toMatchObject({ id, status: 'active', closure: null, goodbyes: [] })
    await expectCode(t.closures.getSession(-1), 'INVALID_INPUT')
  })
})
