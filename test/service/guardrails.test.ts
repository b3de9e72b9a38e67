/**
 * Guardrails of issue 10 in the library, on both engines: a mitra is never their own customer, a
 * write nested in another joins it (never hangs), a closed handle says DB_ERROR, and bad options or
 * notes are refused plainly.
 */
import { describe, expect, it, onTestFinished } from 'vitest'
import { createClosureService, HaloError, openDatabase, UserType } from '../../src/index.js'
import { ENGINES } from '../support/engines.js'
import { counterOf, enableMitra, expectCode, flags, fresh, mitraEnds, openSessions, tableCounts } from '../support/fixtures.js'

const DAY = '2026-11-24'

describe.each(ENGINES)('a mitra as their own customer on %s', (engine) => {
  it('cannot be opened by the library', async () => {
    const t = await fresh(engine)
    const e = await expectCode(t.closures.openSession({ mitraId: 'm-1', customerId: 'm-1' }), 'INVALID_INPUT')
    expect(e.message).toMatch(/cannot be their own customer/)
  })

  it('cannot end such a session, written by another writer, as its customer and dodge the cap', async () => {
    const t = await fresh(engine)
    await flags(t, { early_end_mitra_enabled: true, early_end_customer_enabled: true, early_end_mitra_daily_cap: 1 })
    const [first] = await openSessions(t, 1)
    await mitraEnds(t, first!)
    // the backend (or SQL by hand) opened a session with m-1 on both sides
    const at = t.clock.now().toISOString()
    const row = await t.handle.db
      .insertInto('sessions')
      .values({
        customer_id: 'm-1',
        mitra_id: 'm-1',
        status: 'active',
        started_at: at,
        ends_at: '2026-11-24T04:00:00.000Z',
        grace_ends_at: null,
        closed_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    const before = await tableCounts(t.handle)
    const e = await expectCode(t.closures.initiateEarlyEnd(row.id, UserType.CUSTOMER, { actorId: 'm-1' }), 'FORBIDDEN')
    expect(e.message).toMatch(/both the mitra and the customer/)
    expect(await tableCounts(t.handle)).toEqual(before)
    // as the mitra, the cap still applies
    await expectCode(mitraEnds(t, row.id), 'DAILY_CAP_REACHED')
    expect(await counterOf(t.handle, 'm-1', DAY)).toBe(1)
  })
})

describe.each(ENGINES)('a write nested in another on %s', (engine) => {
  it('joins the outer transaction: an early end inside it settles, and commits with it', async () => {
    const t = await fresh(engine)
    await enableMitra(t)
    const [id] = await openSessions(t, 2)
    const result = await t.handle.write(async (trx) => {
      const r = await mitraEnds(t, id!)
      // the outer transaction sees the nested write before it commits
      const row = await trx.selectFrom('sessions').select('status').where('id', '=', id!).executeTakeFirstOrThrow()
      expect(row.status).toBe('closing')
      return r
    })
    expect(result.status).toBe('closing')
    expect((await t.closures.getSession(id!)).status).toBe('closing')
    // later writes on the file are not stuck behind it
    expect((await t.closures.openSession({ mitraId: 'm-2', customerId: 'c-9' })).status).toBe('active')
  })

  it('is undone with the outer transaction, and a nested refusal undoes only its own part', async () => {
    const t = await fresh(engine)
    await enableMitra(t, { early_end_mitra_daily_cap: 1 })
    const [a, b] = await openSessions(t, 2)
    const before = await tableCounts(t.handle)
    await expect(
      t.handle.write(async () => {
        await mitraEnds(t, a!)
        throw new Error('the backend changed its mind')
      }),
    ).rejects.toThrow('the backend changed its mind')
    expect(await tableCounts(t.handle)).toEqual(before)

    await t.handle.write(async () => {
      await mitraEnds(t, a!)
      // past the cap: refused, and only its own writes undone
      await expectCode(mitraEnds(t, b!), 'DAILY_CAP_REACHED')
      await t.closures.openSession({ mitraId: 'm-3', customerId: 'c-3' })
    })
    expect((await t.closures.getSession(a!)).status).toBe('closing')
    expect((await t.closures.getSession(b!)).status).toBe('active')
    expect(await counterOf(t.handle, 'm-1', DAY)).toBe(1)
  })

  it('runs nested writes started together one after another', async () => {
    const t = await fresh(engine)
    await enableMitra(t, { early_end_mitra_daily_cap: 10 })
    const ids = await openSessions(t, 4)
    const results = await t.handle.write(() => Promise.all(ids.map((id) => mitraEnds(t, id))))
    expect(results.map((r) => r.mitraCountToday).sort()).toEqual([1, 2, 3, 4])
  })
})

describe('a write nested in another through a second handle on the same SQLite file', () => {
  it('fails at once with DB_ERROR instead of waiting for itself', async () => {
    const t = await fresh('sqlite')
    const second = await openDatabase(t.target)
    onTestFinished(() => second.close())
    const started = Date.now()
    const e = await expectCode(
      t.handle.write(() => createClosureService(second, { clock: t.clock }).openSession({ mitraId: 'm-1', customerId: 'c-1' })),
      'DB_ERROR',
    )
    expect(e.message).toMatch(/would wait for itself/)
    expect(Date.now() - started).toBeLessThan(1000)
    expect(await t.closures.listSessions()).toEqual([])
  })
})

describe.each(ENGINES)('a closed handle on %s', (engine) => {
  it('gives DB_ERROR for every call, not a driver error', async () => {
    const t = await fresh(engine)
    const h = await openDatabase(t.target)
    const closures = createClosureService(h)
    await h.close()
    await h.close()
    for (const call of [
      () => closures.openSession({ mitraId: 'm-1', customerId: 'c-1' }),
      () => closures.listSessions(),
      () => closures.sweep(),
      () => h.select('select 1'),
    ]) {
      const r = await call().then(
        (v) => v,
        (e: unknown) => e,
      )
      const err = (r as { error?: unknown }).error ?? r
      expect(err).toBeInstanceOf(HaloError)
      expect((err as HaloError).code).toBe('DB_ERROR')
      expect((err as HaloError).message).toMatch(/closed/)
    }
  })
})

describe.each(ENGINES)('options and notes on %s', (engine) => {
  it('sweep takes null as no options, and refuses options it does not know', async () => {
    const t = await fresh(engine)
    expect(await t.closures.sweep(null)).toMatchObject({ expired: 0, finalized: 0 })
    await expectCode(t.closures.sweep('fast' as never), 'INVALID_INPUT')
    await expectCode(t.closures.sweep({ batchSize: 0 }), 'INVALID_INPUT')
    await expectCode(t.closures.sweep({ speed: 1 } as never), 'INVALID_INPUT')
  })

  it('refuses flag-change notes it could not store verbatim, and counts characters as code points', async () => {
    const t = await fresh(engine)
    for (const note of ['a\u0000b', 'lone \ud800 surrogate', 'x'.repeat(501)])
      await expectCode(t.config.set('early_end_mitra_enabled', true, { actor: 'ops', note }), 'INVALID_INPUT')
    expect(await t.config.history()).toEqual([])
    const change = await t.config.set('early_end_mitra_enabled', true, { actor: 'ops', note: '🙏'.repeat(500) })
    expect(change?.note).toBe('🙏'.repeat(500))
  })
})
