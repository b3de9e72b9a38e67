import { describe, expect, it } from 'vitest'
import { UserType } from '../../src/index.js'
import { ENGINES } from '../support/engines.js'
import { enableMitra, expectCode, flags, fresh, mitraEnds, openSessions, tableCounts } from '../support/fixtures.js'

describe.each(ENGINES)('ending a session early on %s', (engine) => {
  it('moves the session to closing with one closure row, one event and a grace window from the flag', async () => {
    const t = await fresh(engine, '2026-11-24T03:00:00Z')
    await enableMitra(t, { closing_grace_seconds: 120 })
    const [id] = await openSessions(t, 1)
    const r = await mitraEnds(t, id!, 'm-1', { note: 'pergi begitu saja' })
    expect(r).toMatchObject({
      sessionId: id,
      status: 'closing',
      graceEndsAt: '2026-11-24T03:02:00.000Z',
      businessDay: '2026-11-24',
      overCap: false,
      replayed: false,
      dryRun: false,
    })
    expect(r.closure).toMatchObject({
      sessionId: id,
      kind: 'early_end',
      initiatedBy: 'mitra',
      actorId: 'm-1',
      reason: 'customer_left',
      reasonNote: 'pergi begitu saja',
    })
    const s = await t.closures.getSession(id!)
    expect(s).toMatchObject({ status: 'closing', graceEndsAt: '2026-11-24T03:02:00.000Z', closedAt: null })
    expect(s.closure?.id).toBe(r.closure?.id)
    const events = await t.handle.db.selectFrom('session_events').selectAll().where('session_id', '=', id!).orderBy('id').execute()
    expect(events.map((e) => [e.event, e.from_status, e.to_status, e.actor_type, e.actor_id])).toEqual([
      ['opened', null, 'active', 'system', null],
      ['early_end', 'active', 'closing', 'mitra', 'm-1'],
    ])
  })

  it('refuses a mitra while early_end_mitra_enabled is off and changes nothing', async () => {
    const t = await fresh(engine)
    const [id] = await openSessions(t, 1)
    const before = await tableCounts(t.handle)
    await expectCode(mitraEnds(t, id!), 'EARLY_END_DISABLED')
    expect(await tableCounts(t.handle)).toEqual(before)
    expect((await t.closures.getSession(id!)).status).toBe('active')
  })

  it('refuses a customer while early_end_customer_enabled is off, and lets one end once it is on', async () => {
    const t = await fresh(engine)
    await enableMitra(t)
    const [id] = await openSessions(t, 1)
    await expectCode(t.closures.initiateEarlyEnd(id!, UserType.CUSTOMER, { actorId: 'c-0' }), 'EARLY_END_DISABLED')
    await flags(t, { early_end_customer_enabled: true })
    const r = await t.closures.initiateEarlyEnd(id!, UserType.CUSTOMER, { actorId: 'c-0' })
    expect(r.closure).toMatchObject({ initiatedBy: 'customer', actorId: 'c-0', reason: null })
    expect(r.mitraCountToday).toBeNull()
  })

  it('lets support end a session with every flag off, audited as support and never counted', async () => {
    const t = await fresh(engine)
    const [id] = await openSessions(t, 1)
    const r = await t.closures.initiateEarlyEnd(id!, UserType.SUPPORT, { actorId: 'cs-ana', reason: 'out_of_scope' })
    expect(r.closure).toMatchObject({ initiatedBy: 'support', actorId: 'cs-ana', reason: 'out_of_scope', overCap: false, reviewId: null })
    expect(r.mitraCountToday).toBeNull()
    const counters = await t.handle.db.selectFrom('mitra_daily_counts').selectAll().execute()
    expect(counters.every((c) => c.early_end_count === 0)).toBe(true)
  })

  it('refuses support that does not name its actor', async () => {
    const t = await fresh(engine)
    const [id] = await openSessions(t, 1)
    await expectCode(t.closures.initiateEarlyEnd(id!, UserType.SUPPORT, { reason: 'out_of_scope' } as never), 'INVALID_INPUT')
    expect((await t.closures.getSession(id!)).status).toBe('active')
  })

  it('refuses support without a reason', async () => {
    const t = await fresh(engine)
    await flags(t, { early_end_reason_required: false })
    const [id] = await openSessions(t, 1)
    await expectCode(t.closures.initiateEarlyEnd(id!, UserType.SUPPORT, { actorId: 'cs-ana' }), 'REASON_REQUIRED')
  })

  it('refuses a mitra ending another mitra’s session and a customer ending another customer’s', async () => {
    const t = await fresh(engine)
    await enableMitra(t, { early_end_customer_enabled: true })
    const [id] = await openSessions(t, 1)
    await expectCode(mitraEnds(t, id!, 'm-2'), 'FORBIDDEN')
    await expectCode(t.closures.initiateEarlyEnd(id!, UserType.CUSTOMER, { actorId: 'c-9' }), 'FORBIDDEN')
    expect((await t.closures.getSession(id!)).status).toBe('active')
  })

  it('says SESSION_NOT_FOUND for a session that does not exist', async () => {
    const t = await fresh(engine)
    await enableMitra(t)
    await expectCode(mitraEnds(t, 999), 'SESSION_NOT_FOUND')
    await expectCode(t.closures.getSession(999), 'SESSION_NOT_FOUND')
  })

  it('refuses to end a session that is already closing, and one that is closed', async () => {
    const t = await fresh(engine)
    await enableMitra(t, { closing_grace_seconds: 60 })
    const [a] = await openSessions(t, 1)
    await mitraEnds(t, a!)
    const e = await expectCode(mitraEnds(t, a!), 'INVALID_STATE')
    expect(e.details).toEqual({ status: 'closing' })
    t.clock.advance(61_000)
    await t.closures.sweep()
    expect((await t.closures.getSession(a!)).status).toBe('closed')
    await expectCode(mitraEnds(t, a!), 'INVALID_STATE')
    await expectCode(t.closures.initiateEarlyEnd(a!, UserType.SUPPORT, { actorId: 'cs', reason: 'other', note: 'x' }), 'INVALID_STATE')
  })

  it('ends an extending session', async () => {
    const t = await fresh(engine)
    await enableMitra(t)
    const s = await t.closures.openSession({ customerId: 'c-1', mitraId: 'm-1', status: 'extending' })
    const r = await mitraEnds(t, s.id)
    expect(r.status).toBe('closing')
    const ev = await t.handle.db.selectFrom('session_events').select('from_status').where('event', '=', 'early_end').executeTakeFirstOrThrow()
    expect(ev.from_status).toBe('extending')
  })

  it('requires a reason from a mitra while early_end_reason_required is on, and not once it is off', async () => {
    const t = await fresh(engine)
    await enableMitra(t)
    const [a, b] = await openSessions(t, 2)
    await expectCode(t.closures.initiateEarlyEnd(a!, UserType.MITRA, { actorId: 'm-1' }), 'REASON_REQUIRED')
    await flags(t, { early_end_reason_required: false })
    const r = await t.closures.initiateEarlyEnd(b!, UserType.MITRA, { actorId: 'm-1' })
    expect(r.closure?.reason).toBeNull()
  })

  it('refuses an unknown reason code and "other" without a note, with INVALID_INPUT', async () => {
    const t = await fresh(engine)
    await enableMitra(t)
    const [id] = await openSessions(t, 1)
    await expectCode(mitraEnds(t, id!, 'm-1', { reason: 'bored' }), 'INVALID_INPUT')
    await expectCode(mitraEnds(t, id!, 'm-1', { reason: 'other' }), 'INVALID_INPUT')
    await expectCode(mitraEnds(t, id!, 'm-1', { reason: 'other', note: '' }), 'INVALID_INPUT')
    expect((await t.closures.getSession(id!)).status).toBe('active')
  })

  it('stores a 500-character note verbatim and refuses a 501-character one', async () => {
    const t = await fresh(engine)
    await enableMitra(t)
    const [a, b] = await openSessions(t, 2)
    const note = ` Dia bilang "cukup" — lalu pergi; 100% 'serius' \\ \n`.padEnd(500, 'é')
    await expectCode(mitraEnds(t, a!, 'm-1', { reason: 'other', note: note + 'x' }), 'INVALID_INPUT')
    await mitraEnds(t, b!, 'm-1', { reason: 'other', note })
    expect((await t.closures.getSession(b!)).closure?.reasonNote).toBe(note)
  })

  it('refuses malformed input with INVALID_INPUT', async () => {
    const t = await fresh(engine)
    await enableMitra(t)
    const [id] = await openSessions(t, 1)
    await expectCode(mitraEnds(t, 0), 'INVALID_INPUT')
    await expectCode(mitraEnds(t, 1.5), 'INVALID_INPUT')
    await expectCode(mitraEnds(t, id!, 'bad id'), 'INVALID_INPUT')
    await expectCode(t.closures.initiateEarlyEnd(id!, 'ADMIN' as UserType, { actorId: 'm-1' }), 'INVALID_INPUT')
    await expectCode(mitraEnds(t, id!, 'm-1', { extra: true }), 'INVALID_INPUT')
    await expectCode(t.closures.openSession({ customerId: 'c', mitraId: 'm', durationMinutes: 0 }), 'INVALID_INPUT')
  })
})
