/**
 * Migration 0004 took indexes away from the write path; every reader they served must still find its
 * rows through an index, not a scan of the table. Each reader runs for real on a SQLite file while the
 * statements it prepares are recorded; EXPLAIN QUERY PLAN then says how SQLite runs each one.
 */
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { createReportService, createReviewService, createWhatIfService, UserType } from '../../src/index.js'
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
      await createReviewService(t.handle, { clock: t.clock }).list()
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
