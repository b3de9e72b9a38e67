import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/index.js'
import { BIN, cli, cliOn, tempDb } from './support/cli.js'
import { expectRefused, parseCsv, seed } from './support/data.js'

/** Stored verbatim, and the hardest thing a CSV field can hold. */
const NOTE = 'said "bye", then: left\nand, on a new line, "quoted" again'

/**
 * Eight closures, 2026-11-20 … 2026-11-22 (Jakarta):
 * 11-20: m-1 customer_left, m-1 other (NOTE), m-2 out_of_scope, a customer of m-2;
 * 11-21: m-1 customer_left, m-3 customer_abusive, a customer of m-1;
 * 11-22: a session of m-4 expired by the sweep.
 */
async function eightClosures(): Promise<string> {
  const db = tempDb()
  await seed(db, {}, async (s) => {
    await s.mitraEnds('m-1', 'customer_left')
    await s.mitraEnds('m-1', 'other', NOTE)
    await s.mitraEnds('m-2', 'out_of_scope')
    await s.customerEnds('m-2')
    s.at('2026-11-21T03:00:00Z')
    await s.mitraEnds('m-1', 'customer_left')
    await s.mitraEnds('m-3', 'customer_abusive')
    await s.customerEnds('m-1')
    s.at('2026-11-22T03:00:00Z')
    await s.closures.openSession({ mitraId: 'm-4', customerId: 'c-99', durationMinutes: 30 })
    s.at('2026-11-22T04:00:00Z')
    await s.closures.sweep()
  })
  return db
}

const RANGE = ['--from', '2026-11-19', '--to', '2026-11-23']

async function json(db: string, args: string[]) {
  const r = await cliOn(db, ['--json', 'report', ...args])
  expect(r).toMatchObject({ code: 0, stderr: '' })
  return JSON.parse(r.stdout)
}

