import { describe, expect, it, onTestFinished } from 'vitest'
import { UserType } from '../../src/index.js'
import { ENGINES, setup } from '../support/engines.js'

describe.each(ENGINES)('closure service on %s', (engine) => {
  it('moves a session a mitra ends into closing with one closure row', async () => {
    const t = await setup(engine)
    onTestFinished(t.cleanup)
    await t.config.set('early_end_mitra_enabled', true, { actor: 'ops' })
    const s = await t.closures.openSession({ customerId: 'c1', mitraId: 'm1' })
    const r = await t.closures.initiateEarlyEnd(s.id, UserType.MITRA, { actorId: 'm1', reason: 'customer_left' })
    expect(r.status).toBe('closing')
    const detail = await t.closures.getSession(s.id)
    expect(detail.status).toBe('closing')
    expect(detail.closure?.reason).toBe('customer_left')
    expect(detail.closure?.createdAt).toBe('2026-11-24T03:00:00.000Z')
  })
})
