import { describe, expect, it, onTestFinished } from 'vitest'
import { render } from 'ink-testing-library'
import { Text } from 'ink'
import { createRolloutService, UserType } from '../../src/index.js'
import { Header } from '../../src/tui/header.js'
import { useServices } from '../../src/tui/services-context.js'
import { windowTop } from '../../src/tui/scroll-window.js'
import { setup, type Setup } from '../support/engines.js'
import { sleep } from '../support/time.js'
import { KEY, renderTui } from './render-tui.js'

const lineOf = (frame: string, text: string) => frame.split('\n').find((l) => l.includes(text)) ?? ''

describe('Flags screen', () => {
  it('shows every flag with value and default; Space toggles a boolean after a confirmation, audited with the operator', async () => {
    const t = await setup('sqlite')
    onTestFinished(t.cleanup)
    const tui = await renderTui(t, { actor: 'ops-ana' })
    onTestFinished(tui.unmount)
    let f = await tui.waitFor('business_timezone')
    for (const key of ['early_end_mitra_enabled', 'early_end_customer_enabled', 'early_end_reason_codes', 'early_end_mitra_daily_cap', 'closing_grace_seconds'])
      expect(f).toContain(key)
    expect(lineOf(f, 'early_end_mitra_daily_cap')).toMatch(/early_end_mitra_daily_cap\s+3\s+3/)
    expect(f).toContain('mitras may end sessions early')

    await tui.press(' ')
    f = await tui.waitFor('note (why, for the audit trail')
    expect(f).toContain('early_end_mitra_enabled: false → true')
    await tui.press(KEY.enter)
    f = await tui.waitFor('Change the flag?')
    expect(f).toContain('early_end_mitra_enabled: false → true')
    await tui.press(KEY.enter) // Cancel has the focus
    await tui.waitFor((fr) => !fr.includes('Change the flag?'))
    expect(await t.config.get('early_end_mitra_enabled')).toBe(false)
    expect(await t.config.history()).toHaveLength(0)

    await tui.press(' ')
    await tui.waitFor('note (why, for the audit trail')
    await tui.press('r', 'o', 'l', 'l', 'o', 'u', 't', KEY.enter)
    await tui.waitFor('note: rollout')
    await tui.press(KEY.right, KEY.enter)
    f = await tui.waitFor('early_end_mitra_enabled: false → true (by ops-ana)')
    expect(lineOf(f, 'early_end_mitra_enabled')).toMatch(/early_end_mitra_enabled\s+true\s+false/)
    expect(await t.config.get('early_end_mitra_enabled')).toBe(true)
    const [change] = await t.config.history('early_end_mitra_enabled')
    expect(change).toMatchObject({ actor: 'ops-ana', oldValue: false, newValue: true, note: 'rollout' })
  })

  it('toggles the flag the cursor reached when ↓ Space arrive faster than the screen redraws', async () => {
    const t = await setup('sqlite')
    onTestFinished(t.cleanup)
    const tui = await renderTui(t, { actor: 'ops-ana' })
    onTestFinished(tui.unmount)
    await tui.waitFor('business_timezone')
    await tui.burst(KEY.down, ' ', KEY.enter)
    const f = await tui.waitFor('Change the flag?')
    expect(f).toContain('early_end_customer_enabled: false → true')
  })

  it('Enter edits a value; the library refuses a bad one with its message and nothing changes', async () => {
    const t = await setup('sqlite')
    onTestFinished(t.cleanup)
    const tui = await renderTui(t)
    onTestFinished(tui.unmount)
    await tui.waitFor('business_timezone')
    await tui.press(KEY.down, KEY.down, KEY.down, KEY.down) // early_end_mitra_daily_cap
    await tui.press(KEY.enter)
    await tui.waitFor('early_end_mitra_daily_cap = 3')
    await tui.press(KEY.backspace, '0')
    await tui.press(KEY.enter)
    let f = await tui.waitFor(/early_end_mitra_daily_cap: expected an integer from 1 to/)
    expect(f).toContain('early_end_mitra_daily_cap = 0')
    expect(await t.config.get('early_end_mitra_daily_cap')).toBe(3)
    await tui.press(KEY.backspace, '5', KEY.enter)
    await tui.waitFor('note (why, for the audit trail')
    await tui.press(KEY.enter)
    f = await tui.waitFor('Change the flag?')
    expect(f).toContain('early_end_mitra_daily_cap: 3 → 5')
    await tui.press(KEY.right, KEY.enter)
    await tui.waitFor('early_end_mitra_daily_cap: 3 → 5 (by ops-ana)')
    expect(await t.config.get('early_end_mitra_daily_cap')).toBe(5)
  })

  it('r resets a flag to its default after a confirmation, audited', async () => {
    const t = await setup('sqlite')
    onTestFinished(t.cleanup)
    await t.config.set('closing_grace_seconds', 60, { actor: 'ops' })
    const tui = await renderTui(t, { actor: 'ops-ana' })
    onTestFinished(tui.unmount)
    await tui.waitFor(/closing_grace_seconds\s+60\s+300/)
    await tui.press('G', 'k', 'k', 'k', 'r') // closing_grace_seconds: the fourth from the end
    await tui.waitFor('note (why, for the audit trail')
    await tui.press(KEY.enter)
    const f = await tui.waitFor('Reset to the default?')
    expect(f).toContain('closing_grace_seconds: 60 → 300')
    await tui.press(KEY.right, KEY.enter)
    await tui.waitFor('closing_grace_seconds: 60 → 300 (by ops-ana)')
    expect(await t.config.get('closing_grace_seconds')).toBe(300)
    expect((await t.config.history('closing_grace_seconds'))[0]).toMatchObject({ actor: 'ops-ana', newValue: 300 })
  })

  it('a change made meanwhile by someone else is shown with who made it, and asked about again, never overwritten', async () => {
    const t = await setup('sqlite')
    onTestFinished(t.cleanup)
    await t.config.set('early_end_mitra_daily_cap', 5, { actor: 'ops' })
    const tui = await renderTui(t, { actor: 'ops-ana' })
    onTestFinished(tui.unmount)
    await tui.waitFor(/early_end_mitra_daily_cap\s+5\s+3/)
    await tui.press(KEY.down, KEY.down, KEY.down, KEY.down, KEY.enter)
    await tui.waitFor('early_end_mitra_daily_cap = 5')
    await tui.press(KEY.backspace, '4', KEY.enter)
    await tui.waitFor('note (why, for the audit trail')
    await tui.press('t', 'r', 'i', 'a', 'l', KEY.enter)
    await tui.waitFor('Change the flag?')
    // a colleague, from the CLI, while the dialog is open
    await t.config.set('early_end_mitra_daily_cap', 6, { actor: 'ops-budi', note: 'promo part 2' })
    await tui.press(KEY.right, KEY.enter)
    let f = await tui.waitFor('Changed meanwhile: change it still?')
    expect(f).toContain('early_end_mitra_daily_cap: 6 → 4')
    expect(f).toMatch(/changed meanwhile by ops-budi at 2026-11-24 10:00 WIB: now 6/)
    expect(await t.config.get('early_end_mitra_daily_cap')).toBe(6)
    // the colleague's change is announced on the next poll: let it come before our own notice, which it would replace
    await tui.waitFor('ops-budi changed early_end_mitra_daily_cap')
    await tui.press(KEY.right, KEY.enter)
    f = await tui.waitFor('early_end_mitra_daily_cap: 6 → 4 (by ops-ana)')
    expect((await t.config.history('early_end_mitra_daily_cap'))[0]).toMatchObject({ actor: 'ops-ana', oldValue: 6, newValue: 4, note: 'trial' })
  })

  it("announces another operator's flag change on any screen", async () => {
    const t = await setup('sqlite')
    onTestFinished(t.cleanup)
    const tui = await renderTui(t, { actor: 'ops-ana', screen: 'reviews', noticeMs: 60_000 })
    onTestFinished(tui.unmount)
    await tui.waitFor('Reviews')
    await sleep(300)
    await t.config.set('early_end_mitra_daily_cap', 6, { actor: 'ops-budi', note: 'promo part 2' })
    await tui.waitFor('ops-budi changed early_end_mitra_daily_cap: 3 → 6 ("promo part 2")')
    // the operator's own changes are not announced to them
    await t.config.set('closing_grace_seconds', 60, { actor: 'ops-ana' })
    await sleep(400)
    expect(tui.frame()).not.toContain('changed closing_grace_seconds')
  })

  it('tells the rollout and the guard as one story under the flags: who sees Akhiri, how close each threshold is', async () => {
    const t = await setup('sqlite')
    onTestFinished(t.cleanup)
    await t.config.set('early_end_mitra_enabled', true, { actor: 'ops' })
    await t.config.set('early_end_mitra_rollout_percent', 0, { actor: 'ops' })
    await t.config.set('early_end_guard', { mitraEarlyEndsPerHour: 2, reviewsOpenedToday: 4 }, { actor: 'ops' })
    await createRolloutService(t.handle, { clock: t.clock }).add(['m-1'], { actor: 'ops' })
    const [id] = [(await t.closures.openSession({ mitraId: 'm-1', customerId: 'c-1' })).id]
    await t.closures.openSession({ mitraId: 'm-2', customerId: 'c-2' })
    await t.closures.initiateEarlyEnd(id!, UserType.MITRA, { actorId: 'm-1', reason: 'customer_left' })
    await t.closures.openSession({ mitraId: 'm-1', customerId: 'c-3' })
    const tui = await renderTui(t, { actor: 'ops-ana' })
    onTestFinished(tui.unmount)
    let f = await tui.waitFor('Rollout')
    expect(lineOf(f, 'Rollout')).toMatch(/0% by bucket, cohort \+1\/-0 · Akhiri now: 1 of 2 live mitras \(50%\)/)
    expect(lineOf(f, 'Guard')).toMatch(/mitraEarlyEndsPerHour 1\/2 \(50%\) · reviewsOpenedToday 0\/4 \(0%\)/)
    // the second early end in the hour trips it: the panel says so on its next refresh
    const [again] = (await t.closures.listSessions({ mitraId: 'm-1', status: 'active' })).map((s) => s.id)
    await t.closures.initiateEarlyEnd(again!, UserType.MITRA, { actorId: 'm-1', reason: 'customer_left' })
    f = await tui.waitFor('last switch-off')
    expect(lineOf(f, 'Guard')).toMatch(/mitraEarlyEndsPerHour 2\/2 REACHED/)
    expect(lineOf(f, 'Rollout')).toMatch(/Akhiri OFF: 0 of 1 live mitras/)
  })

  it('shows a flag changed by another process without a restart', async () => {
    const t = await setup('sqlite')
    onTestFinished(t.cleanup)
    const tui = await renderTui(t)
    onTestFinished(tui.unmount)
    await tui.waitFor('closing_grace_seconds')
    await t.config.set('closing_grace_seconds', 120, { actor: 'elsewhere' })
    const f = await tui.waitFor((fr) => /closing_grace_seconds\s+120\s+300/.test(fr))
    expect(f).toContain('closing_grace_seconds')
  })
})

