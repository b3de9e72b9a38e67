/**
 * One home for field rules (issue 15): the same bad value is refused by every entry point that takes
 * it, library and CLI, with the same words, because they all ask `core/ids.ts`.
 */
import { InvalidArgumentError } from 'commander'
import { describe, expect, it } from 'vitest'
import { createReportService, HaloError, UserType } from '../../src/index.js'
import { NOTE_MAX, partyIdProblem, reasonCodeProblem, storedTextProblem } from '../../src/core/ids.js'
import { note, partyId, reasonCode } from '../../src/cli/parse.js'
import { enableMitra, fresh, openSessions } from '../support/fixtures.js'

const BAD_IDS = ['', 'a b', 'x'.repeat(65), 'm-1\u001b[2J', '\u202eevil', 'ü']
const BAD_REASONS = ['', 'Customer_Left', 'customer-left', 'x'.repeat(41), 'a\u0000']
const BAD_NOTES = ['a\u0000b', 'lone \ud800', 'x'.repeat(NOTE_MAX + 1)]

/** Runs `call`; the message of the refusal (INVALID_INPUT, or a CLI usage error), or fails. */
async function refusal(call: () => unknown): Promise<string> {
  try {
    await call()
  } catch (e) {
    if (e instanceof HaloError) {
      expect(e.code).toBe('INVALID_INPUT')
      return e.message
    }
    if (e instanceof InvalidArgumentError) return e.message
    throw e
  }
  throw new Error('accepted')
}

describe('the same bad value, refused everywhere with the same words', () => {
  it.each(BAD_IDS)('a party id %j', async (bad) => {
    const t = await fresh('sqlite')
    await enableMitra(t, { early_end_customer_enabled: true })
    const [id] = await openSessions(t, 1)
    const problem = partyIdProblem(bad)!
    expect(problem).not.toBeNull()
    const calls: (() => unknown)[] = [
      () => t.closures.openSession({ mitraId: bad, customerId: 'c-1' }),
      () => t.closures.openSession({ mitraId: 'm-1', customerId: bad }),
      () => t.closures.initiateEarlyEnd(id!, UserType.MITRA, { actorId: bad, reason: 'customer_left' }),
      () => t.closures.postGoodbye(id!, UserType.MITRA, { actorId: bad, message: 'bye' }),
      () => t.closures.clientConfig(UserType.MITRA, bad),
      () => t.config.set('early_end_mitra_daily_cap', 4, { actor: bad }),
      () => t.reviews.resolve(1, { outcome: 'cleared', actor: bad }),
      () => createReportService(t.handle).closures('day', {}, { mitraId: bad }),
      () => partyId(bad),
    ]
    for (const call of calls) expect(await refusal(call)).toContain(problem)
  })

  it.each(BAD_REASONS)('a reason code %j', async (bad) => {
    const t = await fresh('sqlite')
    await enableMitra(t)
    const [id] = await openSessions(t, 1)
    const problem = reasonCodeProblem(bad)!
    const calls: (() => unknown)[] = [
      () => t.closures.initiateEarlyEnd(id!, UserType.MITRA, { actorId: 'm-1', reason: bad }),
      () => t.config.set('early_end_reason_codes', ['customer_left', bad], { actor: 'ops' }),
      () => createReportService(t.handle).closures('reason', {}, { reason: bad }),
      () => reasonCode(bad),
    ]
    for (const call of calls) expect(await refusal(call)).toContain(problem)
  })

  it.each(BAD_NOTES.map((n) => [n.length > 20 ? `${n.slice(0, 8)}…(${n.length})` : n, n]))('a note %j', async (_shown, bad) => {
    const t = await fresh('sqlite')
    await enableMitra(t)
    const [id] = await openSessions(t, 1)
    const problem = storedTextProblem(bad, NOTE_MAX)!
    const calls: (() => unknown)[] = [
      () => t.closures.initiateEarlyEnd(id!, UserType.MITRA, { actorId: 'm-1', reason: 'other', note: bad }),
      () => t.config.set('early_end_mitra_daily_cap', 4, { actor: 'ops', note: bad }),
      () => t.reviews.resolve(1, { outcome: 'cleared', actor: 'ops', note: bad }),
      () => note(bad),
    ]
    for (const call of calls) expect(await refusal(call)).toContain(problem)
  })
})
