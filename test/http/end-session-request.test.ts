import { describe, expect, it } from 'vitest'
import { createClosureService, handleEndSessionRequest, HaloError, UserType, type EndSessionResponse } from '../../src/index.js'
import { ENGINES } from '../support/engines.js'
import { enableMitra, flags, fresh, mitraEnds, openSessions, tableCounts } from '../support/fixtures.js'

/** The refusal's body, after checking its status and code, and that its message is one plain line. */
function refused(r: EndSessionResponse, status: number, code: string) {
  expect(r.status, JSON.stringify(r.body)).toBe(status)
  if (!('error' in r.body)) throw new Error(`expected a refusal, got ${JSON.stringify(r.body)}`)
  expect(r.body.error.code).toBe(code)
  expect(r.body.error.message).toMatch(/^[^\n\r\u0000-\u001f]{1,300}$/)
  expect(r.body.error.message).not.toMatch(/^\[|"code":/)
  return r.body.error
}

describe.each(ENGINES)('POST /api/mitra/chat-requests/sessions/:id/end on %s', (engine) => {
  const services = (t: { closures: ReturnType<typeof createClosureService> }) => ({ closures: t.closures })

  it('ends the session with 200 and the early end, the id given as the path writes it', async () => {
    const t = await fresh(engine, '2026-11-24T03:00:00Z')
    await enableMitra(t)
    const [id] = await openSessions(t, 1)
    const r = await handleEndSessionRequest({ sessionId: String(id), actorId: 'm-1', body: { reason: 'customer_left' } }, services(t))
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({ sessionId: id, status: 'closing', graceEndsAt: '2026-11-24T03:05:00.000Z', mitraCountToday: 1 })
    expect((await t.closures.getSession(id!)).status).toBe('closing')
  })

  it('answers 403 while early_end_mitra_enabled is off, and changes nothing', async () => {
    const t = await fresh(engine)
    const [id] = await openSessions(t, 1)
    const before = await tableCounts(t.handle)
    const r = await handleEndSessionRequest({ sessionId: id!, actorId: 'm-1', body: { reason: 'customer_left' } }, services(t))
    expect(refused(r, 403, 'EARLY_END_DISABLED').message).toContain('early_end_mitra_enabled')
    expect(await tableCounts(t.handle)).toEqual(before)
  })

  it("answers 403 to a mitra ending another mitra's session", async () => {
    const t = await fresh(engine)
    await enableMitra(t)
    const [id] = await openSessions(t, 1)
    refused(await handleEndSessionRequest({ sessionId: id!, actorId: 'm-2', body: { reason: 'customer_left' } }, services(t)), 403, 'FORBIDDEN')
  })

  it('answers 422 with one line naming the field for a bad body, never zod’s JSON', async () => {
    const t = await fresh(engine)
    await enableMitra(t)
    const [id] = await openSessions(t, 1)
    const ask = (body: unknown) => handleEndSessionRequest({ sessionId: id!, actorId: 'm-1', body }, services(t))
    expect(refused(await ask({ reason: 42 }), 422, 'INVALID_INPUT').message).toMatch(/^body: reason: /)
    expect(refused(await ask({ reason: 'customer_left', actorId: 'm-9' }), 422, 'INVALID_INPUT').message).toMatch(/actorId/)
    expect(refused(await ask({ reason: 'customer_left', dryRun: 'yes' }), 422, 'INVALID_INPUT').message).toMatch(/dryRun/)
    refused(await ask(null), 422, 'INVALID_INPUT')
    refused(await ask([]), 422, 'INVALID_INPUT')
    refused(await ask('reason=customer_left'), 422, 'INVALID_INPUT')
    // whatever a client puts in a key the message quotes, it stays one line
    expect(refused(await ask({ ['bad\nkey\u2028x']: 1 }), 422, 'INVALID_INPUT').message).toBe('body: Unrecognized key: "bad key x"')
    expect(refused(await ask({ reason: 'no_such_code' }), 422, 'INVALID_INPUT').message).toBe(
      'unknown reason "no_such_code"; one of: customer_abusive, customer_left, out_of_scope, other',
    )
    expect(refused(await ask({ [`k${'x'.repeat(1000)}`]: 1 }), 422, 'INVALID_INPUT').message).toHaveLength(300)
    expect((await t.closures.getSession(id!)).status).toBe('active')
  })

  it('answers 422 REASON_REQUIRED to a body without a reason, and takes no body as {}', async () => {
    const t = await fresh(engine)
    await enableMitra(t)
    const [id] = await openSessions(t, 2)
    const e = refused(await handleEndSessionRequest({ sessionId: id!, actorId: 'm-1', body: undefined }, services(t)), 422, 'REASON_REQUIRED')
    expect(e.message).toBe('a reason is required; one of: customer_abusive, customer_left, out_of_scope, other')
    await flags(t, { early_end_reason_required: false })
    expect((await handleEndSessionRequest({ sessionId: id!, actorId: 'm-1', body: undefined }, services(t))).status).toBe(200)
  })

  it('answers 404 for a session that does not exist, or an id that is not a positive integer', async () => {
    const t = await fresh(engine)
    await enableMitra(t)
    const body = { reason: 'customer_left' }
    refused(await handleEndSessionRequest({ sessionId: '999999', actorId: 'm-1', body }, services(t)), 404, 'SESSION_NOT_FOUND')
    for (const sessionId of ['abc', '0', '-1', '1.5', '007', '1e3', '', ' 1', '99999999999999999999', 0, -3, 2.5, Number.NaN]) {
      const e = refused(await handleEndSessionRequest({ sessionId, actorId: 'm-1', body }, services(t)), 404, 'SESSION_NOT_FOUND')
      expect(e.message).toContain('positive integers')
    }
    expect(
      refused(await handleEndSessionRequest({ sessionId: 'a\nb'.repeat(30), actorId: 'm-1', body }, services(t)), 404, 'SESSION_NOT_FOUND').message,
    ).toContain('"a\\nba\\nb')
  })

  it('answers 409 with the status for a session already closing', async () => {
    const t = await fresh(engine)
    await enableMitra(t)
    const [id] = await openSessions(t, 1)
    await mitraEnds(t, id!)
    const e = refused(await handleEndSessionRequest({ sessionId: id!, actorId: 'm-1', body: { reason: 'customer_left' } }, services(t)), 409, 'INVALID_STATE')
    expect(e.details).toEqual({ status: 'closing' })
  })

  it('answers 429 past the daily cap, with the cap for the app to show', async () => {
    const t = await fresh(engine, '2026-11-24T03:00:00Z')
    await enableMitra(t, { early_end_mitra_daily_cap: 1 })
    const [a, b] = await openSessions(t, 2)
    const ask = (sessionId: number) => handleEndSessionRequest({ sessionId, actorId: 'm-1', body: { reason: 'customer_left' } }, services(t))
    expect((await ask(a!)).status).toBe(200)
    const e = refused(await ask(b!), 429, 'DAILY_CAP_REACHED')
    expect(e.details).toEqual({ cap: 1, countToday: 1, businessDay: '2026-11-24' })
    expect((await t.closures.getSession(b!)).status).toBe('active')
  })

  it('replays an idempotency key with 200 and answers a dry run without writing', async () => {
    const t = await fresh(engine)
    await enableMitra(t)
    const [id] = await openSessions(t, 1)
    const ask = (body: unknown) => handleEndSessionRequest({ sessionId: id!, actorId: 'm-1', body }, services(t))
    const dry = await ask({ reason: 'customer_left', dryRun: true })
    expect(dry).toMatchObject({ status: 200, body: { dryRun: true, closure: null } })
    expect((await t.closures.getSession(id!)).status).toBe('active')
    const first = await ask({ reason: 'customer_left', idempotencyKey: 'tap-1' })
    const again = await ask({ reason: 'customer_left', idempotencyKey: 'tap-1' })
    expect(first).toMatchObject({ status: 200, body: { replayed: false } })
    expect(again).toMatchObject({ status: 200, body: { replayed: true, sessionId: id } })
  })

  it('lets a customer route pass its user type', async () => {
    const t = await fresh(engine)
    await flags(t, { early_end_customer_enabled: true })
    const [id] = await openSessions(t, 1)
    const r = await handleEndSessionRequest({ sessionId: id!, actorId: 'c-0', body: {}, userType: UserType.CUSTOMER }, services(t))
    expect(r).toMatchObject({ status: 200, body: { closure: { initiatedBy: 'customer' } } })
  })

  it('answers 503 when the database is gone, keeping its words for the logs', async () => {
    const t = await fresh(engine)
    await enableMitra(t)
    const [id] = await openSessions(t, 1)
    const closures = createClosureService(t.handle)
    await t.handle.close()
    const r = await handleEndSessionRequest({ sessionId: id!, actorId: 'm-1', body: { reason: 'customer_left' } }, { closures })
    expect(refused(r, 503, 'DB_ERROR')).toEqual({ code: 'DB_ERROR', message: 'the session service is unavailable; try again shortly' })
    expect('error' in r && r.error).toBeInstanceOf(HaloError)
  })
})

describe('handleEndSessionRequest without a database', () => {
  it('lets an error that is not a HaloError through, for the framework’s 500', async () => {
    const boom = new TypeError('a bug')
    const closures = { initiateEarlyEnd: () => Promise.reject(boom) }
    await expect(handleEndSessionRequest({ sessionId: '1', actorId: 'm-1', body: {} }, { closures })).rejects.toBe(boom)
  })
})