/** `mitra` ends `n` sessions early today (the cap counts them). */
async function mitraEnds(t: Setup, mitra: string, n: number, reason = 'customer_left') {
  for (let i = 0; i < n; i++) {
    const s = await t.closures.openSession({ customerId: `c-${mitra}-${i}`, mitraId: mitra })
    await t.closures.initiateEarlyEnd(s.id, UserType.MITRA, { actorId: mitra, reason })
  }
}

describe('Reviews screen', () => {
  it('lists open reviews with the early ends that day as report cap counts them, opens one on its closures, and resolves it with an outcome and a note', async () => {
    const t = await setup('sqlite')
    onTestFinished(t.cleanup)
    await t.config.set('early_end_mitra_enabled', true, { actor: 'ops' })
    await t.config.set('early_end_mitra_daily_cap', 3, { actor: 'ops' })
    // three early ends: the third reaches the cap and opens the review (it alone is attached to it)
    await mitraEnds(t, 'm-7', 2)
    const last = await t.closures.openSession({ customerId: 'c-last', mitraId: 'm-7' })
    await t.closures.initiateEarlyEnd(last.id, UserType.MITRA, { actorId: 'm-7', reason: 'other', note: 'pelanggan minta lanjut besok' })
    const [review] = await t.reviews.list({ status: 'open' })
    expect(review).toMatchObject({ mitraId: 'm-7', earlyEnds: 1 })
    const tui = await renderTui(t, { screen: 'reviews', actor: 'cc-budi' })
    onTestFinished(tui.unmount)
    let f = await tui.waitFor('1 of 1 open review')
    expect(f).toMatch(/review\s+mitra\s+day\s+early ends\s+opened/)
    expect(lineOf(f, `#${review!.id}`)).toMatch(/m-7\s+2026-11-24\s+3\s+2026-11-24 10:00 WIB/)
    // Enter opens the review on its closures (time, session, actor, reason, note), before any action
    await tui.press(KEY.enter)
    f = await tui.waitFor(`Review #${review!.id}  open`)
    expect(f).toContain('3 by the mitra that day; 1 attached to this review')
    expect(f).toMatch(new RegExp(`10:00 #${last.id}\\s+mitra m-7\\s+other\\s+attached\\s+pelanggan minta lanjut besok`))
    expect(f.match(/mitra m-7\s+customer_left\s+-$/gm)).toHaveLength(2)
    expect(f).not.toContain('Resolve the review')
    await tui.press('r')
    f = await tui.waitFor('Resolve the review')
    expect(f).toMatch(/› Cancel[\s\S]*cleared[\s\S]*warned[\s\S]*suspended/)
    expect(f).toContain('3 early ends that day')
    // a digit does not pick an outcome
    await tui.press('2', '3')
    await tui.press(KEY.down, KEY.down, KEY.enter)
    await tui.waitFor('Note (warned):')
    await tui.press(...'sudah ditegur'.split(''), KEY.enter)
    f = await tui.waitFor('resolved: warned (by cc-budi)')
    f = await tui.waitFor('resolved (daily_cap_reached)')
    expect(f).toContain('warned by cc-budi at 2026-11-24 10:00 WIB · "sudah ditegur"')
    await tui.press(KEY.esc)
    await tui.waitFor('0 of 0 open reviews')
    expect(await t.reviews.get(review!.id)).toMatchObject({ status: 'resolved', outcome: 'warned', note: 'sudah ditegur', resolvedBy: 'cc-budi' })

    // s shows the resolved ones
    await tui.press('s')
    f = await tui.waitFor('1 of 1 resolved review')
    expect(lineOf(f, `#${review!.id}`)).toMatch(/m-7\s+2026-11-24\s+3\s+warned · cc-budi · 2026-11-24 10:00 WIB/)
    await tui.press(KEY.enter)
    await tui.waitFor(`Review #${review!.id}  resolved`)
    await tui.press('r')
    await tui.waitFor('is already resolved')
    await tui.press(KEY.esc, 's')
    await tui.waitFor('0 open reviews')
  })
})

