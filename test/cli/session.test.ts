/**
 * `halo-admin session …` as a script runs it: the built binary, no terminal
 * (so `session end` needs --yes), HALO_NOW fixing the clock. Every exit
 * status the group gives without a prompt (0, 2, 3, 4, 5), the --json shapes,
 * and proof that refusals and dry runs leave the database as it was.
 * The prompts are in session-prompt.test.ts.
 */
import { osIdentity } from '../../src/access/identity.js'
import Database from 'better-sqlite3'
import { existsSync } from 'node:fs'
import { dirname } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt } from '../support/fixtures.js'
import { cli, cliOn, errorLine, tempDb, type CliRun, newDbPath } from './support/cli.js'
import { everything, seededDb, sessionIn, type SessionSeed } from './support/sessions.js'
import { NOW } from '../support/time.js'

// build dist/ once up front (others may be changing src/ meanwhile), not inside the first test's time
beforeAll(() => void ensureBuilt())
// and any spawn may wait for a rebuild when src/ changed again: room for one
const SLOW = { timeout: 120_000 }

/** A SQLite file with `flags` set and `sessions` opened at NOW. */
const seeded = (flags: Record<string, unknown>, sessions: readonly SessionSeed[] = []) => seededDb(NOW, flags, sessions)
const detail = sessionIn

function json<T = any>(r: CliRun): T {
  expect(r.stderr).toBe('')
  expect(r.code).toBe(0)
  return JSON.parse(r.stdout) as T
}

/** Asserts a one-line refusal with `code` and exit `status`, stdout empty. */
function refused(r: CliRun, status: number, code: string): string {
  expect({ status: r.code, stdout: r.stdout }, r.stderr).toEqual({ status, stdout: '' })
  const line = errorLine(r)
  expect(line.code).toBe(code)
  return line.message
}

const MITRA_ON = { early_end_mitra_enabled: true }
const TWO = [
  { mitra: 'm-1', customer: 'c-1' },
  { mitra: 'm-1', customer: 'c-2', minutes: 30 },
]

