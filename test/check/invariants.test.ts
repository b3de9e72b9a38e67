/**
 * checkInvariants over both engines: a database built through the real
 * services passes every check; then each invariant is broken by a direct SQL
 * write and exactly that check fails, with the number of rows broken.
 */
import { sql } from 'kysely'
import { closeSync, openSync, writeSync } from 'node:fs'
import { describe, expect, it, onTestFinished } from 'vitest'
import { UserType, checkInvariants, openDatabase, simulate, type InvariantReport } from '../../src/index.js'
import { ENGINES, emptyDatabase, type EngineName, type Setup } from '../support/engines.js'
import { enableMitra, expectCode, fresh, mitraEnds, openSessions, tableCounts } from '../support/fixtures.js'

const DAY = '2026-11-24'

async function exec(t: Setup, text: string): Promise<void> {
  await sql.raw(text).execute(t.handle.db)
}

/** The first column of the first row of `text`. */
async function one(t: Setup, text: string): Promise<number> {
  const rows = (await sql.raw<Record<string, unknown>>(text).execute(t.handle.db)).rows
  if (rows.length === 0) throw new Error(`no row for: ${text}`)
  return Number(Object.values(rows[0]!)[0])
}

const TRUE = (t: Setup) => (t.engine === 'postgres' ? 'true' : '1')

/**
 * A database with every kind of closure, written by the services: mitra early ends under, at and past the cap
 * of 2 (allow), one with reason `other`, a customer's, support's, expiries, closing and closed sessions, an
 * active one, and two simulated days on top.
 */
async function healthy(engine: EngineName): Promise<Setup> {
  const t = await fresh(engine)
  await enableMitra(t, { early_end_customer_enabled: true, early_end_mitra_daily_cap: 2, early_end_mitra_over_cap_action: 'allow' })
  await simulate(t.handle, { mitras: 4, sessions: 30, days: 2, endDay: '2026-11-23', seed: 'healthy' })
  const m1 = await openSessions(t, 5, 'm-1')
  const m2 = await openSessions(t, 4, 'm-2')
  for (const id of m1.slice(0, 4)) await mitraEnds(t, id, 'm-1')
  await mitraEnds(t, m2[0]!, 'm-2', { reason: 'other', note: 'di luar topik' })
  await t.closures.initiateEarlyEnd(m1[4]!, UserType.CUSTOMER, { actorId: 'c-4' })
  await t.closures.initiateEarlyEnd(m2[1]!, UserType.SUPPORT, { actorId: 'cs-1', reason: 'customer_abusive' })
  t.clock.advance(10 * 60_000)
  await t.closures.sweep() // the early ends are finalized: closed
  t.clock.advance(55 * 60_000)
  await t.closures.sweep() // m2[2], m2[3] expire: closing
  const late = await openSessions(t, 2, 'm-3')
  await mitraEnds(t, late[0]!, 'm-3') // closing
  return t
}

function failing(report: InvariantReport) {
  return Object.fromEntries(report.checks.filter((c) => !c.ok).map((c) => [c.name, c.violations]))
}

interface Corruption {
  readonly check: string
  readonly violations: number
  readonly what: string
  readonly engines?: readonly EngineName[]
  corrupt(t: Setup): Promise<void>
}

/** SQLite cannot drop a table constraint: rebuild cc_reviews without its uniqueness, as its docs describe. */
async function dropReviewUniqueness(t: Setup): Promise<void> {
  if (t.engine === 'postgres') return exec(t, 'alter table cc_reviews drop constraint cc_reviews_mitra_day_trigger')
  const rows = (await sql.raw<{ sql: string }>(`select sql from sqlite_master where tbl_name = 'cc_reviews' and sql is not null`).execute(t.handle.db)).rows
  const table = rows.find((r) => r.sql.startsWith('CREATE TABLE'))!.sql
  const withoutUnique = table.replace(/, constraint "cc_reviews_mitra_day_trigger" unique \([^)]*\)/, '').replace('"cc_reviews"', '"cc_reviews_new"')
  expect(withoutUnique).not.toMatch(/unique/)
  await exec(t, 'pragma foreign_keys = off')
  await exec(t, withoutUnique)
  await exec(t, 'insert into cc_reviews_new select * from cc_reviews')
  await exec(t, 'drop table cc_reviews')
  await exec(t, 'alter table cc_reviews_new rename to cc_reviews')
  for (const r of rows) if (r.sql.startsWith('CREATE INDEX')) await exec(t, r.sql)
  await exec(t, 'pragma foreign_keys = on')
}

