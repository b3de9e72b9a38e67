import { describe, expect, it } from 'vitest'
import { createConfigStore, openDatabase } from '../../src/index.js'
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
      proposed: { cap: 2, overCapAction: 'block' },
      replayed: 6,
      actual: { allowed: 6, refused: 0, overCap: 0, reviewsOpened: 1, reviewMitras: ['m-1'] },
      whatif: { allowed: 5, refused: 1, overCap: 0, reviewsOpened: 2, reviewMitras: ['m-1', 'm-2'] },
    })
    expect(report.mitras).toEqual([
      { mitraId: 'm-1', earlyEnds: 3, actual: { overCap: 0, reviewDays: ['2026-11-20'] }, whatif: { refused: 1, overCap: 0, reviewDays: ['2026-11-20'] } },
      { mitraId: 'm-2', earlyEnds: 2, actual: { overCap: 0, reviewDays: [] }, whatif: { refused: 0, overCap: 0, reviewDays: ['2026-11-20'] } },
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