describe('halo-admin session open, list, show', SLOW, () => {
  it('opens a session, lists it with the time it has left, and shows it', async () => {
    const db = tempDb()
    const opened = await cliOn(db, ['session', 'open', '--mitra', 'm-1', '--customer', 'c-9', '--minutes', '30'])
    expect(opened).toMatchObject({ code: 0, stderr: '' })
    expect(opened.stdout).toBe('opened session 1: mitra m-1, customer c-9, active, 30m left; ends 2026-11-24 10:30 WIB\n')
    const s = json(await cliOn(db, ['--json', 'session', 'open', '--mitra', 'm-2', '--customer', 'c-8', '--status', 'extending']))
    expect(s).toEqual({
      id: 2,
      customerId: 'c-8',
      mitraId: 'm-2',
      status: 'extending',
      startedAt: '2026-11-24T03:00:00.000Z',
      endsAt: '2026-11-24T04:00:00.000Z',
      graceEndsAt: null,
      closedAt: null,
    })

    const list = await cliOn(db, ['session', 'list'], { now: '2026-11-24T03:10:30Z' })
    expect(list.code).toBe(0)
    const lines = list.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^id\s+status\s+mitra\s+customer\s+started\s+ends\s+time$/)
    // newest first
    expect(lines[1]).toMatch(/^ 2\s+extending\s+m-2\s+c-8\s+.*49m 30s left$/)
    expect(lines[2]).toMatch(/^ 1\s+active\s+m-1\s+c-9\s+2026-11-24 10:00 WIB\s+2026-11-24 10:30 WIB\s+19m 30s left$/)
    expect(lines).toHaveLength(3)

    // past its end and not swept yet
    expect((await cliOn(db, ['session', 'list', '--mitra', 'm-1'], { now: '2026-11-24T03:31:00Z' })).stdout).toMatch(/overdue 1m \(sweep\)\n$/)

    const shown = json(await cliOn(db, ['--json', 'session', 'show', '2']))
    expect(shown).toEqual({
      ...s,
      closure: null,
      goodbyes: [],
      events: [{ id: expect.any(Number), event: 'opened', fromStatus: null, toStatus: s.status, actorType: 'system', actorId: null, at: s.startedAt }],
      // where the event feed stood: `events --after` it gives what happens next
      cursor: expect.any(String),
    })
  })

  it('filters by status and mitra, and limits', async () => {
    const { db, ids } = await seeded(MITRA_ON, [...TWO, { mitra: 'm-2', customer: 'c-3' }])
    expect((await cliOn(db, ['session', 'end', String(ids[0]), '--as', 'mitra', '--reason', 'customer_left', '--yes'])).code).toBe(0)

    const byStatus = json<{ id: number }[]>(await cliOn(db, ['--json', 'session', 'list', '--status', 'closing,closed']))
    expect(byStatus.map((s) => s.id)).toEqual([ids[0]])
    const running = json<{ id: number; status: string }[]>(await cliOn(db, ['session', 'list', '--status', 'active,extending', '--json']))
    expect(running.map((s) => s.id)).toEqual([ids[2], ids[1]])
    const ofMitra = json<{ mitraId: string }[]>(await cliOn(db, ['--json', 'session', 'list', '--mitra', 'm-2']))
    expect(ofMitra.map((s) => s.mitraId)).toEqual(['m-2'])
    expect(json(await cliOn(db, ['--json', 'session', 'list', '--mitra', 'nobody']))).toEqual([])
    const none = await cliOn(db, ['session', 'list', '--mitra', 'nobody'])
    expect(none.stdout).toBe('')
    expect(none.stderr).toMatch(/^no (live )?sessions match\n$/)
    // nothing live for this customer: stderr says what there is in other statuses, and how to list it
    const notLive = await cliOn(db, ['session', 'list', '--customer', 'c-1'])
    expect(notLive.stdout).toBe('')
    expect(notLive.stderr).toMatch(
      /^1 session of customer c-1 in other statuses \(closing\); list them: .*halo-admin\S* --db \S+ session list --all --customer c-1$/m,
    )

    const limited = await cliOn(db, ['session', 'list', '--all', '--limit', '2'])
    // the header and two rows; the next page's command on stderr
    expect(limited.stdout.trimEnd().split('\n')).toHaveLength(3)
    expect(limited.stderr).toMatch(/^more sessions; next page: /)
    expect(limited.stdout).toMatch(/^ 3\s+active\s+m-2/m)
    const rest = await cliOn(db, ['session', 'list', '--all', '--limit', '2', '--after', '2'])
    expect(rest.stdout).toMatch(/closing\s+m-1\s+c-1\s+.*grace 5m left/)
    expect(json<unknown[]>(await cliOn(db, ['--json', 'session', 'list', '--all', '--limit', '2']))).toHaveLength(2)
  })

  it('shows a session with its closure and goodbyes, people’s text quoted on one line', async () => {
    const { db, ids } = await seeded(MITRA_ON, TWO)
    const id = String(ids[0])
    const note = 'koneksi "putus"\nlagi 🙏'
    await cliOn(db, ['session', 'end', id, '--as', 'mitra', '--reason', 'other', '--note', note, '--yes'])
    await cliOn(db, ['session', 'goodbye', id, '--as', 'customer', '--message', 'Makasih\u001b[31m'], { now: '2026-11-24T03:01:00Z' })

    const human = await cliOn(db, ['session', 'show', id], { now: '2026-11-24T03:02:00Z' })
    expect(human.code).toBe(0)
    expect(human.stdout).toContain('session     1 closing (grace 3m left)')
    expect(human.stdout).toContain('closure     early_end by mitra m-1, day 2026-11-24, reason other "koneksi \\"putus\\"\\nlagi 🙏"')
    expect(human.stdout).toContain('goodbyes    customer c-1 at 2026-11-24 10:01:00 WIB: "Makasih\\u001b[31m"')
    expect(human.stdout).not.toContain('\u001b')

    const shown = json(await cliOn(db, ['--json', 'session', 'show', id]))
    expect(shown).toMatchObject({
      id: ids[0],
      status: 'closing',
      graceEndsAt: '2026-11-24T03:05:00.000Z',
      closure: { kind: 'early_end', initiatedBy: 'mitra', actorId: 'm-1', reason: 'other', reasonNote: note, businessDay: '2026-11-24', overCap: false },
      goodbyes: [{ side: 'customer', actorId: 'c-1', message: 'Makasih\u001b[31m', at: '2026-11-24T03:01:00.000Z' }],
    })
  })

  it('gives SESSION_NOT_FOUND, exit 3, for a session that does not exist', async () => {
    const { db } = await seeded(MITRA_ON, TWO)
    expect(refused(await cliOn(db, ['session', 'show', '99']), 3, 'SESSION_NOT_FOUND')).toBe('no session 99')
    const r = await cliOn(db, ['--json', 'session', 'show', '99'])
    expect(r.code).toBe(3)
    expect(JSON.parse(r.stderr)).toEqual({ error: { code: 'SESSION_NOT_FOUND', message: 'no session 99' } })
  })
})

/** A migrated file with `n` sessions written straight into the table, opened a minute apart up to NOW: every third closed, every fifth extending. */
async function manySessions(n: number): Promise<string> {
  const { db } = await seeded({})
  const raw = new Database(db)
  try {
    const insert = raw.prepare('insert into sessions (customer_id, mitra_id, status, started_at, ends_at, closed_at) values (?, ?, ?, ?, ?, ?)')
    raw.transaction(() => {
      for (let i = 1; i <= n; i++) {
        const started = new Date(Date.parse(NOW) - (n - i) * 60_000)
        const status = i % 3 === 0 ? 'closed' : i % 5 === 0 ? 'extending' : 'active'
        const ends = new Date(started.getTime() + (status === 'closed' ? 60_000 : 7 * 86_400_000))
        insert.run(`c-${i % 7}`, `m-${i % 4}`, status, started.toISOString(), ends.toISOString(), status === 'closed' ? ends.toISOString() : null)
      }
    })()
  } finally {
    raw.close()
  }
  return db
}

