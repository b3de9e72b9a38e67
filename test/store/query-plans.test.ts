/**
 * Migration 0004 took indexes away from the write path; every reader they served must still find its
 * rows through an index, not a scan of the table. Each reader runs for real on a SQLite file while the
 * statements it prepares are recorded; EXPLAIN QUERY PLAN then says how SQLite runs each one.
 */
import Database from 'better-sqlite3'
import { sql } from 'kysely'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { sessionListQuery, type SessionQuery } from '../../src/closure/closure-repository.js'
import { createReportService, createReviewService, createWhatIfService, UserType, type SessionFilter } from '../../src/index.js'
import { ON_POSTGRES, setup, type Setup } from '../support/engines.js'
import { enableMitra, fresh, mitraEnds, openSessions } from '../support/fixtures.js'

const prepare = Database.prototype.prepare
const seen: string[] = []
afterEach(() => {
  Database.prototype.prepare = prepare
})

/** The SQL texts `fn` prepares on any SQLite connection of this process. */
async function statementsOf(fn: () => Promise<unknown>): Promise<string[]> {
  seen.length = 0
  Database.prototype.prepare = function (this: Database.Database, text: string) {
    seen.push(text)
    return prepare.call(this, text)
  } as typeof prepare
  try {
    await fn()
  } finally {
    Database.prototype.prepare = prepare
  }
  return [...seen]
}

/** EXPLAIN QUERY PLAN of `text` (values bound as nulls), one line per step. */
function planOf(file: string, text: string): string[] {
  const db = new Database(file, { readonly: true })
  try {
    const stmt = db.prepare(`explain query plan ${text}`)
    // as many nulls as the statement has parameters (better-sqlite3 does not say how many)
    for (let n = 0; ; n++) {
      try {
        return (stmt.all(...Array.from({ length: n }, () => null)) as { detail: string }[]).map((r) => r.detail)
      } catch (e) {
        if (n > 64 || !/Too few parameter/.test(String(e))) throw e
      }
    }
  } finally {
    db.close()
  }
}

/** A statement reading `table` scans it whole when a plan step says SCAN table without an index. */
const fullScan = (plan: string[], table: string) => plan.some((step) => new RegExp(`^SCAN ${table}(?! USING)`).test(step))

describe('SQLite query plans after the write-path migration', () => {
  it.each([
    ['the sweep finding sessions past their end', 'sessions', /"status" in \('active', 'extending'\) and "ends_at" <=/, 'sessions_live_ends_at'],
    ['the sweep finding closings past their grace window', 'sessions', /"status" = 'closing' and "grace_ends_at" <=/, 'sessions_closing_grace_ends_at'],
  ])('%s uses %s through its partial index', async (_what, table, statement, index) => {
    const t = await fresh('sqlite')
    await openSessions(t, 3)
    t.clock.advance(2 * 3_600_000)
    const texts = await statementsOf(() => t.closures.sweep())
    const text = texts.find((s) => statement.test(s))
    expect(text, texts.join('\n')).toBeDefined()
    const plan = planOf(t.target, text!)
    expect(fullScan(plan, table), plan.join('\n')).toBe(false)
    expect(plan.join('\n')).toContain(index)
  })

  it('the readers of session_closures, cc_reviews and mitra_daily_counts never scan a whole table', async () => {
    const t = await fresh('sqlite')
    await enableMitra(t, { early_end_mitra_daily_cap: 1, early_end_mitra_over_cap_action: 'allow' })
    const ids = await openSessions(t, 3)
    for (const id of ids) await mitraEnds(t, id)
    await t.closures.initiateEarlyEnd((await openSessions(t, 1, 'm-2'))[0]!, UserType.MITRA, {
      actorId: 'm-2',
      reason: 'customer_left',
      idempotencyKey: 'k-1',
    })
    const reports = createReportService(t.handle, { clock: t.clock })
    const range = { from: '2026-11-20', to: '2026-11-24' }
    const texts = await statementsOf(async () => {
      for await (const _ of reports.closureDetails(range)) void _
      await reports.cap('2026-11-24')
      const reviews = createReviewService(t.handle, { clock: t.clock })
      await reviews.show((await reviews.list())[0]!.id)
      await createWhatIfService(t.handle, { clock: t.clock }).cap({ cap: 2 }, range)
      await t.closures.getSession(ids[0]!)
      await t.closures.initiateEarlyEnd(ids[0]!, UserType.MITRA, { actorId: 'm-1', reason: 'customer_left', idempotencyKey: 'k-2' }).catch(() => {})
    })
    const readers = texts.filter((s) => /^\s*select/i.test(s) && /from "(session_closures|cc_reviews|mitra_daily_counts|session_events)"/.test(s))
    expect(readers.length).toBeGreaterThan(5)
    for (const text of readers) {
      const plan = planOf(t.target, text)
      for (const table of ['session_closures', 'mitra_daily_counts', 'session_events']) expect(fullScan(plan, table), `${text}\n${plan.join('\n')}`).toBe(false)
    }
  })
})

/** 165,000 sessions, the newest 25,000 live (every fifth extending), the rest closed: 500 mitras, 50,000 customers. */
const SESSIONS = 165_000
const LIVE = 25_000
const LIVE_STATUSES = ['active', 'extending'] as const

