/** `halo-admin rollout`, `guard status` and `whatif rollout` as a user runs them (contract §4b, §6). */
import { describe, expect, it } from 'vitest'
import { createClosureService, createConfigStore, fixedClock, openDatabase, UserType } from '../../src/index.js'
import { NOW } from '../support/time.js'
import { cliOn, errorLine, tempDb } from './support/cli.js'

/** A database with mitra early ends on and, per mitra, `n` sessions ended early a minute apart. */
async function withEarlyEnds(db: string, perMitra: Record<string, number>, extraFlags: Record<string, unknown> = {}): Promise<void> {
  const handle = await openDatabase(db)
  try {
    const { migrateToLatest } = await import('../../src/index.js')
    await migrateToLatest(handle)
    const clock = fixedClock(new Date(Date.parse(NOW) - 30 * 60_000))
    const config = createConfigStore(handle, { clock })
    await config.set('early_end_mitra_enabled', true, { actor: 'ops' })
    for (const [k, v] of Object.entries(extraFlags)) await config.set(k as never, v as never, { actor: 'ops' })
    const closures = createClosureService(handle, { clock })
    let c = 0
    for (const [mitraId, n] of Object.entries(perMitra))
      for (let i = 0; i < n; i++) {
        const s = await closures.openSession({ mitraId, customerId: `c-${c++}` })
        await closures.initiateEarlyEnd(s.id, UserType.MITRA, { actorId: mitraId, reason: 'customer_left' })
        clock.advance(60_000)
      }
  } finally {
    await handle.close()
  }
}

describe('halo-admin rollout', () => {
  it('adds, holds out and removes mitras as the operator, and lists them with their buckets', async () => {
    const db = tempDb()
    const add = await cliOn(db, ['rollout', 'add', 'mitra-ayu', 'mitra-budi', '--note', 'pilot group'], { actor: 'ops-ana' })
    expect(add).toMatchObject({ code: 0, stderr: '' })
    expect(add.stdout).toBe(
      'mitra-ayu: not in the cohort → always (audited as ops-ana, change #1)\nmitra-budi: not in the cohort → always (audited as ops-ana, change #2)\n',
    )
    expect((await cliOn(db, ['rollout', 'add', 'mitra-citra', '--never'])).code).toBe(0)
    expect((await cliOn(db, ['rollout', 'remove', 'mitra-budi'])).stdout).toMatch(/^mitra-budi: always → not in the cohort/)
    const list = JSON.parse((await cliOn(db, ['--json', 'rollout', 'list'])).stdout)
    expect(list).toMatchObject({ enabled: false, percent: 100, always: 1, never: 1 })
    expect(list.members.map((m: any) => [m.mitraId, m.mode, m.setBy, m.note])).toEqual([
      ['mitra-ayu', 'always', 'ops-ana', 'pilot group'],
      ['mitra-citra', 'never', 'ops-test', null],
    ])
    const text = await cliOn(db, ['rollout', 'list'])
    expect(text.stdout).toMatch(/false: nobody gets Akhiri, cohort included/)
    expect(text.stdout).toMatch(/mitra-ayu\s+always\s+\d+/)
  })

  it('refuses a bad mitra id or none with one line and exit 2, changing nothing', async () => {
    const db = tempDb()
    for (const args of [
      ['rollout', 'add', 'bad id'],
      ['rollout', 'add'],
      ['rollout', 'remove', 'x'.repeat(65)],
    ]) {
      const r = await cliOn(db, args)
      expect(r.code, args.join(' ')).toBe(2)
      expect(errorLine(r).code).toBe('INVALID_INPUT')
      expect(r.stdout).toBe('')
    }
    expect(JSON.parse((await cliOn(db, ['--json', 'rollout', 'list'])).stdout).members).toEqual([])
  })
})