describe('Reports screen', () => {
  it('charts mitra early ends per business day by default, with top mitras, reasons and the cap', async () => {
    const t = await setup('sqlite')
    onTestFinished(t.cleanup)
    await t.config.set('early_end_mitra_enabled', true, { actor: 'ops' })
    await mitraEnds(t, 'm-1', 1, 'customer_left')
    await mitraEnds(t, 'm-1', 1, 'out_of_scope')
    await mitraEnds(t, 'm-2', 1, 'customer_left')
    // an expiry and a support end: closures, but not mitra early ends
    const s = await t.closures.openSession({ customerId: 'c', mitraId: 'm-3', durationMinutes: 1 })
    const s2 = await t.closures.openSession({ customerId: 'c', mitraId: 'm-3' })
    await t.closures.initiateEarlyEnd(s2.id, UserType.SUPPORT, { actorId: 'ops', reason: 'customer_abusive' })
    t.clock.advance(120_000)
    await t.closures.sweep()
    expect((await t.closures.getSession(s.id)).status).toBe('closing')
    const tui = await renderTui(t, { screen: 'reports' })
    onTestFinished(tui.unmount)
    let f = await tui.waitFor('Top mitras')
    expect(f).toContain('Mitra early ends per business day · 2026-11-11 … 2026-11-24 · total 3')
    expect(f.split('\n').filter((l) => /^2026-11-\d\d /.test(l))).toHaveLength(14)
    const bar = (fr: string, day: string) => fr.split('\n').find((l) => l.startsWith(`${day} `)) ?? ''
    expect(bar(f, '2026-11-24')).toMatch(/^2026-11-24 █+\s+3$/)
    expect(bar(f, '2026-11-23')).toMatch(/^2026-11-23\s+0$/)
    expect(lineOf(f, 'Top mitras')).toContain('m-1 2 · m-2 1')
    expect(lineOf(f, 'Reasons')).toContain('customer_left 2 · out_of_scope 1')
    expect(f).toContain('Cap 3/day (block) · 2026-11-24: 2 mitras with early ends, 0 at or over the cap')

    // a: all closures (the expiry and the support end count too)
    await tui.press('a')
    f = await tui.waitFor('All closures per business day')
    expect(f).toContain('total 5')
    expect(lineOf(f, 'Reasons')).toContain('(no reason) 1')
    // b: by mitra, then by reason
    await tui.press('a', 'b')
    f = await tui.waitFor('Mitra early ends by mitra')
    expect(f).toMatch(/^m-1 █+\s+2$/m)
    await tui.press('b')
    f = await tui.waitFor('Mitra early ends by reason')
    expect(f).toMatch(/^customer_left █+\s+2$/m)
    // +: a longer range, its bars each summing days so they fit
    await tui.press('b', '+', '+')
    f = await tui.waitFor('(90 days)')
    expect(f).toMatch(/2026-08-27 … 2026-11-24 · total 3 \(\d days per bar\)/)
    await tui.press('-', '-', '-')
    f = await tui.waitFor('(7 days)')
    expect(f.split('\n').filter((l) => /^2026-11-\d\d /.test(l))).toHaveLength(7)
  })
})