/** The arguments of the command a page ends with (`more sessions; next page:  halo-admin …`), after `halo-admin`; null on the last page. */
function nextPage(r: CliRun): string[] | null {
  const m = /^more sessions; next page: {2}(.+)$/m.exec(r.stderr)
  if (m === null) return null
  const words = m[1]!.split(' ')
  // after `node bin/halo-admin.js`, as the tests run it
  return words.slice(words.findIndex((w) => w.endsWith('halo-admin.js')) + 1)
}

const idsOf = (r: CliRun) => [...r.stdout.matchAll(/^ *(\d+) {2}/gm)].map((m) => Number(m[1]))

describe('halo-admin session list: live sessions, newest first, a page at a time', SLOW, () => {
  it('lists the live sessions by default, newest first; --all and --status list others', async () => {
    const { db, ids } = await seeded(MITRA_ON, [...TWO, { mitra: 'm-2', customer: 'c-3' }])
    await cliOn(db, ['session', 'end', String(ids[1]), '--as', 'mitra', '--reason', 'customer_left', '--yes'])
    expect((await cliOn(db, ['sweep'], { now: '2026-11-24T03:10:00Z' })).code).toBe(0)
    const now = { now: '2026-11-24T03:10:00Z' }
    expect(json<{ id: number }[]>(await cliOn(db, ['--json', 'session', 'list'], now)).map((s) => s.id)).toEqual([ids[2], ids[0]])
    expect(idsOf(await cliOn(db, ['session', 'list'], now))).toEqual([ids[2], ids[0]])
    expect(json<{ id: number }[]>(await cliOn(db, ['--json', 'session', 'list', '--all'], now)).map((s) => s.id)).toEqual([ids[2], ids[1], ids[0]])
    expect(json<{ id: number }[]>(await cliOn(db, ['--json', 'session', 'list', '--status', 'closed'], now)).map((s) => s.id)).toEqual([ids[1]])
    expect(refused(await cliOn(db, ['session', 'list', '--all', '--status', 'closed']), 2, 'INVALID_INPUT')).toContain('--all')
    const empty = await seeded({})
    expect(await cliOn(empty.db, ['session', 'list'])).toMatchObject({ stdout: '', stderr: 'no live sessions (--all lists every status)\n' })
  })

  it('filters by customer and by a start time given as a business day or an instant', async () => {
    const db = await manySessions(3 * 24 * 60)
    const all = json<{ id: number; customerId: string; startedAt: string; status: string }[]>(
      await cliOn(db, ['--json', 'session', 'list', '--all', '--limit', '100000']),
    )
    const ofCustomer = json<{ id: number; customerId: string }[]>(await cliOn(db, ['--json', 'session', 'list', '--customer', 'c-3', '--limit', '100000']))
    expect(ofCustomer.map((s) => s.id)).toEqual(all.filter((s) => s.customerId === 'c-3' && s.status !== 'closed').map((s) => s.id))
    // 2026-11-24 in Jakarta starts at 2026-11-23T17:00:00Z
    const today = json<{ startedAt: string }[]>(await cliOn(db, ['--json', 'session', 'list', '--all', '--since', '2026-11-24', '--limit', '100000']))
    expect(today.length).toBe(all.filter((s) => s.startedAt >= '2026-11-23T17:00:00.000Z').length)
    expect(today.at(-1)!.startedAt).toBe('2026-11-23T17:00:00.000Z')
    const lastHour = json<{ startedAt: string }[]>(
      await cliOn(db, ['--json', 'session', 'list', '--all', '--since', '2026-11-24T09:00:00+07:00', '--limit', '100000']),
    )
    expect(lastHour).toHaveLength(61)
    refused(await cliOn(db, ['session', 'list', '--since', 'tomorrow']), 2, 'INVALID_INPUT')
  })

  it('says when there is more, with the command that gives the next page', async () => {
    const db = await manySessions(30)
    const first = await cliOn(db, ['session', 'list', '--mitra', 'm-1', '--limit', '3'])
    expect(first).toMatchObject({ code: 0 })
    // m-1's live sessions: 29, 25, 17, 13, 5, 1 (9 and 21 are closed)
    expect(idsOf(first)).toEqual([29, 25, 17])
    // only the rows on stdout (| awk, | wc -l); the next page's command on stderr
    expect(first.stdout.trimEnd().split('\n')).toHaveLength(4)
    expect(first.stderr).toMatch(/^more sessions; next page: {2}node bin\/halo-admin.js --db \S+ session list --mitra m-1 --limit 3 --after 17\n$/)
    const second = await cli(nextPage(first)!, { env: { HALO_NOW: NOW } })
    expect(idsOf(second)).toEqual([13, 5, 1])
    // the last page says nothing more, even when it is full
    expect(nextPage(second)).toBeNull()
    expect(await cliOn(db, ['session', 'list', '--after', '1'])).toMatchObject({ stdout: '', stderr: 'no sessions after 1\n' })
  })

  it('pages through 2,500 sessions with --after, visiting each exactly once, in order', async () => {
    const db = await manySessions(2500)
    const seen: number[] = []
    let args: string[] | null = ['--db', db, '--utc', 'session', 'list', '--all', '--limit', '400']
    let pages = 0
    while (args !== null) {
      const page = await cli(args, { env: { HALO_NOW: NOW } })
      expect(page.code, page.stderr).toBe(0)
      seen.push(...idsOf(page))
      args = nextPage(page)
      pages++
    }
    expect(pages).toBe(7)
    expect(seen).toEqual(Array.from({ length: 2500 }, (_, i) => 2500 - i))
    // the live ones the same way, by JSON pages
    const live: number[] = []
    for (let after: number | undefined; ;) {
      const page = json<{ id: number; status: string }[]>(
        await cliOn(db, ['--json', 'session', 'list', '--limit', '300', ...(after === undefined ? [] : ['--after', String(after)])]),
      )
      if (page.length === 0) break
      expect(page.every((s) => s.status === 'active' || s.status === 'extending')).toBe(true)
      live.push(...page.map((s) => s.id))
      after = page.at(-1)!.id
    }
    expect(live).toEqual(seen.filter((id) => id % 3 !== 0))
  })
})