const M1_REVIEW = `select id from cc_reviews where mitra_id = 'm-1'`
const CUSTOMER_CLOSURE = `select id from session_closures where initiated_by = 'customer' and mitra_id = 'm-1'`

const CORRUPTIONS: readonly Corruption[] = [
  {
    check: 'closure_per_closing_session',
    violations: 2,
    what: "a closed session's closure deleted, an active session set closed without one",
    async corrupt(t) {
      await exec(t, `delete from session_closures where id = (${CUSTOMER_CLOSURE})`)
      await exec(
        t,
        `update sessions set status = 'closed', grace_ends_at = ends_at, closed_at = ends_at where id = (select min(id) from sessions where status = 'active')`,
      )
    },
  },
  {
    check: 'closure_session_state',
    violations: 2,
    what: "a closing session put back to active, an expiry's mitra changed",
    async corrupt(t) {
      const closing = await one(t, `select session_id from session_closures where mitra_id = 'm-3'`)
      await exec(t, `update sessions set status = 'active', grace_ends_at = null where id = ${closing}`)
      await exec(t, `update session_closures set mitra_id = 'm-x' where id = (select min(id) from session_closures where kind = 'expired')`)
    },
  },
  {
    check: 'closed_timestamps',
    violations: 3,
    what: "a closed session without closed_at, a closing session's closure finalized, a closing session without grace_ends_at",
    async corrupt(t) {
      await exec(t, `update sessions set closed_at = null where id = (select session_id from session_closures where id = (${CUSTOMER_CLOSURE}))`)
      await exec(t, `update session_closures set finalized_at = created_at where mitra_id = 'm-3'`)
      await exec(t, `update sessions set grace_ends_at = null where id = (select max(session_id) from session_closures where kind = 'expired')`)
    },
  },
  {
    check: 'daily_counter',
    violations: 3,
    what: 'a counter raised, a counter without early ends, a counter deleted',
    async corrupt(t) {
      await exec(t, `update mitra_daily_counts set early_end_count = early_end_count + 1 where mitra_id = 'm-1' and business_day = '${DAY}'`)
      await exec(t, `insert into mitra_daily_counts (mitra_id, business_day, early_end_count) values ('m-9', '${DAY}', 2)`)
      await exec(t, `delete from mitra_daily_counts where mitra_id = 'm-2'`)
    },
  },
  {
    check: 'closure_rollup',
    violations: 3,
    what: 'a rollup count raised, a count of a key without closures, a count deleted',
    async corrupt(t) {
      await exec(
        t,
        `update closure_daily_counts set closure_count = closure_count + 1 where mitra_id = 'm-1' and business_day = '${DAY}' and initiated_by = 'mitra'`,
      )
      await exec(
        t,
        `insert into closure_daily_counts (business_day, mitra_id, initiated_by, reason, closure_count) values ('${DAY}', 'm-9', 'customer', '', 2)`,
      )
      await exec(t, `delete from closure_daily_counts where mitra_id = 'm-2' and initiated_by = 'support'`)
    },
  },
  {
    check: 'one_review_per_day',
    violations: 1,
    what: "a second review for m-1's day, with one of its early ends moved onto it",
    async corrupt(t) {
      await dropReviewUniqueness(t)
      await exec(
        t,
        `insert into cc_reviews (mitra_id, business_day, trigger, status, opened_at) values ('m-1', '${DAY}', 'daily_cap_reached', 'open', '2026-11-24T03:00:00.000Z')`,
      )
      await exec(
        t,
        `update session_closures set review_id = (select max(id) from cc_reviews) where id = (select max(id) from session_closures where mitra_id = 'm-1' and over_cap = ${TRUE(t)})`,
      )
    },
  },
  {
    check: 'closure_review_match',
    violations: 3,
    what: "m-1's review moved to another day (the early end reaching the cap and the two past it point at it)",
    async corrupt(t) {
      await exec(t, `update cc_reviews set business_day = '2026-11-20' where id = (${M1_REVIEW})`)
    },
  },
  {
    check: 'cap_review',
    violations: 2,
    what: "an over-cap early end detached from its review, a customer's end marked over the cap",
    async corrupt(t) {
      await exec(
        t,
        `update session_closures set review_id = null where id = (select max(id) from session_closures where mitra_id = 'm-1' and over_cap = ${TRUE(t)})`,
      )
      await exec(t, `update session_closures set over_cap = ${TRUE(t)} where id = (${CUSTOMER_CLOSURE})`)
    },
  },
  {
    check: 'review_opened_by_closure',
    violations: 1,
    what: 'a review no early end opened',
    async corrupt(t) {
      await exec(
        t,
        `insert into cc_reviews (mitra_id, business_day, trigger, status, opened_at) values ('m-2', '${DAY}', 'daily_cap_reached', 'open', '2026-11-24T03:00:00.000Z')`,
      )
    },
  },
  {
    check: 'closure_actor',
    violations: 3,
    what: "a mitra's end by another mitra, 'other' without its note, an expiry with an actor",
    async corrupt(t) {
      // the events keep the real actor: moved too, so that only the closure's record is wrong
      const [byOther, expiry] = [
        `(select min(id) from session_closures where mitra_id = 'm-1')`,
        `(select max(id) from session_closures where kind = 'expired')`,
      ]
      await exec(
        t,
        `update session_events set actor_id = 'm-2' where event = 'early_end' and session_id = (select session_id from session_closures where id = ${byOther})`,
      )
      await exec(t, `update session_closures set actor_id = 'm-2' where id = ${byOther}`)
      await exec(t, `update session_closures set reason_note = '  ' where reason = 'other' and mitra_id = 'm-2'`)
      await exec(
        t,
        `update session_events set actor_id = 'ops' where event = 'expired' and session_id = (select session_id from session_closures where id = ${expiry})`,
      )
      await exec(t, `update session_closures set actor_id = 'ops' where id = ${expiry}`)
    },
  },
  {
    check: 'closure_event',
    violations: 2,
    what: "support's early-end event deleted, a customer's event recorded as the mitra's",
    async corrupt(t) {
      await exec(t, `delete from session_events where event = 'early_end' and actor_type = 'support'`)
      await exec(
        t,
        `update session_events set actor_type = 'mitra' where event = 'early_end' and actor_type = 'customer' and session_id = (select session_id from session_closures where id = (${CUSTOMER_CLOSURE}))`,
      )
    },
  },
  {
    check: 'finalized_event',
    violations: 1,
    what: "a closed session's finalized event deleted",
    async corrupt(t) {
      await exec(
        t,
        `delete from session_events where event = 'finalized' and session_id = (select session_id from session_closures where id = (${CUSTOMER_CLOSURE}))`,
      )
    },
  },
  {
    check: 'sqlite_integrity',
    violations: 1,
    what: 'a goodbye of a missing session, written with foreign keys off (as the sqlite3 shell does)',
    engines: ['sqlite'],
    async corrupt(t) {
      await exec(t, 'pragma foreign_keys = off')
      await exec(
        t,
        `insert into session_goodbyes (session_id, side, actor_id, message, created_at) values (999999, 'mitra', 'm-1', 'x', '2026-11-24T03:00:00.000Z')`,
      )
      await exec(t, 'pragma foreign_keys = on')
    },
  },
  {
    check: 'no_self_session',
    violations: 1,
    what: 'an active session written with its mitra as its customer',
    async corrupt(t) {
      await exec(t, `update sessions set customer_id = mitra_id where id = (select max(id) from sessions)`)
    },
  },
  {
    check: 'no_future_stamps',
    violations: 2,
    what: "a session's start and an event stamped in 2999",
    async corrupt(t) {
      await exec(t, `update sessions set started_at = '2999-01-01T00:00:00.000Z' where id = (select max(id) from sessions)`)
      await exec(t, `update session_events set created_at = '2999-01-01T00:00:00.000Z' where id = (select min(id) from session_events)`)
    },
  },
  {
    check: 'id_format',
    violations: 2,
    what: 'a customer id with an escape sequence, a resolved_by with a space',
    async corrupt(t) {
      await exec(
        t,
        `update sessions set customer_id = 'c-1' || ${t.engine === 'postgres' ? 'chr(27)' : 'char(27)'} || '[2J' where id = (select max(id) from sessions)`,
      )
      await exec(t, `update config_audit set actor = 'ops ana' where id = (select min(id) from config_audit)`)
    },
  },
]

