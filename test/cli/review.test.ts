import { osIdentity } from '../../src/access/identity.js'
import { describe, expect, it } from 'vitest'
import { cliOn, errorLine, tempDb } from './support/cli.js'
import { terminal } from './support/terminal.js'
import { NOW } from '../support/time.js'
import { expectRefused, seed } from './support/data.js'

/** Cap 2: m-1 reaches it on 2026-11-20 and 2026-11-21, m-2 on 2026-11-20: reviews 1 (m-1), 2 (m-2), 3 (m-1). */
async function withReviews(): Promise<string> {
  const db = tempDb()
  await seed(db, { early_end_mitra_daily_cap: 2 }, async (s) => {
    for (const m of ['m-1', 'm-1', 'm-2', 'm-2']) await s.mitraEnds(m, 'customer_left')
    s.at('2026-11-21T03:00:00Z')
    for (const m of ['m-1', 'm-1', 'm-3']) await s.mitraEnds(m, 'customer_left')
  })
  return db
}

describe('halo-admin review', () => {
  it('lists the reviews the cap opened, newest first, as data with --json', async () => {
    const db = await withReviews()
    const r = await cliOn(db, ['--json', 'review', 'list'])
    expect(r).toMatchObject({ code: 0, stderr: '' })
    const list = JSON.parse(r.stdout)
    expect(list.map((x: { id: number; mitraId: string; businessDay: string }) => [x.id, x.mitraId, x.businessDay])).toEqual([
      [3, 'm-1', '2026-11-21'],
      [2, 'm-2', '2026-11-20'],
      [1, 'm-1', '2026-11-20'],
    ])
    expect(list[0]).toMatchObject({ trigger: 'daily_cap_reached', status: 'open', outcome: null, resolvedBy: null, earlyEnds: 1 })
  })

  it('filters by mitra and status and honours --limit', async () => {
    const db = await withReviews()
    await cliOn(db, ['review', 'resolve', '1', '--outcome', 'cleared'])
    const ids = async (args: string[]) => JSON.parse((await cliOn(db, ['--json', 'review', 'list', ...args])).stdout).map((x: { id: number }) => x.id)
    // the open ones by default
    expect(await ids([])).toEqual([3, 2])
    expect(await ids(['--mitra', 'm-1'])).toEqual([3])
    expect(await ids(['--mitra', 'm-1', '--status', 'all'])).toEqual([3, 1])
    expect(await ids(['--status', 'open'])).toEqual([3, 2])
    expect(await ids(['--status', 'resolved'])).toEqual([1])
    expect(await ids(['--status', 'all'])).toEqual([3, 2, 1])
    expect(await ids(['--limit', '1'])).toEqual([3])
    expect(await ids(['--status', 'all', '--after', '2'])).toEqual([1])
    expect(await ids(['--mitra', 'm-9'])).toEqual([])
  })

  it('prints a table for people, and says so when nothing matches', async () => {
    const db = await withReviews()
    const r = await cliOn(db, ['review', 'list'])
    expect(r.code).toBe(0)
    const lines = r.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^\s*#\s+mitra\s+day\s+status/)
    expect(lines).toHaveLength(4)
    // early ends: the mitra's on the review's day, as report cap counts them (2), not the 1 attached
    expect(lines[0]).toMatch(/\bearly ends\s+opened\s+outcome\s+by\s+note$/)
    expect(lines[1]).toMatch(/^\s*3\s+m-1\s+2026-11-21\s+open\s+2\s+2026-11-21 10:00 WIB\s+-\s+-\s+-$/)
    expect((await cliOn(db, ['--utc', 'review', 'list'])).stdout).toContain('2026-11-21 03:00 UTC')
    expect((await cliOn(db, ['review', 'list', '--mitra', 'm-9'])).stderr).toBe('no open reviews of m-9 (--status all lists every review)\n')
    expect((await cliOn(db, ['review', 'list', '--status', 'resolved'])).stderr).toBe('no resolved reviews (--status all lists every review)\n')
    expect(await cliOn(tempDb(), ['review', 'list', '--status', 'all'])).toMatchObject({ stdout: '', stderr: 'no reviews yet\n' })
  })

  it('says when it cut the list, with the command that gives the next page', async () => {
    const db = await withReviews()
    const first = await cliOn(db, ['review', 'list', '--status', 'all', '--limit', '2'])
    expect(first).toMatchObject({ code: 0 })
    expect(first.stdout.trimEnd().split('\n')).toHaveLength(3)
    const last = first.stderr.trimEnd()
    expect(last).toMatch(/^more reviews; next page: {2}node bin\/halo-admin.js --db \S+ review list --status all --limit 2 --after 2$/)
    const words = last.split('  ')[1]!.split(' ')
    const next = await cliOn(db, words.slice(words.indexOf('review')))
    expect(next.stdout.trimEnd().split('\n')).toHaveLength(2)
    expect(next.stdout).toMatch(/^\s*1\s+m-1\s+2026-11-20\s/m)
    expect(next.stderr).not.toContain('more reviews')
    // a page that holds the rest says nothing
    expect((await cliOn(db, ['review', 'list', '--status', 'all', '--limit', '3'])).stderr).not.toContain('more reviews')
  })

  it("shows one review: the mitra's early ends that day and the closures attached to it", async () => {
    const db = tempDb()
    await seed(db, { early_end_mitra_daily_cap: 2, early_end_mitra_over_cap_action: 'allow' }, async (s) => {
      await s.mitraEnds('m-1', 'customer_left')
      s.at('2026-11-20T04:00:00Z')
      await s.mitraEnds('m-1', 'out_of_scope')
      s.at('2026-11-20T05:00:00Z')
      await s.mitraEnds('m-1', 'other', 'third "one"')
      await s.mitraEnds('m-2', 'customer_left')
    })
    await cliOn(db, ['review', 'resolve', '1', '--outcome', 'warned', '--note', 'called'], { actor: 'cc-budi' })
    const r = await cliOn(db, ['review', 'show', '1'])
    expect(r).toMatchObject({ code: 0, stderr: '' })
    const lines = r.stdout.trimEnd().split('\n')
    expect(lines.slice(0, 6)).toEqual([
      'review      #1 resolved (daily_cap_reached)',
      'mitra       m-1',
      'day         2026-11-20',
      'early ends  3 by the mitra that day; 2 closures attached to this review',
      'opened      2026-11-20 11:00 WIB',
      `resolved    2026-11-24 10:00 WIB by cc-budi (authenticated as ${osIdentity()}): warned "called"`,
    ])
    const rows = lines.slice(lines.findIndex((l) => l.startsWith('closure')) + 1)
    expect(rows.map((l) => l.trim().replace(/ {2,}/g, '|'))).toEqual([
      '1|1|2026-11-20 10:00 WIB|mitra m-1|customer_left|no|-|-',
      '2|2|2026-11-20 11:00 WIB|mitra m-1|out_of_scope|no|attached|-',
      '3|3|2026-11-20 12:00 WIB|mitra m-1|other|yes|attached|third "one"',
    ])
    const json = JSON.parse((await cliOn(db, ['--json', 'review', 'show', '1'])).stdout)
    expect(json).toMatchObject({ id: 1, mitraId: 'm-1', earlyEnds: 2, earlyEndsThatDay: 3, status: 'resolved' })
    expect(json.closures.map((c: { sessionId: number; reviewId: number | null }) => [c.sessionId, c.reviewId])).toEqual([
      [1, null],
      [2, 1],
      [3, 1],
    ])
    const missing = await cliOn(db, ['review', 'show', '9'])
    expect(missing.code).toBe(3)
    expect(errorLine(missing)).toEqual({ code: 'REVIEW_NOT_FOUND', message: 'no review 9' })
  })

  it('resolves a review as the operator, keeping the note verbatim', async () => {
    const db = await withReviews()
    const note = 'called the mitra, "twice"; ok\nsecond line, ünïcode 🙏'
    const r = await cliOn(db, ['review', 'resolve', '2', '--outcome', 'warned', '--note', note], { actor: 'cc-budi' })
    expect(r).toMatchObject({ code: 0, stderr: '', stdout: 'review #2 (m-2, 2026-11-20): resolved as warned by cc-budi\n' })
    const [resolved] = JSON.parse((await cliOn(db, ['--json', 'review', 'list', '--status', 'resolved'])).stdout)
    expect((await cliOn(db, ['--json', 'review', 'list'])).stdout).not.toContain('"id": 2,')
    expect(resolved).toMatchObject({ id: 2, status: 'resolved', outcome: 'warned', note, resolvedBy: 'cc-budi', resolvedAt: '2026-11-24T03:00:00.000Z' })
    // the table keeps the note on one line
    const table = (await cliOn(db, ['review', 'list', '--status', 'resolved'])).stdout
    expect(table.trimEnd().split('\n')).toHaveLength(2)
    expect(table).toContain('"twice"; ok second line')
  })

  it('takes the operator from --actor over HALO_ACTOR, and prints the review with --json', async () => {
    const db = await withReviews()
    const r = await cliOn(db, ['--json', '--actor', 'cc-ana', 'review', 'resolve', '3', '--outcome', 'suspended'], { actor: 'cc-budi' })
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ id: 3, mitraId: 'm-1', status: 'resolved', outcome: 'suspended', note: null, resolvedBy: 'cc-ana' })
  })

  it('refuses to resolve a resolved review: INVALID_STATE, exit 4, the first resolution kept', async () => {
    const db = await withReviews()
    expect((await cliOn(db, ['review', 'resolve', '1', '--outcome', 'cleared'], { actor: 'cc-ana' })).code).toBe(0)
    const line = await expectRefused(db, ['review', 'resolve', '1', '--outcome', 'suspended'], 4, 'INVALID_STATE')
    expect(line.message).toBe('review 1 is already resolved')
    expect(JSON.parse((await cliOn(db, ['--json', 'review', 'list', '--status', 'all'])).stdout).find((x: { id: number }) => x.id === 1)).toMatchObject({
      outcome: 'cleared',
      resolvedBy: 'cc-ana',
    })
  })

  it('asks the outcome on a terminal when --outcome is missing: Batal first; refuses without a terminal', async () => {
    const db = await withReviews()
    const env = { HALO_NOW: NOW, HALO_ACTOR: 'cc-budi', CI: 'true' }
    // Batal, the default: exit 130, nothing changed
    let tty = terminal(['--db', db, 'review', 'resolve', '3'], { env })
    const s = await tty.waitFor('suspended')
    expect(s).toContain('review #3: mitra m-1, 2026-11-21, 2 early ends that day')
    expect(s).toMatch(/❯ Batal\n\s+cleared\n\s+warned\n\s+suspended/)
    await tty.keys('Enter')
    expect((await tty.exit()).code).toBe(130)
    expect(JSON.parse((await cliOn(db, ['--json', 'review', 'show', '3'])).stdout)).toMatchObject({ status: 'open' })
    // warned, with a note
    tty = terminal(['--db', db, 'review', 'resolve', '3'], { env })
    await tty.waitFor('suspended')
    await tty.keys('Down', 'Down', 'Enter')
    await tty.waitFor('Note')
    await tty.type('sudah ditegur')
    await tty.keys('Enter')
    const done = await tty.exit()
    expect(done.code).toBe(0)
    expect(done.screen).toContain('review #3 (m-1, 2026-11-21): resolved as warned by cc-budi')
    expect(JSON.parse((await cliOn(db, ['--json', 'review', 'show', '3'])).stdout)).toMatchObject({
      outcome: 'warned',
      note: 'sudah ditegur',
      resolvedBy: 'cc-budi',
    })
    // without a terminal: one line, exit 2, nothing changed
    const piped = await cliOn(db, ['review', 'resolve', '2'])
    expect(piped.code).toBe(2)
    expect(errorLine(piped).message).toBe('--outcome is required without a terminal: one of cleared, warned, suspended')
    // a resolved one is refused before any question
    tty = terminal(['--db', db, 'review', 'resolve', '3'], { env })
    const refused = await tty.exit()
    expect(refused.code).toBe(4)
    expect(refused.screen).toContain('error INVALID_STATE: review #3 is already resolved (warned by cc-budi)')
  }, 120_000)

  it('says REVIEW_NOT_FOUND with exit 3 for a review that does not exist', async () => {
    const db = await withReviews()
    const r = await cliOn(db, ['review', 'resolve', '99', '--outcome', 'cleared'])
    expect(r.code).toBe(3)
    expect(errorLine(r)).toEqual({ code: 'REVIEW_NOT_FOUND', message: 'no review 99' })
    const json = await cliOn(db, ['--json', 'review', 'resolve', '99', '--outcome', 'cleared'])
    expect(JSON.parse(json.stderr)).toEqual({ error: { code: 'REVIEW_NOT_FOUND', message: 'no review 99' } })
  })

  it.each([
    [['review', 'resolve', '1']],
    [['review', 'resolve', '1', '--outcome', 'ignored']],
    [['review', 'resolve', '0', '--outcome', 'cleared']],
    [['review', 'resolve', 'one', '--outcome', 'cleared']],
    [['review', 'resolve', '1', '--outcome', 'cleared', '--note', 'x'.repeat(501)]],
    [['review', 'resolve', '--outcome', 'cleared']],
    [['review', 'resolve', '1', '2', '--outcome', 'cleared']],
    [['--actor', 'bad actor', 'review', 'resolve', '1', '--outcome', 'cleared']],
    [['review', 'list', '--status', 'closed']],
    [['review', 'list', '--mitra', 'm 1']],
    [['review', 'list', '--limit', '0']],
    [['review', 'list', '--limit', 'all']],
    [['review', 'list', '--after', '0']],
    [['review', 'show']],
    [['review', 'show', 'one']],
    [['review', 'list', '--nope']],
    [['review']],
    [['review', 'close', '1']],
  ])('refuses %j: exit 2, one line, the database unchanged', async (args) => {
    await expectRefused(await withReviews(), args)
  })

  it('ends --help with examples', async () => {
    for (const c of ['list', 'show', 'resolve']) {
      const r = await cliOn(tempDb(), ['review', c, '--help'])
      expect(r.code).toBe(0)
      expect(r.stdout).toMatch(/Examples:\n( {2}\$ halo-admin .+\n)+$/)
    }
  })
})