describe('times', SLOW, () => {
  it('shows times in the business time zone with its abbreviation, or in UTC with --utc; JSON stays ISO UTC', async () => {
    const { db, ids } = await seeded({ ...MITRA_ON, business_timezone: 'Asia/Makassar' }, TWO)
    await cliOn(db, ['session', 'end', String(ids[0]), '--as', 'mitra', '--reason', 'customer_left', '--yes'])
    const local = await cliOn(db, ['session', 'show', String(ids[0])])
    expect(local.stdout).toContain('started     2026-11-24 11:00 WITA')
    expect(local.stdout).toContain('grace ends  2026-11-24 11:05 WITA')
    const utc = await cliOn(db, ['session', 'show', String(ids[0]), '--utc'])
    expect(utc.stdout).toContain('started     2026-11-24 03:00 UTC')
    expect(utc.stdout).toContain('grace ends  2026-11-24 03:05 UTC')
    expect((await cliOn(db, ['--utc', 'session', 'list'])).stdout).toMatch(
      /^ 2\s+active\s+m-1\s+c-2\s+2026-11-24 03:00 UTC\s+2026-11-24 03:30 UTC\s+30m left$/m,
    )
    expect(json(await cliOn(db, ['--json', '--utc', 'session', 'show', String(ids[0])]))).toMatchObject({ startedAt: '2026-11-24T03:00:00.000Z' })
    expect(json(await cliOn(db, ['--json', 'session', 'show', String(ids[0])]))).toMatchObject({ startedAt: '2026-11-24T03:00:00.000Z' })
  })

  it('prints the events of a session, oldest first, each with its time and who acted', async () => {
    const { db, ids } = await seeded(MITRA_ON, TWO)
    const id = String(ids[0])
    await cliOn(db, ['session', 'end', id, '--as', 'mitra', '--reason', 'customer_left', '--yes'], { now: '2026-11-24T03:02:00Z' })
    await cliOn(db, ['session', 'goodbye', id, '--as', 'mitra', '--message', 'bye'], { now: '2026-11-24T03:03:00Z' })
    await cliOn(db, ['sweep'], { now: '2026-11-24T03:08:00Z' })
    const lines = (await cliOn(db, ['session', 'show', id], { now: '2026-11-24T03:09:00Z' })).stdout.split('\n')
    const at = lines.findIndex((l) => l.startsWith('events'))
    expect(lines.slice(at, at + 4).map((l) => l.replace(/ +/g, ' '))).toEqual([
      'events 2026-11-24 10:00:00 WIB opened - → active by system',
      ' 2026-11-24 10:02:00 WIB early_end active → closing by mitra m-1',
      ' 2026-11-24 10:03:00 WIB goodbye closing → closing by mitra m-1',
      ' 2026-11-24 10:08:00 WIB finalized closing → closed by system',
    ])
  })
})

