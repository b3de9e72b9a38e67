import { describe, expect, it } from 'vitest'
import { createConfigStore, fixedClock, openDatabase } from '../../src/index.js'
import { cli, cliOn, tempDb } from './support/cli.js'
import { fingerprint } from '../support/fingerprint.mjs'
import { expectRefused, seed } from './support/data.js'

const RANGE = ['--from', '2026-11-18', '--to', '2026-11-24']

/** Cap 3, block: on 2026-11-20 m-1 ends 3 (its review opens), m-2 ends 2; on 2026-11-21 m-3 ends 1. */
async function recorded(): Promise<string> {
  const db = tempDb()
  await seed(db, {}, async (s) => {
    for (const m of ['m-1', 'm-2', 'm-1', 'm-2', 'm-1']) await s.mitraEnds(m, 'customer_left')
    await s.customerEnds('m-1')
    s.at('2026-11-21T03:00:00Z')
    await s.mitraEnds('m-3', 'out_of_scope')
  })
  return db
}

/**
 * Cap 2, allow: on 2026-11-20 at 10:00 WIB m-1 ends 3 (the third over the cap). At 12:00 WIB the cap
 * goes to 3 and the action to block; at 13:00 WIB m-2 ends 3 (the third opens its review).
 */
async function rulesChanged(): Promise<string> {
  const db = tempDb()
  await seed(db, { early_end_mitra_daily_cap: 2, early_end_mitra_over_cap_action: 'allow' }, async (s) => {
    for (let i = 0; i < 3; i++) await s.mitraEnds('m-1', 'customer_left')
    const config = createConfigStore(s.handle, { clock: fixedClock('2026-11-20T05:00:00Z') })
    await config.set('early_end_mitra_daily_cap', 3, { actor: 'ops-budi' })
    await config.set('early_end_mitra_over_cap_action', 'block', { actor: 'ops-budi' })
    s.at('2026-11-20T06:00:00Z')
    for (let i = 0; i < 3; i++) await s.mitraEnds('m-2', 'customer_left')
  })
  return db
}