describe.each(ENGINES)('checkInvariants on %s', (engine) => {
  it('passes a database written by the services, every check run (PostgreSQL: no SQLite file check)', async () => {
    const t = await healthy(engine)
    const before = await tableCounts(t.handle)
    expect(before.session_closures).toBeGreaterThan(20)
    const report = await checkInvariants(t.handle)
    expect(failing(report)).toEqual({})
    expect(report.ok).toBe(true)
    expect(report.engine).toBe(engine)
    const dataChecks = CORRUPTIONS.filter((c) => c.engines === undefined).map((c) => c.check)
    expect(report.checks.map((c) => c.name)).toEqual(engine === 'postgres' ? dataChecks : ['sqlite_integrity', ...dataChecks])
    expect(report.checks.filter((c) => c.skipped)).toEqual([])
    expect(await tableCounts(t.handle)).toEqual(before)
  })

  it.each(CORRUPTIONS.filter((c) => c.engines?.includes(engine) ?? true))('fails $check alone with $violations violations: $what', async (c) => {
    const t = await healthy(engine)
    expect((await checkInvariants(t.handle)).ok).toBe(true)
    await c.corrupt(t)
    const report = await checkInvariants(t.handle)
    expect(report.ok).toBe(false)
    expect(failing(report)).toEqual({ [c.check]: c.violations })
    const broken = report.checks.find((x) => x.name === c.check)!
    expect(broken.examples).toHaveLength(Math.min(c.violations, 5))
  })
})