describe('halo-admin session end (no terminal: --yes)', SLOW, () => {
  it('ends a mitra’s own session and prints the library’s EarlyEndResult with --json', async () => {
    const { db, ids } = await seeded(MITRA_ON, TWO)
    const r = json(await cliOn(db, ['--json', 'session', 'end', String(ids[0]), '--as', 'mitra', '--reason', 'customer_left', '--yes']))
    expect(r).toEqual({
      sessionId: ids[0],
      status: 'closing',
      closure: {
        id: 1,
        sessionId: ids[0],
        kind: 'early_end',
        initiatedBy: 'mitra',
        actorId: 'm-1',
        reason: 'customer_left',
        reasonNote: null,
        businessDay: '2026-11-24',
        overCap: false,
        reviewId: null,
        idempotencyKey: null,
        createdAt: '2026-11-24T03:00:00.000Z',
        graceEndsAt: '2026-11-24T03:05:00.000Z',
        finalizedAt: null,
        // who the database knows ended it: on SQLite the OS user the CLI ran as
        authenticatedAs: osIdentity(),
      },
      graceEndsAt: '2026-11-24T03:05:00.000Z',
      businessDay: '2026-11-24',
      overCap: false,
      reviewId: null,
      reviewOpened: false,
      mitraCountToday: 1,
      cap: 3,
      replayed: false,
      dryRun: false,
    })
    expect((await detail(db, ids[0]!)).status).toBe('closing')
  })

  it('says in words that the session is closing, until when, why, and where the mitra stands on the cap', async () => {
    const { db, ids } = await seeded(MITRA_ON, TWO)
    const r = await cliOn(db, ['session', 'end', String(ids[1]), '--as', 'mitra', '--reason', 'out_of_scope', '--yes'])
    expect(r).toMatchObject({ code: 0, stderr: '' })
    expect(r.stdout).toBe(
      [
        'session 2 is now closing until 2026-11-24 10:05 WIB',
        '  by        mitra m-1',
        '  reason    out_of_scope',
        '  cap       1 of 3 early ends by m-1 on 2026-11-24',
        '  review    -',
        '  next      one goodbye per side until then; then `halo-admin sweep` closes it',
        '',
      ].join('\n'),
    )
  })

  it('acts as support with the operator as actor; support needs a reason and never counts toward the cap', async () => {
    const { db, ids } = await seeded({ early_end_mitra_daily_cap: 1 }, TWO)
    const before = await everything(db)
    refused(await cliOn(db, ['session', 'end', String(ids[0]), '--as', 'support', '--yes'], { actor: 'ops-ana' }), 2, 'REASON_REQUIRED')
    expect(await everything(db)).toEqual(before)

    for (const id of ids) {
      const r = json(
        await cliOn(db, ['--json', 'session', 'end', String(id), '--as', 'support', '--reason', 'customer_abusive', '--yes'], { actor: 'ops-ana' }),
      )
      expect(r).toMatchObject({ closure: { initiatedBy: 'support', actorId: 'ops-ana' }, mitraCountToday: null, reviewOpened: false, overCap: false })
    }
    // --actor names the operator the same way
    const { db: other, ids: more } = await seeded({}, TWO)
    const r = json(
      await cliOn(other, ['--json', '--actor', 'ops-budi', 'session', 'end', String(more[0]), '--as', 'support', '--reason', 'other', '--note', 'x', '--yes']),
    )
    expect(r.closure).toMatchObject({ actorId: 'ops-budi', reason: 'other', reasonNote: 'x' })
  })

  it('acts as the session’s own customer (no reason needed), and as whoever --actor names', async () => {
    const { db, ids } = await seeded({ early_end_customer_enabled: true, early_end_mitra_enabled: true }, TWO)
    const r = json(await cliOn(db, ['--json', 'session', 'end', String(ids[0]), '--as', 'customer', '--yes'], { actor: 'ops-ana' }))
    expect(r.closure).toMatchObject({ initiatedBy: 'customer', actorId: 'c-1', reason: null })
    // HALO_ACTOR is the operator, not the mitra: it does not replace the session's own mitra
    const own = json(await cliOn(db, ['--json', 'session', 'end', String(ids[1]), '--as', 'mitra', '--reason', 'customer_left', '--yes'], { actor: 'ops-ana' }))
    expect(own.closure).toMatchObject({ initiatedBy: 'mitra', actorId: 'm-1' })
  })

  it('writes nothing on --dry-run and says what would happen', async () => {
    const { db, ids } = await seeded({ ...MITRA_ON, early_end_mitra_daily_cap: 1 }, TWO)
    const before = await everything(db)
    const args = ['session', 'end', String(ids[0]), '--as', 'mitra', '--reason', 'customer_left', '--dry-run']
    const r = json(await cliOn(db, ['--json', ...args]))
    expect(r).toMatchObject({ sessionId: ids[0], status: 'closing', closure: null, dryRun: true, reviewOpened: true, mitraCountToday: 1, cap: 1 })
    const human = await cliOn(db, args)
    expect(human.stdout).toContain(`dry run: session ${ids[0]} would be closing until 2026-11-24 10:05 WIB; nothing was written`)
    expect(human.stdout).toContain('review    would open CC review (daily cap reached)')
    // a dry run of a refusal is the refusal
    refused(await cliOn(db, ['session', 'end', String(ids[0]), '--as', 'mitra', '--dry-run']), 2, 'REASON_REQUIRED')
    expect(await everything(db)).toEqual(before)
  })

  it('replays an idempotency key: the first result, nothing changed, counted once', async () => {
    const { db, ids } = await seeded(MITRA_ON, TWO)
    const args = ['--json', 'session', 'end', String(ids[0]), '--as', 'mitra', '--reason', 'customer_left', '--idempotency-key', 'req-7f3a', '--yes']
    const first = json(await cliOn(db, args))
    const after = await everything(db)
    const again = json(await cliOn(db, args, { now: '2026-11-24T03:01:00Z' }))
    expect(again).toMatchObject({ replayed: true, closure: first.closure, graceEndsAt: first.graceEndsAt, mitraCountToday: null })
    expect(await everything(db)).toEqual(after)
    expect((await cliOn(db, args.slice(1))).stdout).toContain('idempotency key replayed: session 1 was already ended')
    // the same key for another session is a different request
    const other = args.slice(1).map((a) => (a === String(ids[0]) ? String(ids[1]) : a))
    expect(refused(await cliOn(db, other), 2, 'INVALID_INPUT')).toContain('idempotency key already used')
    expect(await everything(db)).toEqual(after)
  })

  it.each([
    ['early end for mitras is off', {}, ['--as', 'mitra', '--reason', 'customer_left'], 'EARLY_END_DISABLED', 5],
    ['early end for customers is off', MITRA_ON, ['--as', 'customer'], 'EARLY_END_DISABLED', 5],
    ['--actor is not the session’s mitra', MITRA_ON, ['--as', 'mitra', '--reason', 'customer_left', '--actor', 'm-2'], 'FORBIDDEN', 5],
    ['a mitra’s reason is required', MITRA_ON, ['--as', 'mitra'], 'REASON_REQUIRED', 2],
    ['the reason is not a configured code', MITRA_ON, ['--as', 'mitra', '--reason', 'bored'], 'INVALID_INPUT', 2],
    ['other needs a note', MITRA_ON, ['--as', 'mitra', '--reason', 'other'], 'INVALID_INPUT', 2],
    ['a blank note is no note', MITRA_ON, ['--as', 'mitra', '--reason', 'other', '--note', '   '], 'INVALID_INPUT', 2],
    ['a note needs a reason', { early_end_customer_enabled: true }, ['--as', 'customer', '--note', 'hm'], 'INVALID_INPUT', 2],
  ])('refuses when %s, changing nothing', async (_what, flags, args, code, status) => {
    const { db, ids } = await seeded(flags, TWO)
    const before = await everything(db)
    refused(await cliOn(db, ['session', 'end', String(ids[0]), ...args, '--yes']), status, code)
    expect(await everything(db)).toEqual(before)
  })

  it('gives INVALID_STATE, exit 4, for a session already closing or closed', async () => {
    const { db, ids } = await seeded(MITRA_ON, TWO)
    const end = ['session', 'end', String(ids[0]), '--as', 'support', '--reason', 'customer_left', '--yes']
    expect((await cliOn(db, end)).code).toBe(0)
    const closing = await everything(db)
    expect(refused(await cliOn(db, end), 4, 'INVALID_STATE')).toBe('session 1 is closing; only active or extending sessions can be ended')
    expect(await everything(db)).toEqual(closing)
    expect((await cliOn(db, ['sweep'], { now: '2026-11-24T03:05:00Z' })).code).toBe(0)
    refused(await cliOn(db, end, { now: '2026-11-24T03:06:00Z' }), 4, 'INVALID_STATE')
  })

  it('gives SESSION_NOT_FOUND, exit 3, whoever acts', async () => {
    const { db } = await seeded(MITRA_ON, TWO)
    const before = await everything(db)
    for (const as of [
      ['--as', 'mitra'],
      ['--as', 'customer'],
      ['--as', 'support', '--reason', 'customer_left'],
      ['--as', 'mitra', '--actor', 'm-1', '--reason', 'customer_left'],
    ]) {
      refused(await cliOn(db, ['session', 'end', '42', ...as, '--yes']), 3, 'SESSION_NOT_FOUND')
    }
    expect(await everything(db)).toEqual(before)
  })

  it('refuses without a terminal and without --yes: exit 2, one line naming --yes, the database not even opened', async () => {
    const { db, ids } = await seeded(MITRA_ON, TWO)
    const before = await everything(db)
    const r = await cliOn(db, ['session', 'end', String(ids[0]), '--as', 'mitra', '--reason', 'customer_left'], { input: 'y\n' })
    expect(refused(r, 2, 'INVALID_INPUT')).toContain('add --yes')
    expect(await everything(db)).toEqual(before)
    const fresh = newDbPath()
    refused(await cliOn(fresh, ['session', 'end', '1', '--as', 'support', '--reason', 'other']), 2, 'INVALID_INPUT')
    expect(existsSync(fresh)).toBe(false)
  })
})