/** `halo-admin …` with a terminal for stdin, stdout and stderr (util-linux `script`); output as one string. */
function onTerminal(db: string, args: string[]): { code: number | null; out: string } {
  const cmd = [process.execPath, BIN, '--db', db, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ')
  const r = spawnSync('script', ['-qec', `stty cols 100; ${cmd}`, '/dev/null'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8', HALO_NOW: '2026-11-24T03:00:00Z', TERM: 'xterm' },
    encoding: 'utf8',
    timeout: 20_000,
  })
  return { code: r.status, out: r.stdout.replaceAll('\r\n', '\n') }
}

describe('halo-admin report closures', () => {
  it('prints --json exactly as the contract shapes it: from, to, by, total, rows of key and count, every day of the range', async () => {
    const db = await eightClosures()
    const r = await json(db, ['closures', ...RANGE])
    expect(Object.keys(r)).toEqual(['from', 'to', 'by', 'total', 'rows'])
    expect(r).toEqual({
      from: '2026-11-19',
      to: '2026-11-23',
      by: 'day',
      total: 8,
      rows: [
        { key: '2026-11-19', count: 0 },
        { key: '2026-11-20', count: 4 },
        { key: '2026-11-21', count: 3 },
        { key: '2026-11-22', count: 1 },
        { key: '2026-11-23', count: 0 },
      ],
    })
    for (const row of r.rows) expect(Object.keys(row)).toEqual(['key', 'count'])
  })

  it('counts by mitra, reason and initiator, most first, with null for closures without a reason', async () => {
    const db = await eightClosures()
    const rows = async (by: string) => (await json(db, ['closures', ...RANGE, '--by', by])).rows
    expect(await rows('mitra')).toEqual([
      { key: 'm-1', count: 4 },
      { key: 'm-2', count: 2 },
      { key: 'm-3', count: 1 },
      { key: 'm-4', count: 1 },
    ])
    expect(await rows('reason')).toEqual([
      { key: null, count: 3 },
      { key: 'customer_left', count: 2 },
      { key: 'customer_abusive', count: 1 },
      { key: 'other', count: 1 },
      { key: 'out_of_scope', count: 1 },
    ])
    expect(await rows('initiator')).toEqual([
      { key: 'mitra', count: 5 },
      { key: 'customer', count: 2 },
      { key: 'system', count: 1 },
    ])
  })

  it('filters by initiator, mitra and reason, together', async () => {
    const db = await eightClosures()
    const total = async (args: string[]) => (await json(db, ['closures', ...RANGE, ...args])).total
    expect(await total(['--initiator', 'mitra'])).toBe(5)
    expect(await total(['--mitra', 'm-1'])).toBe(4)
    expect(await total(['--mitra', 'm-1', '--initiator', 'mitra'])).toBe(3)
    expect(await total(['--reason', 'customer_left'])).toBe(2)
    expect(await total(['--reason', 'customer_left', '--mitra', 'm-3'])).toBe(0)
    expect(await total(['--initiator', 'system', '--from', '2026-11-22', '--to', '2026-11-22'])).toBe(1)
  })

  it('defaults to the 14 business days ending today (HALO_NOW), and --format json is --json', async () => {
    const db = await eightClosures()
    const r = await json(db, ['closures'])
    expect(r).toMatchObject({ from: '2026-11-11', to: '2026-11-24', total: 8 })
    expect(r.rows).toHaveLength(14)
    const same = await cliOn(db, ['report', 'closures', '--format', 'json'])
    expect(JSON.parse(same.stdout)).toEqual(r)
  })

  it('prints a table with shares for people, and no chart without a terminal', async () => {
    const db = await eightClosures()
    const r = await cliOn(db, ['report', 'closures', ...RANGE, '--by', 'mitra', '--initiator', 'mitra'])
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(
      [
        'closures by mitra, 2026-11-19 … 2026-11-23 (initiator mitra): 5',
        'mitra  closures  share',
        'm-1           3  60.0%',
        'm-2           1  20.0%',
        'm-3           1  20.0%',
        '',
      ].join('\n'),
    )
    const byDay = await cliOn(db, ['report', 'closures', ...RANGE])
    expect(byDay.stdout).toContain('2026-11-20         4  50.0%')
    expect(byDay.stdout).not.toContain('█')
    expect((await cliOn(db, ['report', 'closures', ...RANGE, '--by', 'reason'])).stdout).toMatch(/^\(no reason\) +3 +37\.5%$/m)
  })

  it('draws the bar chart under the --by day table on a terminal', async () => {
    const db = await eightClosures()
    const r = onTerminal(db, ['--no-color', 'report', 'closures', ...RANGE])
    expect(r.code).toBe(0)
    const bars = r.out.split('\n').filter((l) => l.includes('█'))
    expect(bars).toHaveLength(3)
    expect(bars[0]).toMatch(/^2026-11-20 █+ 4$/)
    // the longest bar is the biggest day, the others scaled to it
    const len = (l: string) => l.split('█').length - 1
    expect(len(bars[0]!)).toBeGreaterThan(len(bars[1]!))
    expect(r.out).toMatch(/^2026-11-19 +0$/m)
    expect(onTerminal(db, ['--no-color', 'report', 'closures', ...RANGE, '--by', 'mitra']).out).not.toContain('█')
  })

  it('writes grouped counts as CSV that parses back', async () => {
    const db = await eightClosures()
    const r = await cliOn(db, ['report', 'closures', ...RANGE, '--by', 'reason', '--format', 'csv'])
    expect(r).toMatchObject({ code: 0, stderr: '' })
    expect(parseCsv(r.stdout)).toEqual([
      ['reason', 'count'],
      ['', '3'],
      ['customer_left', '2'],
      ['customer_abusive', '1'],
      ['other', '1'],
      ['out_of_scope', '1'],
    ])
  })

  it('exports every closure with --detail --format csv, the note with commas, quotes and line breaks intact', async () => {
    const db = await eightClosures()
    const r = await cliOn(db, ['report', 'closures', ...RANGE, '--detail', '--format', 'csv'])
    expect(r).toMatchObject({ code: 0, stderr: '' })
    const [head, ...records] = parseCsv(r.stdout)
    expect(head).toEqual([
      'id',
      'session_id',
      'business_day',
      'created_at',
      'mitra_id',
      'kind',
      'initiated_by',
      'actor_id',
      'reason',
      'reason_note',
      'over_cap',
      'review_id',
    ])
    expect(records).toHaveLength(8)
    for (const rec of records) expect(rec).toHaveLength(12)
    expect(records.map((x) => x[0])).toEqual(['1', '2', '3', '4', '5', '6', '7', '8'])
    expect(records[1]).toEqual(['2', '2', '2026-11-20', '2026-11-20T03:00:00.000Z', 'm-1', 'early_end', 'mitra', 'm-1', 'other', NOTE, 'false', ''])
    expect(records[7]).toMatchObject({ 4: 'm-4', 5: 'expired', 6: 'system', 7: '', 8: '', 9: '', 10: 'false' })
    // filters apply to the export as to the counts
    const customers = parseCsv((await cliOn(db, ['report', 'closures', ...RANGE, '--detail', '--format', 'csv', '--initiator', 'customer'])).stdout)
    expect(customers.slice(1).map((x) => x[6])).toEqual(['customer', 'customer'])
  })

  it('streams --detail --json as one JSON array of closures', async () => {
    const db = await eightClosures()
    const list = await json(db, ['closures', ...RANGE, '--detail'])
    expect(list).toHaveLength(8)
    expect(list[1]).toEqual({
      id: 2,
      sessionId: 2,
      businessDay: '2026-11-20',
      createdAt: '2026-11-20T03:00:00.000Z',
      mitraId: 'm-1',
      kind: 'early_end',
      initiatedBy: 'mitra',
      actorId: 'm-1',
      reason: 'other',
      reasonNote: NOTE,
      overCap: false,
      reviewId: null,
    })
    expect(await json(db, ['closures', '--from', '2026-01-01', '--to', '2026-01-31', '--detail'])).toEqual([])
  })

  it('lists closures as a table with --detail, notes on one line', async () => {
    const db = await eightClosures()
    const r = await cliOn(db, ['report', 'closures', ...RANGE, '--detail'])
    expect(r.code).toBe(0)
    const lines = r.stdout.trimEnd().split('\n')
    expect(lines[0]).toBe('closures 2026-11-19 … 2026-11-23')
    expect(lines).toHaveLength(10)
    expect(r.stdout).toContain('said "bye", then: left and, on a new line')
  })

  it('has one CSV line per closure over a simulated workload, and stops quietly when the reader goes away', async () => {
    const db = tempDb()
    await cliOn(db, ['flag', 'set', 'early_end_mitra_enabled', 'true'])
    // at the end of the day in Jakarta: simulate plays nothing after now
    expect((await cliOn(db, ['simulate', '--days', '7', '--sessions', '300', '--seed', 'csv'], { now: '2026-11-24T16:59:00Z' })).code).toBe(0)
    const handle = await openDatabase(db)
    const stored = await handle.read((k) =>
      k
        .selectFrom('session_closures')
        .select((e) => e.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow(),
    )
    await handle.close()
    const total = (await json(db, ['closures'])).total
    expect(total).toBe(Number(stored.n))
    expect(total).toBeGreaterThan(2000)
    const r = await cliOn(db, ['report', 'closures', '--detail', '--format', 'csv'])
    expect(r.code).toBe(0)
    expect(r.stdout.split('\n')).toHaveLength(total + 2) // header, one line each, the final line break
    expect(parseCsv(r.stdout)).toHaveLength(total + 1)
    const head = spawnSync('sh', ['-c', `"${process.execPath}" "${BIN}" --db "${db}" report closures --detail --format csv | head -n 3`], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HALO_NOW: '2026-11-24T03:00:00Z' },
    })
    expect(head.status).toBe(0)
    expect(head.stdout.split('\n')).toHaveLength(4)
    expect(head.stderr).toBe('')
  })

  it.each([
    [['closures', '--from', '2026-02-30']],
    [['closures', '--to', '2026-13-01']],
    [['closures', '--from', '26-11-01']],
    [['closures', '--from', '2026-11-24', '--to', '2026-11-01']],
    [['closures', '--from', '2000-01-01', '--to', '2026-11-24']],
    [['closures', '--from', '2027-01-01']],
    [['closures', '--by', 'week']],
    [['closures', '--initiator', 'bot']],
    [['closures', '--mitra', 'm 1']],
    [['closures', '--reason', 'Customer_Left']],
    [['closures', '--format', 'xml']],
    [['closures', '--detail', '--by', 'mitra']],
    [['closures', 'extra']],
    [['cap', '--day', '2026-02-29']],
    [['cap', '--day', 'tomorrow']],
    [['cap', '--nope']],
    [[]],
    [['totals']],
  ])('refuses report %j: exit 2, one line, the database unchanged', async (args) => {
    await expectRefused(await eightClosures(), ['report', ...args])
  })

  it('refuses --json with --format csv as JSON on stderr, exit 2', async () => {
    const db = await eightClosures()
    const r = await cliOn(db, ['--json', 'report', 'closures', '--format', 'csv'])
    expect(r).toMatchObject({ code: 2, stdout: '' })
    expect(JSON.parse(r.stderr)).toEqual({ error: { code: 'INVALID_INPUT', message: '--json and --format csv ask for different outputs: give one of them' } })
  })

  it('ends --help with examples', async () => {
    for (const c of ['closures', 'cap']) expect((await cli(['report', c, '--help'])).stdout).toMatch(/Examples:\n( {2}\$ halo-admin .+\n)+$/)
  })
})