describe('halo-admin whatif cap', () => {
  it('replays the recorded early ends against a lower cap: what it refuses and whom it sends to review', async () => {
    const db = await recorded()
    const r = await cliOn(db, ['--json', 'whatif', 'cap', '2', ...RANGE])
    expect(r).toMatchObject({ code: 0, stderr: '' })
    const report = JSON.parse(r.stdout)
    expect(report).toMatchObject({
      from: '2026-11-18',
      to: '2026-11-24',
      current: { cap: 3, overCapAction: 'block' },
      proposed: { cap: 2, overCapAction: null },
      replayed: 6,
      actual: { allowed: 6, refused: 0, overCap: 0, reviewsOpened: 1, reviewMitras: ['m-1'] },
      whatif: { allowed: 5, refused: 1, overCap: 0, reviewsOpened: 2, reviewMitras: ['m-1', 'm-2'] },
    })
    expect(report.mitras).toEqual([
      {
        mitraId: 'm-1',
        earlyEnds: 3,
        actual: { capsInForce: [3], overCap: 0, reviewDays: ['2026-11-20'] },
        whatif: { refused: 1, overCap: 0, reviewDays: ['2026-11-20'] },
      },
      {
        mitraId: 'm-2',
        earlyEnds: 2,
        actual: { capsInForce: [3], overCap: 0, reviewDays: [] },
        whatif: { refused: 0, overCap: 0, reviewDays: ['2026-11-20'] },
      },
    ])
  })

  it('takes the over-cap action to propose with --action', async () => {
    const db = await recorded()
    const r = JSON.parse((await cliOn(db, ['--json', 'whatif', 'cap', '2', '--action', 'allow', ...RANGE])).stdout)
    expect(r.proposed).toEqual({ cap: 2, overCapAction: 'allow' })
    expect(r.whatif).toMatchObject({ allowed: 6, refused: 0, overCap: 1, reviewsOpened: 2 })
  })

  it('prints what happened and what the proposal would have done side by side', async () => {
    const db = await recorded()
    const r = await cliOn(db, ['whatif', 'cap', '2', ...RANGE])
    expect(r.code).toBe(0)
    const lines = r.stdout.split('\n')
    expect(lines[0]).toBe('2026-11-18 … 2026-11-24: 6 mitra early ends replayed')
    expect(lines).toContain('                       actual: cap 3, block  what-if: cap 2, block')
    expect(r.stdout).toMatch(/^refused \(cap reached\) +0 +1$/m)
    expect(r.stdout).toMatch(/^reviews opened +1 +2$/m)
    expect(r.stdout).toContain('  actual:  m-1\n  what-if: m-1, m-2\n')
    expect(r.stdout).toMatch(/^m-2 +2 +0 +0 +│ +0 +0 +1$/m)
  })

  it('without --action replays each early end under the action in force when it committed, and says which cap judged each mitra', async () => {
    const db = await rulesChanged()
    const r = JSON.parse((await cliOn(db, ['--json', 'whatif', 'cap', '2', ...RANGE])).stdout)
    // m-1's third is over the cap (allow then), m-2's third is refused (block then)
    expect(r.whatif).toMatchObject({ allowed: 5, refused: 1, overCap: 1, reviewsOpened: 2 })
    expect(r).toMatchObject({ current: { cap: 3, overCapAction: 'block' }, proposed: { cap: 2, overCapAction: null }, differences: 2, unexplained: 0 })
    expect(r.actual).toMatchObject({ allowed: 6, refused: 0, overCap: 1, reviewsOpened: 2 })
    expect(r.mitras.map((m: { mitraId: string; actual: { capsInForce: number[] } }) => [m.mitraId, m.actual.capsInForce])).toEqual([
      ['m-1', [2]],
      ['m-2', [3]],
    ])

    const text = await cliOn(db, ['whatif', 'cap', '2', ...RANGE])
    expect(text.code).toBe(0)
    expect(text.stdout).toContain('actual: cap 2→3, allow→block  what-if: cap 2, allow→block')
    expect(text.stdout).toMatch(/^refused \(cap reached\) +0 +1$/m)
    expect(text.stdout).toMatch(/^mitra +early ends +cap then +over cap +reviews +│/m)
    expect(text.stdout).toMatch(/^m-1 +3 +2 +1 +1 +│ +0 +1 +1$/m)
    expect(text.stdout).toMatch(/^m-2 +3 +3 +0 +1 +│ +1 +0 +1$/m)

    // an action proposed applies to every early end
    const block = JSON.parse((await cliOn(db, ['--json', 'whatif', 'cap', '2', '--action', 'block', ...RANGE])).stdout)
    expect(block).toMatchObject({ proposed: { cap: 2, overCapAction: 'block' }, whatif: { refused: 2, overCap: 0 } })
  })

  it('writes nothing: the file and its -wal are byte-for-byte the same after', async () => {
    const db = await recorded()
    const runs = [
      ['whatif', 'cap', '1'],
      ['--json', 'whatif', 'cap', '2', '--action', 'allow', ...RANGE],
      ['whatif', 'cap', '9'],
    ]
    // closed by everyone: the WAL was checkpointed away
    const before = fingerprint(db, { files: true })
    for (const args of runs) {
      expect((await cliOn(db, args)).code).toBe(0)
      expect(fingerprint(db, { files: true })).toBe(before)
    }
    // held open by another process (the backend) with writes still in the WAL
    const backend = await openDatabase(db)
    try {
      await createConfigStore(backend).set('early_end_mitra_daily_cap', 4, { actor: 'backend' })
      const held = fingerprint(db, { files: true })
      expect(held).not.toMatch(/ absent$/)
      for (const args of runs) {
        expect((await cliOn(db, args)).code).toBe(0)
        expect(fingerprint(db, { files: true })).toBe(held)
      }
    } finally {
      await backend.close()
    }
  })

  it.each([
    [['0']],
    [['-1']],
    [['two']],
    [['2.5']],
    [[]],
    [['2', '3']],
    [['2', '--action', 'warn']],
    [['2', '--from', '2026-11-31']],
    [['2', '--from', '2026-11-24', '--to', '2026-11-18']],
    [['2', '--to', 'tomorrow']],
  ])('refuses whatif cap %j: exit 2, one line, the database unchanged', async (args) => {
    await expectRefused(await recorded(), ['whatif', 'cap', ...args])
  })

  it('ends --help with examples', async () => {
    expect((await cli(['whatif', 'cap', '--help'])).stdout).toMatch(/Examples:\n( {2}\$ halo-admin .+\n)+$/)
  })
})