describe('the daily cap at the Asia/Jakarta day boundary (HALO_NOW)', SLOW, () => {
  it('blocks past the cap until 17:00:00Z, when a new Jakarta day starts; the end that reaches the cap opens the review', async () => {
    const sessions = Array.from({ length: 5 }, (_, i) => ({ mitra: 'm-1', customer: `c-${i}`, minutes: 1440 }))
    const { db, ids } = await seeded({ ...MITRA_ON, early_end_mitra_daily_cap: 2 }, sessions)
    const end = (i: number, now: string) =>
      cliOn(db, ['--json', 'session', 'end', String(ids[i]), '--as', 'mitra', '--reason', 'customer_left', '--yes'], { now })

    expect(json(await end(0, '2026-11-24T16:59:58Z'))).toMatchObject({ businessDay: '2026-11-24', mitraCountToday: 1, reviewOpened: false })
    const second = json(await end(1, '2026-11-24T16:59:59Z'))
    expect(second).toMatchObject({ businessDay: '2026-11-24', mitraCountToday: 2, reviewOpened: true, reviewId: 1, overCap: false })

    const before = await everything(db)
    const blocked = await end(2, '2026-11-24T16:59:59Z')
    expect(blocked.code).toBe(5)
    expect(JSON.parse(blocked.stderr)).toEqual({
      error: { code: 'DAILY_CAP_REACHED', message: 'mitra m-1 has reached the daily cap of 2 early ends for 2026-11-24' },
    })
    expect(await everything(db)).toEqual(before)

    // 17:00:00Z is 00:00 in Jakarta: a new business day, a fresh count
    expect(json(await end(2, '2026-11-24T17:00:00Z'))).toMatchObject({ businessDay: '2026-11-25', mitraCountToday: 1, reviewOpened: false, reviewId: null })
  })

  it('with over_cap_action allow, ends past the cap, marks it and attaches it to the day’s review', async () => {
    const sessions = Array.from({ length: 3 }, (_, i) => ({ mitra: 'm-1', customer: `c-${i}`, minutes: 1440 }))
    const { db, ids } = await seeded({ ...MITRA_ON, early_end_mitra_daily_cap: 1, early_end_mitra_over_cap_action: 'allow' }, sessions)
    const end = (i: number, json: boolean) =>
      cliOn(db, [...(json ? ['--json'] : []), 'session', 'end', String(ids[i]), '--as', 'mitra', '--reason', 'customer_left', '--yes'], {
        now: '2026-11-24T16:59:59Z',
      })
    expect((await end(0, false)).stdout).toContain('review    opened CC review #1 (daily cap reached)')
    expect(JSON.parse((await end(1, true)).stdout)).toMatchObject({ overCap: true, reviewId: 1, reviewOpened: false, mitraCountToday: 2 })
    const human = await end(2, false)
    expect(human.stdout).toContain('cap       3 of 1 early ends by m-1 on 2026-11-24 (over the cap)')
    expect(human.stdout).toContain('review    attached to open CC review #1')
  })
})