describe('halo-admin guard status and the guard at work', () => {
  it('shows each threshold against its value; after the guard trips, the flag history, the events and the status say so', async () => {
    const db = tempDb()
    await withEarlyEnds(db, { 'm-1': 1, 'm-2': 1 }, { early_end_guard: { mitraEarlyEndsPerHour: 3, reviewsOpenedToday: 5 } })
    const before = JSON.parse((await cliOn(db, ['--json', 'guard', 'status'])).stdout)
    expect(before.readings.map((r: any) => [r.threshold, r.limit, r.value, r.reached])).toEqual([
      ['mitraEarlyEndsPerHour', 3, 2, false],
      ['reviewsOpenedToday', 5, 0, false],
    ])
    const text = await cliOn(db, ['guard', 'status'])
    expect(text.stdout).toMatch(/mitraEarlyEndsPerHour\s+3\s+2\s+67%\s+2 of 3 mitra early ends in the last hour/)
    expect(text.stdout).toMatch(/the guard has never switched mitra early ends off/)

    const opened = JSON.parse((await cliOn(db, ['--json', 'session', 'open', '--mitra', 'm-3', '--customer', 'c-9'])).stdout)
    const end = await cliOn(db, ['session', 'end', String(opened.id), '--as', 'mitra', '--reason', 'customer_left', '--yes'])
    expect(end.code).toBe(0)
    expect((await cliOn(db, ['flag', 'get', 'early_end_mitra_enabled'])).stdout).toBe('false\n')
    const history = JSON.parse((await cliOn(db, ['--json', 'flag', 'history', 'early_end_mitra_enabled', '--limit', '1'])).stdout)
    expect(history[0]).toMatchObject({
      actor: 'guard',
      newValue: false,
      note: 'guard: mitraEarlyEndsPerHour reached: 3 of 3 mitra early ends in the last hour',
    })
    const events = await cliOn(db, ['events', '--limit', '100'])
    expect(events.stdout).toMatch(new RegExp(`session ${opened.id}\\s+guard_tripped\\s+closing → closing\\s+by guard mitraEarlyEndsPerHour`))
    const after = await cliOn(db, ['guard', 'status'])
    expect(after.stdout).toMatch(/reached/)
    expect(after.stdout).toMatch(/last switch-off 2026-11-24 10:00 WIB: guard: mitraEarlyEndsPerHour reached/)
  })

  it('refuses thresholds that are not thresholds, and says which', async () => {
    const db = tempDb()
    const r = await cliOn(db, ['flag', 'set', 'early_end_guard', '{"mitraEarlyEndsPerhour":5}'])
    expect(r.code).toBe(2)
    expect(errorLine(r).message).toMatch(/unknown threshold "mitraEarlyEndsPerhour"/)
    expect((await cliOn(db, ['flag', 'get', 'early_end_guard'])).stdout).toBe('off\n')
  })
})

describe('halo-admin whatif rollout', () => {
  it('says how many early ends a proposal would have let through, and when its guard would have tripped', async () => {
    const db = tempDb()
    await withEarlyEnds(db, { 'mitra-0': 2, 'mitra-1': 2, 'mitra-2': 2, 'mitra-3': 2 })
    const r = JSON.parse((await cliOn(db, ['--json', 'whatif', 'rollout', '100', '--guard', '{"mitraEarlyEndsPerHour":5}'])).stdout)
    expect(r.replay).toMatchObject({ recorded: 8, wouldHappen: 5, afterGuard: 3, outsideRollout: 0, mitras: 4, mitrasInRollout: 4 })
    expect(r.replay.guardTrip).toMatchObject({
      at: '2026-11-24T02:34:00.000Z',
      note: 'guard: mitraEarlyEndsPerHour reached: 5 of 5 mitra early ends in the last hour',
    })
    const none = JSON.parse((await cliOn(db, ['--json', 'whatif', 'rollout', '0', '--always', 'mitra-1'])).stdout)
    expect(none.replay).toMatchObject({ wouldHappen: 2, outsideRollout: 6, guardTrip: null })
    const text = await cliOn(db, ['whatif', 'rollout', '100', '--guard', '{"mitraEarlyEndsPerHour":5}'])
    expect(text.stdout).toMatch(/the guard would have tripped at 2026-11-24 09:34 WIB/)
    // it wrote nothing
    expect((await cliOn(db, ['flag', 'get', 'early_end_mitra_enabled'])).stdout).toBe('true\n')
  })

  it('refuses a bad percent, guard or cohort with exit 2', async () => {
    const db = tempDb()
    for (const args of [
      ['whatif', 'rollout', '101'],
      ['whatif', 'rollout', '--guard', '{"x":1}'],
      ['whatif', 'rollout', '--guard', 'on'],
      ['whatif', 'rollout', '--always', 'a b'],
      ['whatif', 'rollout', '--always', 'm-1', '--never', 'm-1'],
    ]) {
      const r = await cliOn(db, args)
      expect(r.code, args.join(' ')).toBe(2)
      expect(errorLine(r).code).toBe('INVALID_INPUT')
    }
  })
})