describe.each(ENGINES)('checkInvariants on a database of another version, on %s', (engine) => {
  it('refuses with DB_ERROR a database not migrated yet, saying to migrate it', async () => {
    const h = await openDatabase(await emptyDatabase(engine))
    onTestFinished(() => h.close())
    expect((await expectCode(checkInvariants(h), 'DB_ERROR')).message).toMatch(/not migrated to this version: run migrateToLatest/)
  })

  it('refuses with DB_ERROR a database migrated by a newer halo-admin', async () => {
    const t = await fresh(engine)
    await exec(t, `insert into kysely_migration (name, timestamp) values ('9999-from-the-future', '2026-11-24T03:00:00.000Z')`)
    expect((await expectCode(checkInvariants(t.handle), 'DB_ERROR')).message).toMatch(/newer halo-admin/)
  })
})

describe('checkInvariants on SQLite files', () => {
  it('only reads: it runs on a handle opened read-only', async () => {
    const t = await healthy('sqlite')
    await t.handle.close()
    const ro = await openDatabase(t.target, { readonly: true })
    try {
      expect((await checkInvariants(ro)).ok).toBe(true)
    } finally {
      await ro.close()
    }
  })

  it('reports a damaged file (an index page overwritten) and skips the data checks', async () => {
    const t = await healthy('sqlite')
    const root = await one(t, `select rootpage from sqlite_master where name = 'session_closures_day_initiator_mitra'`)
    const pageSize = await one(t, 'pragma page_size')
    await t.handle.close() // checkpoints the WAL into the file
    const fd = openSync(t.target, 'r+')
    writeSync(fd, Buffer.alloc(pageSize, 0x5a), 0, pageSize, (root - 1) * pageSize)
    closeSync(fd)
    const h = await openDatabase(t.target)
    try {
      for (const integrity of ['quick', 'full'] as const) {
        const report = await checkInvariants(h, { integrity })
        expect(report.ok).toBe(false)
        const file = report.checks[0]!
        expect(file).toMatchObject({ name: 'sqlite_integrity', ok: false })
        expect(file.violations).toBeGreaterThan(0)
        expect(file.examples.join('\n')).toMatch(/page|index|tree/i)
        expect(report.checks.slice(1).every((c) => c.skipped && c.ok)).toBe(true)
      }
    } finally {
      await h.close()
    }
  })
})
