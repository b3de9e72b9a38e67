/**
 * The staged re-enable of contract §4b in the library, on both engines: the rollout percent and the
 * cohort decide who may end early, exactly as `clientConfig` tells the app; the kill switch stays the
 * master; the guard switches mitra early ends off in the early end that reaches a threshold.
 */
import { describe, expect, it } from 'vitest'
import { createGuardService, createRolloutService, createEventFeed, HaloError, inRollout, UserType } from '../../src/index.js'
import { ENGINES } from '../support/engines.js'
import { enableMitra, expectCode, flags, fresh, mitraEnds, openSessions, tableCounts } from '../support/fixtures.js'

const MITRAS = Array.from({ length: 200 }, (_, i) => `mitra-${i}`)

describe.each(ENGINES)('the staged rollout on %s', (engine) => {
  it('gives 200 mitras the same answer in clientConfig and initiateEarlyEnd, near the percent', async () => {
    const t = await fresh(engine)
    await enableMitra(t, { early_end_mitra_rollout_percent: 30 })
    const rollout = createRolloutService(t.handle, { clock: t.clock })
    const outAt30 = MITRAS.filter((id) => !inRollout(id, 30, null))
    const inAt30 = MITRAS.filter((id) => inRollout(id, 30, null))
    await rollout.add(outAt30.slice(0, 3), { actor: 'ops-ana', note: 'pilot' })
    await rollout.add(inAt30.slice(0, 2), { mode: 'never', actor: 'ops-ana' })
    let allowed = 0
    for (const [i, mitraId] of MITRAS.entries()) {
      const { earlyEndEnabled } = await t.closures.clientConfig(UserType.MITRA, mitraId)
      const { id } = await t.closures.openSession({ mitraId, customerId: `c-${i}` })
      const ended = await mitraEnds(t, id, mitraId).then(
        () => true,
        (e: unknown) => {
          expect((e as HaloError).code, `${mitraId}: ${(e as Error).message}`).toBe('EARLY_END_DISABLED')
          return false
        },
      )
      expect(ended, `${mitraId}: the app said ${earlyEndEnabled}`).toBe(earlyEndEnabled)
      if (ended) allowed++
    }
    // 30% by bucket, plus 3 always, less 2 never
    expect(allowed).toBe(inAt30.length + 3 - 2)
    expect(Math.abs(allowed / 2 - 30)).toBeLessThanOrEqual(8)
  })

  it('keeps every mitra who had Akhiri as the percent grows', async () => {
    const t = await fresh(engine)
    await enableMitra(t)
    let before = new Set<string>()
    for (const percent of [10, 40, 100]) {
      await flags(t, { early_end_mitra_rollout_percent: percent })
      const now = new Set<string>()
      for (const id of MITRAS) if ((await t.closures.clientConfig(UserType.MITRA, id)).earlyEndEnabled) now.add(id)
      for (const id of before) expect(now.has(id), `${id} lost Akhiri at ${percent}%`).toBe(true)
      before = now
    }
    expect(before.size).toBe(200)
  })

  it('says why a mitra outside the rollout is refused, and writes nothing', async () => {
    const t = await fresh(engine)
    await enableMitra(t, { early_end_mitra_rollout_percent: 0 })
    const [id] = await openSessions(t, 1)
    const before = await tableCounts(t.handle)
    const e = await expectCode(mitraEnds(t, id!), 'EARLY_END_DISABLED')
    expect(e.message).toMatch(/mitra m-1 is outside the rollout \(bucket \d+, early_end_mitra_rollout_percent is 0\)/)
    expect(await tableCounts(t.handle)).toEqual(before)
    // customers and support are not in the mitra rollout
    await flags(t, { early_end_customer_enabled: true })
    await t.closures.initiateEarlyEnd(id!, UserType.CUSTOMER, { actorId: 'c-0' })
  })

  it('keeps the kill switch the master: a cohort "always" does nothing while it is off', async () => {
    const t = await fresh(engine)
    const rollout = createRolloutService(t.handle, { clock: t.clock })
    await rollout.add(['m-1'], { actor: 'ops-ana' })
    const [id] = await openSessions(t, 1)
    expect((await t.closures.clientConfig(UserType.MITRA, 'm-1')).earlyEndEnabled).toBe(false)
    await expectCode(mitraEnds(t, id!), 'EARLY_END_DISABLED')
    await enableMitra(t, { early_end_mitra_rollout_percent: 0 })
    expect((await t.closures.clientConfig(UserType.MITRA, 'm-1')).earlyEndEnabled).toBe(true)
    await mitraEnds(t, id!)
  })

  it('audits each cohort change like a flag change, and changes nothing when asked twice', async () => {
    const t = await fresh(engine)
    const rollout = createRolloutService(t.handle, { clock: t.clock })
    const added = await rollout.add(['m-1', 'm-2', 'm-1'], { actor: 'ops-ana', note: 'pilot' })
    expect(added.map((c) => [c.mitraId, c.oldMode, c.newMode])).toEqual([
      ['m-1', null, 'always'],
      ['m-2', null, 'always'],
    ])
    expect(await rollout.add(['m-1'], { actor: 'ops-ana' })).toEqual([])
    const moved = await rollout.add(['m-2'], { mode: 'never', actor: 'ops-budi' })
    expect(moved[0]).toMatchObject({ oldMode: 'always', newMode: 'never', actor: 'ops-budi' })
    await rollout.remove(['m-1', 'm-9'], { actor: 'ops-ana', note: 'pilot over' })
    expect((await rollout.list()).map((m) => [m.mitraId, m.mode, m.setBy])).toEqual([['m-2', 'never', 'ops-budi']])
    const audit = await t.handle.db.selectFrom('config_audit').selectAll().where('key', '=', 'early_end_mitra_cohort').orderBy('id').execute()
    expect(audit.map((a) => [JSON.parse(a.old_value!), JSON.parse(a.new_value!), a.actor, a.note])).toEqual([
      [{ mitra: 'm-1', mode: null }, { mitra: 'm-1', mode: 'always' }, 'ops-ana', 'pilot'],
      [{ mitra: 'm-2', mode: null }, { mitra: 'm-2', mode: 'always' }, 'ops-ana', 'pilot'],
      [{ mitra: 'm-2', mode: 'always' }, { mitra: 'm-2', mode: 'never' }, 'ops-budi', null],
      [{ mitra: 'm-1', mode: 'always' }, { mitra: 'm-1', mode: null }, 'ops-ana', 'pilot over'],
    ])
    // the flag history shows them among the flag changes
    expect((await t.config.history()).some((c) => (c.key as string) === 'early_end_mitra_cohort')).toBe(true)
  })

  it('refuses bad cohort input and changes nothing', async () => {
    const t = await fresh(engine)
    const rollout = createRolloutService(t.handle, { clock: t.clock })
    await expectCode(rollout.add([], { actor: 'ops' }), 'INVALID_INPUT')
    await expectCode(rollout.add(['bad id'], { actor: 'ops' }), 'INVALID_INPUT')
    await expectCode(rollout.add(['m-1'], { mode: 'sometimes' as never, actor: 'ops' }), 'INVALID_INPUT')
    await expectCode(rollout.remove(['m-1'], { actor: '' }), 'INVALID_INPUT')
    expect(await rollout.list()).toEqual([])
  })
})

