import { describe, expect, it } from 'vitest'
import { queryTemplate, type Slot } from '../../src/store/query-template.js'
import { ENGINES, ON_POSTGRES } from '../support/engines.js'
import { fresh } from '../support/fixtures.js'

const sessionsOf = queryTemplate((db, _engine, mitraId: Slot<string>, status: Slot<string>) =>
  db
    .selectFrom('sessions')
    .select(['id', 'customer_id'])
    .where('status', '=', status)
    .where('mitra_id', '=', mitraId)
    .where('customer_id', '!=', 'nobody')
    .orderBy('id'),
)

describe.each(ENGINES)('compiled query templates on %s', (engine) => {
  it('runs one compiled query with new values each time, keeping its constants', async () => {
    const t = await fresh(engine)
    await t.closures.openSession({ customerId: 'c-1', mitraId: 'm-1' })
    await t.closures.openSession({ customerId: 'c-2', mitraId: 'm-2' })
    await t.closures.openSession({ customerId: 'nobody', mitraId: 'm-1' })
    const run = (m: string, s: string) => sessionsOf(t.handle.db, t.handle.engine, m, s).then((r) => r.rows.map((x) => x.customer_id))
    expect(await run('m-1', 'active')).toEqual(['c-1'])
    expect(await run('m-2', 'active')).toEqual(['c-2'])
    expect(await run('m-1', 'closed')).toEqual([])
    // inside a write transaction as well
    expect(await t.handle.write((trx) => sessionsOf(trx, t.handle.engine, 'm-2', 'active').then((r) => r.rows.length))).toBe(1)
  })

  it('refuses a call whose values do not match the template', async () => {
    const t = await fresh(engine)
    expect(() =>
      queryTemplate((db, _e, _id: Slot<number>) => db.selectFrom('sessions').selectAll().where('id', '=', 1))(t.handle.db, t.handle.engine, 5),
    ).toThrow(/values/)
  })
})

describe.runIf(ON_POSTGRES)('compiled query templates across engines', () => {
  it('compiles once per engine, so SQLite and PostgreSQL each get their own SQL', async () => {
    const a = await fresh('sqlite')
    const b = await fresh('postgres')
    await a.closures.openSession({ customerId: 'c-a', mitraId: 'm-1' })
    await b.closures.openSession({ customerId: 'c-b', mitraId: 'm-1' })
    expect((await sessionsOf(a.handle.db, a.handle.engine, 'm-1', 'active')).rows.map((r) => r.customer_id)).toEqual(['c-a'])
    expect((await sessionsOf(b.handle.db, b.handle.engine, 'm-1', 'active')).rows.map((r) => r.customer_id)).toEqual(['c-b'])
    expect((await sessionsOf(a.handle.db, a.handle.engine, 'm-1', 'active')).rows.map((r) => r.customer_id)).toEqual(['c-a'])
  })
})
