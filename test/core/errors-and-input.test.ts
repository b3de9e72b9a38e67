import { describe, expect, it } from 'vitest'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { EndSessionRequestBody, ErrorCode, HaloError, httpStatusFor, isHaloError } from '../../src/index.js'
import { EarlyEndInput, GoodbyeInput, PartyId, parseInput } from '../../src/core/validation.js'
import { ensureBuilt } from '../support/fixtures.js'

describe('httpStatusFor', () => {
  it('maps every contract code to its HTTP status', () => {
    expect(Object.fromEntries(Object.values(ErrorCode).map((c) => [c, httpStatusFor(c)]))).toEqual({
      INVALID_INPUT: 422,
      REASON_REQUIRED: 422,
      UNKNOWN_FLAG: 422,
      EARLY_END_DISABLED: 403,
      FORBIDDEN: 403,
      SESSION_NOT_FOUND: 404,
      REVIEW_NOT_FOUND: 404,
      INVALID_STATE: 409,
      DAILY_CAP_REACHED: 429,
      DB_ERROR: 503,
      DATABASE_NOT_FOUND: 503,
    })
  })

  it('answers 500 for a code it does not know', () => {
    expect(httpStatusFor('NOPE' as ErrorCode)).toBe(500)
  })
})

describe('HaloError', () => {
  it('carries a stable code, a message and frozen details, and serialises without a stack', () => {
    const e = new HaloError('DAILY_CAP_REACHED', 'cap 3 reached', { details: { cap: 3 } })
    expect(e).toBeInstanceOf(Error)
    expect(isHaloError(e)).toBe(true)
    expect(isHaloError(new Error('x'))).toBe(false)
    expect(e.toJSON()).toEqual({ code: 'DAILY_CAP_REACHED', message: 'cap 3 reached', details: { cap: 3 } })
    expect(Object.isFrozen(e.details)).toBe(true)
    expect(new HaloError('FORBIDDEN', 'no').toJSON()).toEqual({ code: 'FORBIDDEN', message: 'no' })
  })
})

describe('EndSessionRequestBody', () => {
  it('accepts the backend body: reason, note, idempotencyKey, dryRun, all optional', () => {
    expect(EndSessionRequestBody.parse({})).toEqual({})
    const body = { reason: 'customer_left', note: 'left without a word', idempotencyKey: 'req-1', dryRun: true }
    expect(EndSessionRequestBody.parse(body)).toEqual(body)
  })

  it('refuses unknown fields, an actor in the body, wrong types and a note over 500 characters', () => {
    expect(EndSessionRequestBody.safeParse({ reason: 'x', extra: 1 }).success).toBe(false)
    expect(EndSessionRequestBody.safeParse({ actorId: 'm-1' }).success).toBe(false)
    expect(EndSessionRequestBody.safeParse({ dryRun: 'yes' }).success).toBe(false)
    expect(EndSessionRequestBody.safeParse({ reason: '' }).success).toBe(false)
    expect(EndSessionRequestBody.safeParse({ note: 'x'.repeat(501) }).success).toBe(false)
    expect(EndSessionRequestBody.safeParse({ note: 'x'.repeat(500) }).success).toBe(true)
    expect(EndSessionRequestBody.safeParse({ idempotencyKey: 'k'.repeat(129) }).success).toBe(false)
  })
})

describe('input validation', () => {
  it('accepts party ids of 1-64 characters of A-Za-z0-9_.:- only', () => {
    for (const ok of ['m', 'mitra-7', 'a.b:c_d-E9', 'x'.repeat(64)]) expect(PartyId.safeParse(ok).success, ok).toBe(true)
    for (const bad of ['', 'x'.repeat(65), 'with space', 'semi;colon', 'ünï', "o'neil"]) expect(PartyId.safeParse(bad).success, bad).toBe(false)
  })

  it('throws INVALID_INPUT naming the field that is wrong', () => {
    let caught: unknown
    try {
      parseInput(EarlyEndInput, { actorId: 'bad id' }, 'early end')
    } catch (e) {
      caught = e
    }
    expect(caught).toBeInstanceOf(HaloError)
    expect((caught as HaloError).code).toBe('INVALID_INPUT')
    expect((caught as HaloError).message).toMatch(/^early end: actorId: /)
  })

  it('requires a goodbye message of 1-1000 characters', () => {
    expect(GoodbyeInput.safeParse({ actorId: 'm-1', message: '' }).success).toBe(false)
    expect(GoodbyeInput.safeParse({ actorId: 'm-1', message: 'x'.repeat(1001) }).success).toBe(false)
    expect(GoodbyeInput.safeParse({ actorId: 'm-1', message: 'sampai jumpa' }).success).toBe(true)
  })
})

describe('HaloError across copies of the library', () => {
  it('is recognised by instanceof when another copy of the library made it, and nothing else is', async () => {
    // dist/ is a second copy of src/errors.ts in this process: another class, the same brand
    const other = (await import(pathToFileURL(join(dirname(ensureBuilt()), 'errors.js')).href)) as typeof import('../../src/errors.js')
    expect(other.HaloError).not.toBe(HaloError)
    const foreign = new other.HaloError('DB_ERROR', 'from the other copy')
    expect(foreign).toBeInstanceOf(HaloError)
    expect(isHaloError(foreign)).toBe(true)
    expect(new HaloError('FORBIDDEN', 'x')).toBeInstanceOf(other.HaloError)
    expect(new Error('plain')).not.toBeInstanceOf(HaloError)
    expect(Object.assign(new Error('look-alike'), { name: 'HaloError', code: 'DB_ERROR' })).not.toBeInstanceOf(HaloError)
    expect(null).not.toBeInstanceOf(HaloError)
  })
})