describe.each(ENGINES)('the guard on %s', (engine) => {
  it('switches mitra early ends off in the early end that reaches the threshold, audited and published', async () => {
    const t = await fresh(engine)
    await enableMitra(t, { early_end_guard: { mitraEarlyEndsPerHour: 3 } })
    const feed = createEventFeed(t.handle)
    const cursor = await feed.latest()
    const ids = await Promise.all(['m-1', 'm-2', 'm-3', 'm-4'].map(async (m) => (await openSessions(t, 1, m))[0]!))
    await mitraEnds(t, ids[0]!, 'm-1')
    await mitraEnds(t, ids[1]!, 'm-2')
    expect(await t.config.get('early_end_mitra_enabled')).toBe(true)
    await mitraEnds(t, ids[2]!, 'm-3') // the third in the hour: commits, and the switch goes off with it
    expect(await t.config.get('early_end_mitra_enabled')).toBe(false)
    await expectCode(mitraEnds(t, ids[3]!, 'm-4'), 'EARLY_END_DISABLED')

    const [change] = await t.config.history('early_end_mitra_enabled', 1)
    expect(change).toMatchObject({ oldValue: true, newValue: false, actor: 'guard' })
    expect(change!.note).toBe('guard: mitraEarlyEndsPerHour reached: 3 of 3 mitra early ends in the last hour')
    const events = (await feed.read({ after: cursor })).events.filter((e) => e.event === 'guard_tripped')
    expect(events).toEqual([expect.objectContaining({ sessionId: ids[2], actorType: 'guard', actorId: 'mitraEarlyEndsPerHour' })])
    await feed.close()

    const status = await createGuardService(t.handle, { clock: t.clock }).status()
    expect(status.enabled).toBe(false)
    expect(status.readings).toEqual([expect.objectContaining({ threshold: 'mitraEarlyEndsPerHour', limit: 3, value: 3, reached: true })])
    expect(status.lastTrip?.note).toBe(change!.note)

    // turning it back on is a person's act, audited as them; the window slides on
    t.clock.advance(61 * 60_000)
    await flags(t, { early_end_mitra_enabled: true })
    expect((await t.config.history('early_end_mitra_enabled', 1))[0]!.actor).toBe('test-ops')
    const [again] = await openSessions(t, 1, 'm-4')
    await mitraEnds(t, again!, 'm-4')
    expect(await t.config.get('early_end_mitra_enabled')).toBe(true)
  })

  it('counts reviews opened today, and only mitra early ends', async () => {
    const t = await fresh(engine)
    await enableMitra(t, { early_end_mitra_daily_cap: 1, early_end_customer_enabled: true, early_end_guard: { reviewsOpenedToday: 2 } })
    const a = await openSessions(t, 2, 'm-1')
    const b = await openSessions(t, 1, 'm-2')
    await t.closures.initiateEarlyEnd(a[1]!, UserType.CUSTOMER, { actorId: 'c-1' })
    await t.closures.initiateEarlyEnd(b[0]!, UserType.SUPPORT, { actorId: 'cs-1', reason: 'customer_left' })
    await mitraEnds(t, a[0]!, 'm-1') // m-1 reaches the cap of 1: the first review
    expect(await t.config.get('early_end_mitra_enabled')).toBe(true)
    const [c] = await openSessions(t, 1, 'm-3')
    const r = await mitraEnds(t, c!, 'm-3') // the second review today
    expect(r.reviewOpened).toBe(true)
    expect(await t.config.get('early_end_mitra_enabled')).toBe(false)
    expect((await t.config.history('early_end_mitra_enabled', 1))[0]!.note).toBe('guard: reviewsOpenedToday reached: 2 of 2 CC reviews opened today')
  })

  it('judges the share of ended sessions once enough ended, expiries included', async () => {
    const t = await fresh(engine)
    await enableMitra(t, { early_end_guard: { mitraEarlyEndShare: 0.5, shareMinEnded: 4 } })
    // three sessions expire in the window
    await t.closures.openSession({ mitraId: 'm-9', customerId: 'c-9', durationMinutes: 1 })
    await t.closures.openSession({ mitraId: 'm-9', customerId: 'c-8', durationMinutes: 1 })
    await t.closures.openSession({ mitraId: 'm-9', customerId: 'c-7', durationMinutes: 1 })
    const ids = await openSessions(t, 3, 'm-1')
    t.clock.advance(2 * 60_000)
    expect((await t.closures.sweep()).expired).toBe(3)
    await mitraEnds(t, ids[0]!) // 1 of 4
    await mitraEnds(t, ids[1]!) // 2 of 5: 40%
    expect(await t.config.get('early_end_mitra_enabled')).toBe(true)
    await mitraEnds(t, ids[2]!) // 3 of 6: 50%
    expect(await t.config.get('early_end_mitra_enabled')).toBe(false)
  })

  it('does nothing on a dry run, or while it is off', async () => {
    const t = await fresh(engine)
    await enableMitra(t, { early_end_guard: { mitraEarlyEndsPerHour: 1 } })
    const [a, b] = await openSessions(t, 2)
    await mitraEnds(t, a!, 'm-1', { dryRun: true })
    expect(await t.config.get('early_end_mitra_enabled')).toBe(true)
    await flags(t, { early_end_guard: 'off' })
    await mitraEnds(t, a!)
    await mitraEnds(t, b!)
    expect(await t.config.get('early_end_mitra_enabled')).toBe(true)
  })
})