describe('halo-admin report cap', () => {
  /** Cap 2, allow: on 2026-11-24 m-3 ends 3 (one over), m-1 2 (at), m-2 1 (under). */
  async function capDay(): Promise<string> {
    const db = tempDb()
    await seed(db, { early_end_mitra_daily_cap: 2, early_end_mitra_over_cap_action: 'allow' }, async (s) => {
      s.at('2026-11-24T02:00:00Z')
      for (const m of ['m-3', 'm-1', 'm-3', 'm-2', 'm-1', 'm-3']) await s.mitraEnds(m, 'customer_left')
    })
    return db
  }

  it('shows each mitra against the cap today, who is at or over it, and the review', async () => {
    const db = await capDay()
    const r = await json(db, ['cap'])
    expect(r).toMatchObject({ day: '2026-11-24', cap: 2, overCapAction: 'allow', atOrOver: 2 })
    expect(r.rows).toEqual([
      expect.objectContaining({ mitraId: 'm-3', count: 3, standing: 'over', reviewId: 1, reviewStatus: 'open' }),
      expect.objectContaining({ mitraId: 'm-1', count: 2, standing: 'at', reviewId: 2, reviewStatus: 'open' }),
      expect.objectContaining({ mitraId: 'm-2', count: 1, standing: 'under', remaining: 1, reviewId: null, reviewStatus: null }),
    ])
    const table = await cliOn(db, ['report', 'cap'])
    expect(table.stdout).toBe(
      [
        '2026-11-24: cap 2 early ends per mitra (past it: allow); 2 of 3 mitras at or over it',
        'mitra  early ends  remaining  standing  review',
        'm-3             3          0  over cap  #1 open',
        'm-1             2          0  at cap    #2 open',
        'm-2             1          1  under     -',
        '',
      ].join('\n'),
    )
  })

  it('reads another day with --day', async () => {
    const db = await capDay()
    expect(await json(db, ['cap', '--day', '2026-11-23'])).toMatchObject({ day: '2026-11-23', rows: [], atOrOver: 0 })
    expect((await cliOn(db, ['report', 'cap', '--day', '2026-11-23'])).stdout).toBe(
      '2026-11-23: cap 2 early ends per mitra (past it: allow); no mitra early ends\n',
    )
  })
})