/** What `session list` asks for, and the index that must serve it. */
const SESSION_LISTS: [string, SessionFilter, string][] = [
  ['the live sessions, newest first', { status: [...LIVE_STATUSES] }, 'sessions_live_ends_at'],
  ['their next page', { status: [...LIVE_STATUSES], after: 150_000 }, 'sessions_live_ends_at'],
  ['the live sessions since a day', { status: [...LIVE_STATUSES], since: '2026-11-24' }, 'sessions_live_ends_at'],
  ['the active ones', { status: ['active'] }, 'sessions_live_ends_at'],
  ['the closing ones', { status: ['closing'] }, 'sessions_closing_grace_ends_at'],
  ["a mitra's live sessions", { status: [...LIVE_STATUSES], mitraId: 'm-7' }, 'sessions_mitra'],
  ["a customer's live sessions", { status: [...LIVE_STATUSES], customerId: 'c-7' }, 'sessions_customer'],
]

describe('SQLite session lists at 165,000 sessions, 25,000 live', () => {
  // one file for every case: they only read it
  let t: Setup
  beforeAll(async () => {
    t = await setup('sqlite')
    const raw = new Database(t.target)
    try {
      const insert = raw.prepare(
        'insert into sessions (customer_id, mitra_id, status, started_at, ends_at, grace_ends_at, closed_at) values (?, ?, ?, ?, ?, ?, ?)',
      )
      raw.transaction(() => {
        for (let i = 0; i < SESSIONS; i++) {
          const at = new Date(START + i * 3_600).toISOString()
          const live = i >= SESSIONS - LIVE
          insert.run(`c-${i % 50_000}`, `m-${i % 500}`, live ? (i % 5 === 0 ? 'extending' : 'active') : 'closed', at, at, live ? null : at, live ? null : at)
        }
      })()
    } finally {
      raw.close()
    }
  }, 60_000)
  afterAll(() => t?.cleanup())

  it.each(SESSION_LISTS)('reads %s through an index, never the whole table', async (_what, filter, index) => {
    const texts = await statementsOf(() => t.closures.listSessions({ ...filter, order: 'newest', limit: 100 }))
    const text = texts.find((s) => /from "sessions"/.test(s))
    expect(text, texts.join('\n')).toBeDefined()
    const plan = planOf(t.target, text!)
    expect(fullScan(plan, 'sessions'), plan.join('\n')).toBe(false)
    expect(plan.join('\n')).toContain(index)
  })

  it('walks the primary key for every status, newest first, from the cursor', async () => {
    const texts = await statementsOf(() => t.closures.listSessions({ order: 'newest', limit: 100, after: 1000 }))
    const plan = planOf(
      t.target,
      texts.find((s) => /from "sessions"/.test(s))!,
    )
    expect(plan.join('\n')).toMatch(/USING INTEGER PRIMARY KEY \(rowid<\?\)/)
  })
})

describe.runIf(ON_POSTGRES)('PostgreSQL session lists at 165,000 sessions, 25,000 live', () => {
  let t: Setup
  beforeAll(async () => {
    t = await setup('postgres')
    await t.handle.write(async (db) => {
      await sql`
        insert into sessions (customer_id, mitra_id, status, started_at, ends_at, grace_ends_at, closed_at)
        select 'c-' || (i % 50000), 'm-' || (i % 500),
          case when i < ${SESSIONS - LIVE} then 'closed' when i % 5 = 0 then 'extending' else 'active' end,
          at, at, case when i < ${SESSIONS - LIVE} then at end, case when i < ${SESSIONS - LIVE} then at end
        from (select i, to_timestamp(${START / 1000} + i * 3.6) as at from generate_series(0, ${SESSIONS - 1}) i) g
      `.execute(db)
      await sql`analyze sessions`.execute(db)
    })
  }, 120_000)
  afterAll(() => t?.cleanup())

  it.each(SESSION_LISTS)('reads %s through an index, never the whole table', async (_what, filter, index) => {
    // the service's query, explained with the service's values (EXPLAIN runs nothing)
    const plan = await t.handle.read((db) => sessionListQuery(db, sessionQueryOf(filter)).explain())
    const text = plan.map((r) => String(r['QUERY PLAN'])).join('\n')
    expect(text).not.toMatch(/Seq Scan on sessions/)
    expect(text).toContain(index)
  })
})

const START = Date.parse('2026-11-17T00:00:00Z')

/** The repository query the service runs for `filter`, newest first (a day as its Jakarta start). */
function sessionQueryOf(filter: SessionFilter): SessionQuery {
  const statuses = filter.status === undefined ? undefined : Array.isArray(filter.status) ? filter.status : [filter.status]
  return {
    ...(statuses === undefined ? {} : { statuses }),
    ...(filter.mitraId === undefined ? {} : { mitraId: filter.mitraId }),
    ...(filter.customerId === undefined ? {} : { customerId: filter.customerId }),
    ...(filter.since === undefined ? {} : { startedSince: '2026-11-23T17:00:00.000Z' }),
    ...(filter.after === undefined ? {} : { idBelow: filter.after }),
    order: 'desc',
    limit: 100,
  }
}
