/**
 * Asked to (`preparedStatements`, `?prepared_statements=true`: direct connections), the PostgreSQL
 * engine names the statements it runs again and again, so the server parses and plans each once per
 * connection. By default it names none: through PgBouncer in transaction mode a name prepared on one
 * server connection is missing on the next, or already taken there by another client (issue 18). A
 * migration that changes a table under a prepared statement must not wedge a connection.
 */
import { sql } from 'kysely'
import pg from 'pg'
import { describe, expect, it, onTestFinished } from 'vitest'
import { HaloError, UserType, createClosureService, createConfigStore, fixedClock, openDatabase } from '../../src/index.js'
import { createTestDatabase } from '../support/engines.js'
import { NOW } from '../support/time.js'

async function single(preparedStatements = true) {
  const db = await createTestDatabase('postgres')
  onTestFinished(db.drop)
  // one connection, so what it prepared is what the next query sees
  const h = await openDatabase(db.target, { poolSize: 1, preparedStatements })
  onTestFinished(() => h.close())
  return { h, target: db.target, closures: createClosureService(h, { clock: fixedClock(NOW) }) }
}

describe('PostgreSQL prepared statements', () => {
  it('prepares nothing by default, so no name can collide behind a pooler', async () => {
    const { h, closures } = await single(false)
    await createConfigStore(h, { clock: fixedClock(NOW) }).set('early_end_mitra_enabled', true, { actor: 'ops' })
    const s = await closures.openSession({ customerId: 'c-1', mitraId: 'm-1' })
    await closures.initiateEarlyEnd(s.id, UserType.MITRA, { actorId: 'm-1', reason: 'customer_left' })
    await closures.listSessions({})
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_prepared_statements`.execute(h.db)
    expect(rows[0]!.n).toBe(0)
  })

  it('names each statement after its text when asked in the URL', async () => {
    const db = await createTestDatabase('postgres')
    onTestFinished(db.drop)
    const h = await openDatabase(`${db.target}?prepared_statements=true`, { poolSize: 1 })
    onTestFinished(() => h.close())
    await createClosureService(h, { clock: fixedClock(NOW) }).listSessions({})
    const { rows } = await sql<{ name: string }>`select name from pg_prepared_statements`.execute(h.db)
    expect(rows.length).toBeGreaterThan(0)
    expect(rows.every((r) => /^halo_[0-9a-f]{20}$/.test(r.name))).toBe(true)
  })

  it('prepares the early end’s statements once per connection and reuses them', async () => {
    const { h, closures } = await single()
    await createConfigStore(h, { clock: fixedClock(NOW) }).set('early_end_mitra_enabled', true, { actor: 'ops' })
    for (let i = 0; i < 3; i++) {
      const s = await closures.openSession({ customerId: `c-${i}`, mitraId: 'm-1' })
      await closures.initiateEarlyEnd(s.id, UserType.MITRA, { actorId: 'm-1', reason: 'customer_left' })
    }
    const { rows } = await sql<{ name: string; statement: string }>`select name, statement from pg_prepared_statements`.execute(h.db)
    const texts = rows.map((r) => r.statement)
    expect(rows.every((r) => r.name.startsWith('halo_'))).toBe(true)
    expect(texts.some((t) => /from "sessions" where id = \$1 for update/.test(t))).toBe(true)
    expect(texts.some((t) => /insert into "session_closures"/.test(t))).toBe(true)
    // each text once: three early ends did not prepare anything three times
    expect(new Set(texts).size).toBe(texts.length)
  })

  it('leaves batch statements with many values unnamed', async () => {
    const { h, closures } = await single()
    for (let i = 0; i < 2; i++) await closures.listSessions({ status: ['active', 'extending', 'closing', 'closed'] })
    const many = Array.from({ length: 40 }, (_, i) => i + 1)
    for (let i = 0; i < 2; i++) await h.db.selectFrom('sessions').select('id').where('id', 'in', many).execute()
    const { rows } = await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(h.db)
    expect(rows.some((r) => r.statement.includes(`"status" in ('active', 'extending', 'closing', 'closed')`))).toBe(true)
    expect(rows.some((r) => r.statement.includes('$40'))).toBe(false)
  })

  it('survives a migration that changes a table under a prepared statement', async () => {
    const { target, closures } = await single()
    const first = await closures.openSession({ customerId: 'c-1', mitraId: 'm-1' })
    await closures.getSession(first.id)
    await closures.openSession({ customerId: 'c-2', mitraId: 'm-1' })
    const admin = new pg.Client({ connectionString: target })
    await admin.connect()
    onTestFinished(() => admin.end())
    await admin.query('alter table sessions add column note text')
    // a write transaction runs again on a fresh connection: the caller never sees it
    const s = await closures.openSession({ customerId: 'c-3', mitraId: 'm-1' })
    expect(s.customerId).toBe('c-3')
    // a read may fail once with DB_ERROR (never a raw driver error), then works
    const again = await closures.getSession(first.id).catch((e: unknown) => e)
    if (again instanceof Error) {
      expect(again).toBeInstanceOf(HaloError)
      expect((again as HaloError).code).toBe('DB_ERROR')
    }
    expect((await closures.getSession(first.id)).customerId).toBe('c-1')
  })
})
