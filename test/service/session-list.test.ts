/**
 * `listSessions` newest first, paged with `after` and `before`, by customer and by start time; the
 * old calls (`{ status, mitraId, limit }`, oldest first) unchanged.
 */
import { describe, expect, it } from 'vitest'
import { ENGINES } from '../support/engines.js'
import { expectCode, flags, fresh } from '../support/fixtures.js'

describe.each(ENGINES)('listing sessions on %s', (engine) => {
  /** Ten sessions opened a minute apart from 02:55Z (Jakarta 09:55): customers c-0…c-4 twice over. */
  async function ten() {
    const t = await fresh(engine, '2026-11-24T02:55:00Z')
    const ids: number[] = []
    for (let i = 0; i < 10; i++) {
      ids.push((await t.closures.openSession({ customerId: `c-${i % 5}`, mitraId: `m-${i % 2}` })).id)
      t.clock.advance(60_000)
    }
    return { t, ids }
  }

  it('lists newest first, and pages with after and before in that order', async () => {
    const { t, ids } = await ten()
    const list = (f: object) => t.closures.listSessions({ order: 'newest', ...f }).then((l) => l.map((s) => s.id))
    const desc = [...ids].reverse()
    expect(await list({})).toEqual(desc)
    expect(await list({ limit: 3 })).toEqual(desc.slice(0, 3))
    expect(await list({ limit: 3, after: desc[2] })).toEqual(desc.slice(3, 6))
    expect(await list({ limit: 3, before: desc[6] })).toEqual(desc.slice(3, 6))
    expect(await list({ after: desc[8], before: desc[2] })).toEqual([])
    expect(await list({ after: desc[1], before: desc[5] })).toEqual(desc.slice(2, 5))
    // oldest first, the default, pages the other way
    const asc = (f: object) => t.closures.listSessions(f).then((l) => l.map((s) => s.id))
    expect(await asc({ limit: 3, after: ids[2] })).toEqual(ids.slice(3, 6))
    expect(await asc({ limit: 2, before: ids[5] })).toEqual(ids.slice(3, 5))
    // the live ones (read through their partial index) page the same way
    const live = (f: object) => list({ status: ['active', 'extending'], ...f })
    expect(await live({ limit: 4, after: desc[1] })).toEqual(desc.slice(2, 6))
    expect(await live({ limit: 4, before: desc[6] })).toEqual(desc.slice(2, 6))
    expect(await list({ status: 'active', limit: 2, after: desc[0] })).toEqual(desc.slice(1, 3))
  })

  it('filters by customer, and by start time as an instant or a business day', async () => {
    const { t, ids } = await ten()
    const list = (f: object) => t.closures.listSessions({ order: 'newest', ...f }).then((l) => l.map((s) => s.id))
    expect(await list({ customerId: 'c-1' })).toEqual([ids[6], ids[1]])
    expect(await list({ customerId: 'c-1', status: ['active', 'extending'], mitraId: 'm-1' })).toEqual([ids[1]])
    // 03:00Z and after: the sixth session on
    expect(await list({ since: '2026-11-24T03:00:00Z' })).toEqual(ids.slice(5).reverse())
    expect(await list({ since: '2026-11-24T10:00:00+07:00' })).toEqual(ids.slice(5).reverse())
    // 2026-11-24 in Jakarta started at 2026-11-23T17:00Z: all of them; in New York it starts at 05:00Z: none
    expect(await list({ since: '2026-11-24' })).toEqual([...ids].reverse())
    await flags(t, { business_timezone: 'America/New_York' })
    expect(await list({ since: '2026-11-24' })).toEqual([])
    expect(await list({ since: '2026-11-23' })).toEqual([...ids].reverse())
    await expectCode(t.closures.listSessions({ since: 'yesterday' }), 'INVALID_INPUT')
    await expectCode(t.closures.listSessions({ since: '2026-02-30' }), 'INVALID_INPUT')
    await expectCode(t.closures.listSessions({ after: 0 }), 'INVALID_INPUT')
    await expectCode(t.closures.listSessions({ order: 'random' as never }), 'INVALID_INPUT')
  })
})