describe('halo-admin session goodbye', SLOW, () => {
  it('takes one goodbye per side while closing, as the session’s own mitra or customer', async () => {
    const { db, ids } = await seeded(MITRA_ON, TWO)
    const id = String(ids[0])
    const say = (as: string, message: string, extra: string[] = []) => cliOn(db, ['session', 'goodbye', id, '--as', as, '--message', message, ...extra])

    expect(refused(await say('mitra', 'bye'), 4, 'INVALID_STATE')).toContain('session 1 is active')
    await cliOn(db, ['session', 'end', id, '--as', 'mitra', '--reason', 'customer_left', '--yes'])

    const mine = await cliOn(db, ['--json', 'session', 'goodbye', id, '--as', 'mitra', '--message', '  Terima kasih 🙏  '], { now: '2026-11-24T03:01:00Z' })
    expect(json(mine)).toEqual({ side: 'mitra', actorId: 'm-1', message: '  Terima kasih 🙏  ', at: '2026-11-24T03:01:00.000Z' })
    const before = await everything(db)
    expect(refused(await say('mitra', 'again'), 4, 'INVALID_STATE')).toBe('the mitra already said goodbye in session 1')
    refused(await say('customer', 'hi', ['--actor', 'c-2']), 5, 'FORBIDDEN')
    refused(await cliOn(db, ['session', 'goodbye', '77', '--as', 'customer', '--message', 'x']), 3, 'SESSION_NOT_FOUND')
    expect(await everything(db)).toEqual(before)

    // the grace window is over at 03:05:00: too late, even for a side that has not said goodbye
    refused(await cliOn(db, ['session', 'goodbye', id, '--as', 'customer', '--message', 'late'], { now: '2026-11-24T03:05:00Z' }), 4, 'INVALID_STATE')
    const theirs = await say('customer', 'Makasih')
    expect(theirs.stdout).toBe('goodbye from the customer (c-1) posted in session 1 at 2026-11-24 10:00:00 WIB\n')
    expect((await detail(db, ids[0]!)).goodbyes.map((g) => g.side)).toEqual(['mitra', 'customer'])
  })
})

