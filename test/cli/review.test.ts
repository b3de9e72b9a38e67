import { describe, expect, it } from 'vitest'
import { cliOn, errorLine, tempDb } from './support/cli.js'
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
    expect(await ids(['--mitra', 'm-1'])).toEqual([3, 1])
    expect(await ids(['--status', 'open'])).toEqual([3, 2])
    expect(await ids(['--status', 'resolved'])).toEqual([1])
    expect(await ids(['--mitra', 'm-1', '--status', 'open'])).toEqual([3])
    expect(await ids(['--limit', '1'])).toEqual([3])
    expect(await ids(['--mitra', 'm-9'])).toEqual([])
  })

  it('prints a table for people, and says so when nothing matches', async () => {
    const db = await withReviews()
    const r = await cliOn(db, ['review', 'list'])
    expect(r.code).toBe(0)
    const lines = r.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^\s*#\s+mitra\s+day\s+status/)
    expect(lines).toHaveLength(4)
    expect(lines[1]).toMatch(/^\s*3\s+m-1\s+2026-11-21\s+open\s+1\b/)
    expect((await cliOn(db, ['review', 'list', '--mitra', 'm-9'])).stdout).toBe('no reviews match\n')
    expect((await cliOn(tempDb(), ['review', 'list'])).stdout).toBe('no reviews yet\n')
  })

  it('resolves a review as the operator, keeping the note verbatim', async () => {
    const db = await withReviews()
    const note = 'called the mitra, "twice"; ok\nsecond line, ünïcode 🙏'
    const r = await cliOn(db, ['review', 'resolve', '2', '--outcome', 'warned', '--note', note], { actor: 'cc-budi' })
    expect(r).toMatchObject({ code: 0, stderr: '', stdout: 'review #2 (m-2, 2026-11-20): resolved as warned by cc-budi\n' })
    const [resolved] = JSON.parse((await cliOn(db, ['--json', 'review', 'list', '--status', 'resolved'])).stdout)
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
    expect(JSON.parse((await cliOn(db, ['--json', 'review', 'list'])).stdout).find((x: { id: number }) => x.id === 1)).toMatchObject({
      outcome: 'cleared',
      resolvedBy: 'cc-ana',
    })
  })

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
    [['review', 'list', '--nope']],
    [['review']],
    [['review', 'close', '1']],
  ])('refuses %j: exit 2, one line, the database unchanged', async (args) => {
    await expectRefused(await withReviews(), args)
  })

  it('ends --help with examples', async () => {
    for (const c of ['list', 'resolve']) {
      const r = await cliOn(tempDb(), ['review', c, '--help'])
      expect(r.code).toBe(0)
      expect(r.stdout).toMatch(/Examples:\n( {2}\$ halo-admin .+\n)+$/)
    }
  })
})
