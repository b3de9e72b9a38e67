/**
 * Stored text written by someone else (another backend, SQL by hand) reaches a person's terminal
 * only escaped: ESC and OSC sequences, C1 controls and bidi overrides never come out raw in text
 * output, while JSON and piped CSV keep the exact values.
 */
import Database from 'better-sqlite3'
import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { BIN, cliOn, tempDb } from './support/cli.js'

/** Retitles the terminal (OSC 0), writes its clipboard (OSC 52), clears the screen, and reverses what follows. */
const HOSTILE = 'm-1\u001b]0;pwned\u0007\u001b]52;c;ZXZpbA==\u0007\u001b[2J\u009b31m\u202eevil'
const RAW = /[\u001b\u0007\u009b\u202e]/

/** A migrated database holding a session, its closure and a review whose ids and note were written raw by another writer. */
async function hostileDatabase(): Promise<string> {
  const db = tempDb()
  expect((await cliOn(db, ['db', 'migrate'])).code).toBe(0)
  const raw = new Database(db)
  try {
    const at = '2026-11-24T02:00:00.000Z'
    raw
      .prepare(`insert into sessions (id, customer_id, mitra_id, status, started_at, ends_at, grace_ends_at) values (7, ?, ?, 'closing', ?, ?, ?)`)
      .run(HOSTILE, HOSTILE, at, '2026-11-24T03:00:00.000Z', '2026-11-24T03:05:00.000Z')
    raw
      .prepare(
        `insert into cc_reviews (id, mitra_id, business_day, trigger, status, opened_at, note) values (1, ?, '2026-11-24', 'daily_cap_reached', 'open', ?, ?)`,
      )
      .run(HOSTILE, at, HOSTILE)
    raw
      .prepare(
        `insert into session_closures (session_id, mitra_id, kind, initiated_by, actor_id, reason, reason_note, business_day, over_cap, review_id, created_at, grace_ends_at)
         values (7, ?, 'early_end', 'mitra', ?, 'other', ?, '2026-11-24', 0, 1, ?, '2026-11-24T03:05:00.000Z')`,
      )
      .run(HOSTILE, HOSTILE, HOSTILE, at)
    raw.prepare(`insert into mitra_daily_counts (mitra_id, business_day, early_end_count) values (?, '2026-11-24', 1)`).run(HOSTILE)
  } finally {
    raw.close()
  }
  return db
}

describe('stored text on a terminal', () => {
  it.each([
    [['session', 'list', '--status', 'closing']],
    [['session', 'show', '7']],
    [['review', 'list']],
    [['review', 'show', '1']],
    [['report', 'closures', '--by', 'mitra', '--from', '2026-11-20', '--to', '2026-11-24']],
    [['report', 'closures', '--detail', '--from', '2026-11-20', '--to', '2026-11-24']],
    [['report', 'cap', '--day', '2026-11-24']],
  ])('%j prints ids and notes with their control characters escaped', async (args) => {
    const db = await hostileDatabase()
    const r = await cliOn(db, args)
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).not.toMatch(RAW)
    expect(r.stdout).toContain('m-1\\u001b]0;pwned\\u0007')
    expect(r.stdout).toContain('\\u202eevil')
  })

  it('keeps the exact values in JSON, spelled so that a terminal shows them inert', async () => {
    const db = await hostileDatabase()
    const r = await cliOn(db, ['session', 'show', '7', '--json'])
    expect(r.code).toBe(0)
    expect(r.stdout).not.toMatch(RAW)
    const s = JSON.parse(r.stdout) as { mitraId: string; closure: { reasonNote: string } }
    expect(s.mitraId).toBe(HOSTILE)
    expect(s.closure.reasonNote).toBe(HOSTILE)
  })

  it('writes CSV verbatim to a pipe and escaped to a terminal', async () => {
    const db = await hostileDatabase()
    const args = ['report', 'closures', '--detail', '--format', 'csv', '--from', '2026-11-20', '--to', '2026-11-24']
    const piped = await cliOn(db, args)
    expect(piped.code).toBe(0)
    expect(piped.stdout).toContain(HOSTILE)

    // script(1) gives the command a pseudo-terminal and copies what it wrote, byte for byte
    const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`
    const line = [process.execPath, BIN, '--db', db, ...args].map(quote).join(' ')
    const onTty = execFileSync('script', ['-qec', line, '/dev/null'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', HALO_NOW: '2026-11-24T03:00:00Z', TERM: 'xterm' },
    })
    expect(onTty).toContain('m-1\\u001b]0;pwned\\u0007')
    expect(onTty).not.toMatch(RAW)
  })
})