describe('bad input', SLOW, () => {
  const long = (n: number) => 'x'.repeat(n)
  it.each([
    [['session', 'show', 'abc']],
    [['session', 'show', '0']],
    [['session', 'show', '-3']],
    [['session', 'show', '1.5']],
    [['session', 'show', '1e3']],
    [['session', 'show']],
    [['session', 'end', 'one', '--as', 'support', '--reason', 'other', '--yes']],
    [['session', 'end', '0', '--as', 'support', '--reason', 'other', '--yes']],
    [['session', 'end', '1', '--reason', 'customer_left', '--yes']],
    [['session', 'end', '1', '--as', 'admin', '--yes']],
    [['session', 'end', '1', '--as', 'MITRA', '--yes']],
    [['session', 'end', '1', '--as', 'mitra', '--reason', 'Customer Left', '--yes']],
    [['session', 'end', '1', '--as', 'mitra', '--reason', long(41), '--yes']],
    [['session', 'end', '1', '--as', 'mitra', '--reason', 'other', '--note', long(501), '--yes']],
    [['session', 'end', '1', '--as', 'mitra', '--idempotency-key', '', '--yes']],
    [['session', 'end', '1', '--as', 'mitra', '--idempotency-key', long(129), '--yes']],
    [['session', 'end', '1', '--as', 'mitra', '--force']],
    [['--actor', 'ops ana', 'session', 'end', '1', '--as', 'support', '--reason', 'other', '--yes']],
    [['--actor', 'm/1', 'session', 'end', '1', '--as', 'mitra', '--reason', 'other', '--yes']],
    [['session', 'open', '--mitra', 'm 1', '--customer', 'c-1']],
    [['session', 'open', '--mitra', long(65), '--customer', 'c-1']],
    [['session', 'open', '--mitra', 'm-1']],
    [['session', 'open', '--mitra', 'm-1', '--customer', 'c-1', '--minutes', '0']],
    [['session', 'open', '--mitra', 'm-1', '--customer', 'c-1', '--minutes', '1441']],
    [['session', 'open', '--mitra', 'm-1', '--customer', 'c-1', '--minutes', 'ten']],
    [['session', 'open', '--mitra', 'm-1', '--customer', 'c-1', '--status', 'closing']],
    [['session', 'list', '--status', 'open']],
    [['session', 'list', '--status', 'active,']],
    [['session', 'list', '--limit', '0']],
    [['session', 'list', '--mitra', '']],
    [['session', 'goodbye', '1', '--as', 'support', '--message', 'x']],
    [['session', 'goodbye', '1', '--as', 'mitra', '--message', '']],
    [['session', 'goodbye', '1', '--as', 'mitra', '--message', long(1001)]],
    [['session', 'goodbye', '1', '--as', 'mitra']],
    [['session', 'goodbye', 'x', '--as', 'mitra', '--message', 'hi']],
    [['session', 'close', '1']],
    [['session']],
  ])('%j: INVALID_INPUT, exit 2, before the database is opened', async (args) => {
    const db = newDbPath()
    const r = await cliOn(db, args)
    refused(r, 2, 'INVALID_INPUT')
    expect(existsSync(db)).toBe(false)
  })

  it('changes nothing in an existing database on bad input', async () => {
    const { db, ids } = await seeded(MITRA_ON, TWO)
    const before = await everything(db)
    for (const args of [
      ['session', 'end', String(ids[0]), '--as', 'mitra', '--reason', 'other', '--note', long(501), '--yes'],
      ['session', 'end', String(ids[0]), '--as', 'mitra', '--reason', 'customer_left', '--idempotency-key', long(129), '--yes'],
      ['session', 'goodbye', String(ids[0]), '--as', 'mitra', '--message', ''],
    ]) {
      refused(await cliOn(db, args), 2, 'INVALID_INPUT')
    }
    expect(await everything(db)).toEqual(before)
  })

  it('counts a note’s characters as the library does: 500 emoji are a note, 501 are not', async () => {
    const { db, ids } = await seeded(MITRA_ON, TWO)
    const ok = await cliOn(db, ['--json', 'session', 'end', String(ids[0]), '--as', 'mitra', '--reason', 'other', '--note', '🙏'.repeat(500), '--yes'])
    expect(json(ok).closure.reasonNote).toBe('🙏'.repeat(500))
    refused(await cliOn(db, ['session', 'end', String(ids[1]), '--as', 'mitra', '--reason', 'other', '--note', '🙏'.repeat(501), '--yes']), 2, 'INVALID_INPUT')
  })

  it('gives exit 6 when the database cannot be opened, and 3 when there is none', async () => {
    refused(await cli(['--db', dirname(newDbPath()), 'session', 'list']), 6, 'DB_ERROR')
    refused(await cli(['--db', '/nonexistent-dir/halo.db', 'session', 'list']), 3, 'DATABASE_NOT_FOUND')
  })
})

describe('help', SLOW, () => {
  it.each(['open', 'list', 'show', 'end', 'goodbye'])('session %s --help ends with examples', async (name) => {
    const r = await cli(['session', name, '--help'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/\nExamples:\n( {2}\$ halo-admin .*session .+\n)+$/)
  })
})