describe('the shell', () => {
  it('switches screens with 1-4 and Tab, shows keys on ?, quits on q', async () => {
    const t = await setup('sqlite')
    onTestFinished(t.cleanup)
    const tui = await renderTui(t)
    onTestFinished(tui.unmount)
    await tui.waitFor('business_timezone')
    await tui.press('2')
    await tui.waitFor('No live sessions')
    await tui.press(KEY.tab)
    await tui.waitFor('0 open reviews')
    await tui.press('4')
    await tui.waitFor('Mitra early ends per business day')
    await tui.press('?')
    const f = await tui.waitFor('Keys')
    expect(f).toContain('q, Ctrl-C')
    expect(f).toContain('digits never choose')
    await tui.press('x')
    await tui.waitFor('Mitra early ends per business day')
    expect(tui.quit.called).toBe(false)
    await tui.press('q')
    expect(tui.quit.called).toBe(true)
  })

  it('names the database and the operator in the header', async () => {
    const t = await setup('sqlite')
    onTestFinished(t.cleanup)
    const tui = await renderTui(t, { actor: 'ops-ana' })
    onTestFinished(tui.unmount)
    const f = await tui.waitFor('business_timezone')
    expect(f.split('\n')[1]).toBe(` SQLite file  ${t.target} · operator ops-ana`)
  })

  it('marks a PostgreSQL target apart from a file, with its password masked as the handle gives it', () => {
    const header = (engine: 'sqlite' | 'postgres', target: string) =>
      render(<Header screens={[{ id: 'a', title: 'A' }]} current="a" database={{ engine, target }} actor="ops-ana" width={80} />)
    const pg = header('postgres', 'postgres://halo:***@db.prod:5432/halo')
    expect(pg.lastFrame()).toContain(' PostgreSQL  postgres://halo:***@db.prod:5432/halo · operator ops-ana')
    const file = header('sqlite', '/var/lib/halo/a-rather-long-directory-name/that-goes-on-and-on/and-on/halo.db')
    // a long path keeps its end, the file name
    const line = file.lastFrame()?.split('\n')[1] ?? ''
    expect(line.startsWith(' SQLite file  …')).toBe(true)
    expect(line.endsWith('/and-on/halo.db · operator ops-ana')).toBe(true)
    expect(line.length).toBeLessThanOrEqual(80)
    const hostile = header('sqlite', 'x\u001b]0;pwned\u0007.db')
    expect(hostile.lastFrame()).toContain('x\\u001b]0;pwned\\u0007.db')
    for (const r of [pg, file, hostile]) r.unmount()
  })

  it('says what size it needs below 80x24 instead of drawing overlapped text, and comes back when resized', async () => {
    const t = await setup('sqlite')
    onTestFinished(t.cleanup)
    const tui = await renderTui(t, { screen: 'reports', columns: 70, rows: 20 })
    onTestFinished(tui.unmount)
    let f = await tui.waitFor('needs a terminal')
    expect(f).toBe('halo-admin needs a terminal of at least 80x24.\nThis one is 70x20: make it larger, or press q to quit.')
    await tui.press('1')
    await tui.resize(80, 23)
    f = await tui.waitFor('This one is 80x23')
    await tui.resize(80, 24)
    f = await tui.waitFor('Mitra early ends per business day')
    expect(f.split('\n').length).toBeLessThanOrEqual(23)
  })

  it('clears a footer notice after a while', async () => {
    const t = await setup('sqlite')
    onTestFinished(t.cleanup)
    const tui = await renderTui(t, { actor: 'ops-ana', noticeMs: 1500 })
    onTestFinished(tui.unmount)
    await tui.waitFor('business_timezone')
    await tui.press(' ')
    await tui.waitFor('note (why, for the audit trail')
    await tui.press(KEY.enter, KEY.right, KEY.enter)
    await tui.waitFor('early_end_mitra_enabled: false → true (by ops-ana)')
    await tui.waitFor((f) => !f.includes('(by ops-ana)') && f.includes('? keys · q quit'))
  })

  it('useServices throws outside its provider', () => {
    function Probe() {
      useServices()
      return <Text>never</Text>
    }
    const errors: unknown[] = []
    const original = console.error
    console.error = (...a: unknown[]) => errors.push(a)
    try {
      const r = render(<Probe />)
      expect(r.lastFrame()).toContain('useServices() must be used inside <ServicesProvider>')
      r.unmount()
    } finally {
      console.error = original
    }
  })

  it('keeps the cursor in view moving as little as possible', () => {
    expect(windowTop(100, 50, 10, 0)).toBe(41)
    expect(windowTop(100, 45, 10, 41)).toBe(41)
    expect(windowTop(100, 40, 10, 41)).toBe(40)
    expect(windowTop(5, 4, 10, 3)).toBe(0)
  })
})
