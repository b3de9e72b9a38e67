import Database from 'better-sqlite3'
import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/index.js'
import { estimateLeft } from '../../src/cli/commands/simulate.js'
import { BIN, cli, cliOn, tempDb } from './support/cli.js'
import { expectRefused } from './support/data.js'

const SMALL = ['--days', '3', '--sessions', '120', '--mitras', '8']
/** 23:59 in Jakarta: simulate plays nothing after now, so whole days need a clock at their end. */
const END_OF_DAY = '2026-11-24T16:59:00Z'

/** A fresh file with both early ends on. */
async function enabled(): Promise<string> {
  const db = tempDb()
  await cliOn(db, ['flag', 'set', 'early_end_mitra_enabled', 'true'])
  await cliOn(db, ['flag', 'set', 'early_end_customer_enabled', 'true'])
  return db
}

async function summary(db: string, args: string[], now?: string) {
  const r = await cliOn(db, ['--json', 'simulate', ...args], { now: now ?? END_OF_DAY })
  expect(r).toMatchObject({ code: 0, stderr: '' })
  return JSON.parse(r.stdout)
}

describe('halo-admin simulate', () => {
  it('gives the same summary for the same seed on two fresh files, another for another seed', async () => {
    const a = await summary(await enabled(), [...SMALL, '--seed', 'same'])
    const b = await summary(await enabled(), [...SMALL, '--seed', 'same'])
    expect(a).toEqual(b)
    expect(a.attempts).toBeGreaterThan(0)
    expect(a.refused.DAILY_CAP_REACHED).toBeGreaterThan(0)
    const c = await summary(await enabled(), [...SMALL, '--seed', 'other'])
    expect(c).not.toEqual(a)
    // one transaction per call changes nothing in the outcome
    expect(await summary(await enabled(), [...SMALL, '--seed', 'same', '--batch', '1'])).toEqual(a)
  })

  it('prints the library summary with --json, and it agrees with what the database holds', async () => {
    const db = await enabled()
    const s = await summary(db, [...SMALL, '--seed', 'count', '--mitra-rate', '0.4', '--customer-rate', '0.1'])
    expect(Object.keys(s).sort()).toEqual(
      [
        'seed',
        'from',
        'to',
        'days',
        'mitras',
        'customers',
        'sessions',
        'attempts',
        'succeeded',
        'refused',
        'overCap',
        'reviewsOpened',
        'byInitiator',
        'expired',
        'finalized',
      ].sort(),
    )
    expect(s).toMatchObject({ seed: 'count', from: '2026-11-22', to: '2026-11-24', days: 3, mitras: 8, customers: 80, sessions: 360 })
    const handle = await openDatabase(db)
    try {
      const count = async (table: 'sessions' | 'cc_reviews' | 'session_closures', kind?: string) => {
        let q = handle.db.selectFrom(table as 'session_closures').select((e) => e.fn.countAll<number>().as('n'))
        if (kind !== undefined) q = q.where('kind', '=', kind)
        return Number((await q.executeTakeFirstOrThrow()).n)
      }
      expect(await count('sessions')).toBe(s.sessions)
      expect(await count('cc_reviews')).toBe(s.reviewsOpened)
      expect(await count('session_closures', 'early_end')).toBe(s.succeeded)
      expect(await count('session_closures', 'expired')).toBe(s.expired)
    } finally {
      await handle.close()
    }
    const refused = Object.values(s.refused as Record<string, number>).reduce((a, b) => a + b, 0)
    expect(s.succeeded + refused).toBe(s.attempts)
  })

  it('ends the simulated days on the business day of HALO_NOW', async () => {
    expect(await summary(await enabled(), ['--days', '2', '--sessions', '5'], '2026-11-24T16:59:59Z')).toMatchObject({ from: '2026-11-23', to: '2026-11-24' })
    expect(await summary(await enabled(), ['--days', '2', '--sessions', '5'], '2026-11-24T17:00:00Z')).toMatchObject({ from: '2026-11-24', to: '2026-11-25' })
  })

  it('prints a summary for people and no progress bar without a terminal', async () => {
    const db = await enabled()
    const r = await cliOn(db, ['simulate', ...SMALL, '--seed', 'people'], { now: END_OF_DAY })
    expect(r.code).toBe(0)
    expect(r.stderr).toBe('')
    expect(r.stdout).toMatch(/^simulated 2026-11-22 … 2026-11-24 \(3 days, seed people\): 360 sessions, 8 mitras, 80 customers\n/)
    for (const row of ['early-end attempts', 'succeeded', 'refused', 'refused at cap', 'reviews opened', 'expired', 'finalized'])
      expect(r.stdout).toMatch(new RegExp(`^${row} +\\d+`, 'm'))
    expect(r.stdout).toMatch(/DAILY_CAP_REACHED \d+/)
  })

  it('counts in the singular when there is one of a kind: 1 day, 1 session, never "1 days"', async () => {
    const db = await enabled()
    const r = await cliOn(db, ['simulate', '--days', '1', '--sessions', '1', '--mitras', '1', '--customers', '1', '--seed', 'one'], {
      now: END_OF_DAY,
    })
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^simulated 2026-11-24 … 2026-11-24 \(1 day, seed one\): 1 session, 1 mitra, 1 customer\n/)
  })

  it.each([
    [
      'both off',
      {},
      /^EARLY_END_DISABLED \d+: early ends by mitras and customers are off; `halo-admin flag set early_end_mitra_enabled true` and `halo-admin flag set early_end_customer_enabled true` turn them on$/m,
    ],
    [
      'mitras on',
      { early_end_mitra_enabled: 'true' },
      /^EARLY_END_DISABLED \d+: early ends by customers are off; `halo-admin flag set early_end_customer_enabled true` turns them on$/m,
    ],
    [
      'customers on',
      { early_end_customer_enabled: 'true' },
      /^EARLY_END_DISABLED \d+: early ends by mitras are off; `halo-admin flag set early_end_mitra_enabled true` turns them on$/m,
    ],
  ])('says how to turn on only the early ends that are off (%s)', async (_what, flags, hint) => {
    const db = tempDb()
    for (const [key, value] of Object.entries(flags)) await cliOn(db, ['flag', 'set', key, value])
    const r = await cliOn(db, ['simulate', '--days', '1', '--sessions', '60', '--customer-rate', '0.3'], { now: END_OF_DAY })
    expect(r).toMatchObject({ code: 0, stderr: '' })
    expect(r.stdout).toMatch(hint)
    expect(r.stdout.match(/EARLY_END_DISABLED \d+:/g)).toHaveLength(1)
  })

  it('gives no hint to turn on what is on', async () => {
    const r = await cliOn(await enabled(), ['simulate', '--days', '1', '--sessions', '60'], { now: END_OF_DAY })
    expect(r.code).toBe(0)
    expect(r.stdout).not.toContain('flag set')
    expect(r.stdout).not.toContain('EARLY_END_DISABLED')
  })

  it('speaks of the cap as the over-cap action in force has it: refused under block, allowed past it under allow', async () => {
    const args = ['simulate', ...SMALL, '--seed', 'cap', '--mitra-rate', '0.6']
    const block = await cliOn(await enabled(), args, { now: END_OF_DAY })
    expect(block.code).toBe(0)
    expect(block.stdout).toMatch(/^refused at cap +[1-9]\d* +refused at the daily cap \(over_cap_action block: none allowed past it\)$/m)
    expect(block.stdout).not.toMatch(/^over cap|allow\)/m)
    const db = await enabled()
    await cliOn(db, ['flag', 'set', 'early_end_mitra_over_cap_action', 'allow'])
    const allow = await cliOn(db, args, { now: END_OF_DAY })
    expect(allow.stdout).toMatch(/^over cap +[1-9]\d* +allowed past the daily cap and marked over_cap \(over_cap_action allow\)$/m)
    expect(allow.stdout).not.toMatch(/^refused at cap/m)
  })

  it('estimates the time left from the pace so far, which a quick or slow stretch moves only a little', () => {
    expect(estimateLeft(0, 100, 5000)).toBeNull()
    expect(estimateLeft(10, 100, 500)).toBeNull()
    expect(estimateLeft(50, 100, 10_000)).toBe(10_000)
    // after a day's sweep stalls the count for 2 s, then it catches up: the estimate drifts, it does not jump
    const at = [estimateLeft(300, 1200, 6000)!, estimateLeft(300, 1200, 8000)!, estimateLeft(400, 1200, 8500)!]
    expect(at[0]).toBe(18_000)
    for (let i = 1; i < at.length; i++) expect(Math.abs(at[i]! - at[i - 1]!) / at[i - 1]!).toBeLessThan(0.35)
  })

  it('prints what it did when the database fails part-way, then the error: one line, exit 6', async () => {
    const db = await enabled()
    const writer = new Database(db)
    writer.exec('begin immediate')
    try {
      const r = await cliOn(db, ['--json', 'simulate', '--days', '1', '--sessions', '10'], { timeoutMs: 30_000 })
      expect(r.code).toBe(6)
      expect(JSON.parse(r.stdout)).toMatchObject({ sessions: 0, attempts: 0, error: { code: 'DB_ERROR' } })
      expect(JSON.parse(r.stderr)).toEqual({ error: { code: 'DB_ERROR', message: expect.stringContaining('busy') } })
    } finally {
      writer.exec('rollback')
      writer.close()
    }
  })

  it('draws a progress bar on stderr when it is a terminal', () => {
    const db = tempDb()
    const cmd = `"${process.execPath}" "${BIN}" --db "${db}" simulate --days 2 --sessions 600 --batch 100`
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', HALO_NOW: '2026-11-24T03:00:00Z', TERM: 'xterm' },
      encoding: 'utf8',
      timeout: 30_000,
    })
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/simulating \[[█░]+\] \d+\/1200 sessions/)
    expect(r.stdout).toContain('simulated 2026-11-23 … 2026-11-24')
  })

  it.each([
    [['--mitras', '0']],
    [['--mitras', 'many']],
    [['--sessions', '-1']],
    [['--days', '0']],
    [['--days', '367']],
    [['--seed', '']],
    [['--seed', 'x'.repeat(101)]],
    [['--mitra-rate', '1.5']],
    [['--mitra-rate', 'half']],
    [['--customer-rate', '-0.1']],
    [['--mitra-rate', '0.8', '--customer-rate', '0.3']],
    [['--batch', '0']],
    [['--customers', '0']],
    [['now']],
    [['--nope']],
  ])('refuses simulate %j: exit 2, one line, the database unchanged', async (args) => {
    await expectRefused(await enabled(), ['simulate', ...args])
  })

  it('ends --help with examples', async () => {
    expect((await cli(['simulate', '--help'])).stdout).toMatch(/Examples:\n( {2}\$ .+\n)+$/)
  })
})
