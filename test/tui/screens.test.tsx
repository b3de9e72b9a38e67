import { describe, expect, it, onTestFinished } from 'vitest'
import { render } from 'ink-testing-library'
import { Text } from 'ink'
import { UserType } from '../../src/index.js'
import { useServices } from '../../src/tui/services-context.js'
import { windowTop, moveCursor } from '../../src/tui/scroll-window.js'
import { setup } from '../support/engines.js'
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
    f = await tui.waitFor('Ubah flag?')
    expect(f).toContain('early_end_mitra_enabled: false → true')
    await tui.press(KEY.enter) // Batal
    await tui.waitFor((fr) => !fr.includes('Ubah flag?'))
    expect(await t.config.get('early_end_mitra_enabled')).toBe(false)
    expect(await t.config.history()).toHaveLength(0)

    await tui.press(' ', KEY.right, KEY.enter)
    f = await tui.waitFor('early_end_mitra_enabled: false → true (by ops-ana)')
    expect(lineOf(f, 'early_end_mitra_enabled')).toMatch(/early_end_mitra_enabled\s+true\s+false/)
    expect(await t.config.get('early_end_mitra_enabled')).toBe(true)
    const [change] = await t.config.history('early_end_mitra_enabled')
    expect(change).toMatchObject({ actor: 'ops-ana', oldValue: false, newValue: true })
  })

  it('toggles the flag the cursor reached when ↓ Space arrive faster than the screen redraws', async () => {
    const t = await setup('sqlite')
    onTestFinished(t.cleanup)
    const tui = await renderTui(t, { actor: 'ops-ana' })
    onTestFinished(tui.unmount)
    await tui.waitFor('business_timezone')
    await tui.burst(KEY.down, ' ')
    const f = await tui.waitFor('Ubah flag?')
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
    f = await tui.waitFor('Ubah flag?')
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
    await tui.press('G', 'k', 'r')
    const f = await tui.waitFor('Kembalikan ke default?')
    expect(f).toContain('closing_grace_seconds: 60 → 300')
    await tui.press(KEY.right, KEY.enter)
    await tui.waitFor('closing_grace_seconds: 60 → 300 (by ops-ana)')
    expect(await t.config.get('closing_grace_seconds')).toBe(300)
    expect((await t.config.history('closing_grace_seconds'))[0]).toMatchObject({ actor: 'ops-ana', newValue: 300 })
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

describe('Reviews screen', () => {
  it('lists open reviews and resolves one with an outcome and a note', async () => {
    const t = await setup('sqlite')
    onTestFinished(t.cleanup)
    await t.config.set('early_end_mitra_enabled', true, { actor: 'ops' })
    await t.config.set('early_end_mitra_daily_cap', 1, { actor: 'ops' })
    const s = await t.closures.openSession({ customerId: 'c-1', mitraId: 'm-7' })
    const r = await t.closures.initiateEarlyEnd(s.id, UserType.MITRA, { actorId: 'm-7', reason: 'customer_left' })
    expect(r.reviewOpened).toBe(true)
    const tui = await renderTui(t, { screen: 'reviews', actor: 'cc-budi' })
    onTestFinished(tui.unmount)
    let f = await tui.waitFor('1 review terbuka')
    expect(lineOf(f, `#${r.reviewId}`)).toMatch(/m-7\s+2026-11-24\s+1/)
    await tui.press(KEY.enter)
    f = await tui.waitFor('Resolve review')
    expect(f).toMatch(/cleared[\s\S]*warned[\s\S]*suspended/)
    await tui.press(KEY.down, KEY.enter)
    await tui.waitFor('Catatan (warned):')
    await tui.press(...'sudah ditegur'.split(''), KEY.enter)
    f = await tui.waitFor('resolved: warned (by cc-budi)')
    await tui.waitFor('0 review terbuka')
    expect(await t.reviews.get(r.reviewId!)).toMatchObject({ status: 'resolved', outcome: 'warned', note: 'sudah ditegur', resolvedBy: 'cc-budi' })
  })
})

describe('Reports screen', () => {
  it('charts closures per day over 14 business days with top mitras, reasons and the cap', async () => {
    const t = await setup('sqlite')
    onTestFinished(t.cleanup)
    await t.config.set('early_end_mitra_enabled', true, { actor: 'ops' })
    for (const [m, reason] of [
      ['m-1', 'customer_left'],
      ['m-1', 'out_of_scope'],
      ['m-2', 'customer_left'],
    ] as const) {
      const s = await t.closures.openSession({ customerId: 'c', mitraId: m })
      await t.closures.initiateEarlyEnd(s.id, UserType.MITRA, { actorId: m, reason })
    }
    const tui = await renderTui(t, { screen: 'reports' })
    onTestFinished(tui.unmount)
    const f = await tui.waitFor('Top mitra')
    expect(f).toContain('2026-11-11 … 2026-11-24')
    expect(f.split('\n').filter((l) => /^2026-11-\d\d /.test(l))).toHaveLength(14)
    const bar = (day: string) => f.split('\n').find((l) => l.startsWith(`${day} `)) ?? ''
    expect(bar('2026-11-24')).toMatch(/^2026-11-24 █+\s+3$/)
    expect(bar('2026-11-23')).toMatch(/^2026-11-23\s+0$/)
    expect(lineOf(f, 'Top mitra')).toContain('m-1 2 · m-2 1')
    expect(lineOf(f, 'Alasan')).toContain('customer_left 2 · out_of_scope 1')
    expect(f).toContain('Cap 3/hari (block)')
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
    await tui.waitFor('Tidak ada sesi aktif.')
    await tui.press(KEY.tab)
    await tui.waitFor('0 review terbuka')
    await tui.press('4')
    await tui.waitFor('Penutupan per hari')
    await tui.press('?')
    const f = await tui.waitFor('Keys')
    expect(f).toContain('q, Ctrl-C')
    await tui.press('x')
    await tui.waitFor('Penutupan per hari')
    expect(tui.quit.called).toBe(false)
    await tui.press('q')
    expect(tui.quit.called).toBe(true)
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
    expect(moveCursor(0, 10, 5, { pageDown: true })).toBe(5)
    expect(moveCursor(8, 10, 5, { pageDown: true })).toBe(9)
    expect(moveCursor(0, 10, 5, { upArrow: true })).toBe(0)
    expect(moveCursor(3, 10, 5, {}, 'G')).toBe(9)
  })
})
