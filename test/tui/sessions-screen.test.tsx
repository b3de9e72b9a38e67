import { describe, expect, it, onTestFinished } from 'vitest'
import { openDatabase, createConfigStore, createClosureService, UserType } from '../../src/index.js'
import { CONFIRM_BODY, CONFIRM_TITLE } from '../../src/tui/sessions-screen.js'
import { setup } from '../support/engines.js'
import { KEY, renderTui } from './render-tui.js'

async function world() {
  const t = await setup('sqlite')
  onTestFinished(t.cleanup)
  const s1 = await t.closures.openSession({ customerId: 'c-1', mitraId: 'm-1', durationMinutes: 30 })
  const s2 = await t.closures.openSession({ customerId: 'c-2', mitraId: 'm-2', durationMinutes: 45, status: 'extending' })
  return { t, s1, s2 }
}

/** The row of a session in the frame. */
const rowOf = (frame: string, id: number) => frame.split('\n').find((l) => new RegExp(`^[› ] #${id}\\s`).test(l)) ?? ''

describe('Sesi Aktif screen', () => {
  it('lists active and extending sessions with mitra, customer and time left', async () => {
    const { t, s1, s2 } = await world()
    const closing = await t.closures.openSession({ customerId: 'c-3', mitraId: 'm-3' })
    await t.closures.initiateEarlyEnd(closing.id, UserType.SUPPORT, { actorId: 'ops', reason: 'other', note: 'x' })
    const tui = await renderTui(t, { screen: 'sessions' })
    onTestFinished(tui.unmount)
    const f = await tui.waitFor(`#${s2.id}`)
    expect(rowOf(f, s1.id)).toMatch(/active\s+m-1\s+c-1\s+30:00/)
    expect(rowOf(f, s2.id)).toMatch(/extending\s+m-2\s+c-2\s+45:00/)
    expect(rowOf(f, closing.id)).toBe('')
    expect(f).toContain('2 sesi')
  })

  it('shows Akhiri only while early_end_mitra_enabled is true, following a change made by another connection', async () => {
    const { t, s1 } = await world()
    const tui = await renderTui(t, { screen: 'sessions' })
    onTestFinished(tui.unmount)
    let f = await tui.waitFor(`#${s1.id}`)
    expect(rowOf(f, s1.id)).not.toContain('Akhiri')
    expect(rowOf(f, s1.id).trimEnd()).toMatch(/ ›$/)

    const other = await openDatabase(t.target)
    onTestFinished(() => other.close())
    await createConfigStore(other).set('early_end_mitra_enabled', true, { actor: 'someone-else' })
    f = await tui.waitFor((fr) => rowOf(fr, s1.id).includes('Akhiri ›'))
    expect(rowOf(f, s1.id).trimEnd()).toMatch(/Akhiri ›$/)

    await createConfigStore(other).set('early_end_mitra_enabled', false, { actor: 'someone-else' })
    f = await tui.waitFor((fr) => !rowOf(fr, s1.id).includes('Akhiri') && rowOf(fr, s1.id) !== '')
    expect(rowOf(f, s1.id).trimEnd()).toMatch(/ ›$/)
    // Enter on a row does nothing but say why while the flag is off.
    await tui.press(KEY.enter)
    f = await tui.waitFor('Akhiri is off')
    expect(f).not.toContain(CONFIRM_TITLE)
  })

  it('asks the CLI confirmation, and Batal changes nothing', async () => {
    const { t, s1 } = await world()
    await t.config.set('early_end_mitra_enabled', true, { actor: 'ops' })
    const tui = await renderTui(t, { screen: 'sessions' })
    onTestFinished(tui.unmount)
    await tui.waitFor('Akhiri ›')
    await tui.press(KEY.enter)
    const f = await tui.waitFor(CONFIRM_TITLE)
    expect(f).toContain('Akhiri Sesi?')
    expect(f).toContain('Apakah kamu yakin ingin mengakhiri sesi ini?')
    expect(f).toContain(CONFIRM_BODY)
    expect(f).toMatch(/\[ Batal \]\s+Ya, Akhiri/)
    await tui.press(KEY.enter) // Batal has the focus
    await tui.waitFor((fr) => !fr.includes(CONFIRM_TITLE) && fr.includes(`#${s1.id}`))
    // Esc is Batal too
    await tui.press(KEY.enter)
    await tui.waitFor(CONFIRM_TITLE)
    await tui.press(KEY.esc)
    await tui.waitFor((fr) => !fr.includes(CONFIRM_TITLE))
    const s = await t.closures.getSession(s1.id)
    expect(s.status).toBe('active')
    expect(s.closure).toBeNull()
  })

  it('Ya, Akhiri with a reason moves the session to closing, as support with the operator as actor', async () => {
    const { t, s1 } = await world()
    await t.config.set('early_end_mitra_enabled', true, { actor: 'ops' })
    await t.config.set('early_end_reason_codes', ['customer_left', 'spam', 'other'], { actor: 'ops' })
    const tui = await renderTui(t, { screen: 'sessions', actor: 'ops-ana' })
    onTestFinished(tui.unmount)
    await tui.waitFor('Akhiri ›')
    await tui.press(KEY.enter)
    await tui.waitFor(CONFIRM_TITLE)
    await tui.press(KEY.right)
    await tui.waitFor('[ Ya, Akhiri ]')
    await tui.press(KEY.enter)
    // the picker offers the configured codes
    let f = await tui.waitFor('Alasan')
    expect(f).toMatch(/› customer_left[\s\S]*spam[\s\S]*other/)
    expect(f).not.toContain('out_of_scope')
    await tui.press(KEY.down)
    await tui.press(KEY.enter)
    await tui.waitFor(`Sesi #${s1.id} → closing`)
    f = await tui.waitFor((fr) => rowOf(fr, s1.id) === '')
    expect(f).toContain('1 sesi')
    const s = await t.closures.getSession(s1.id)
    expect(s.status).toBe('closing')
    expect(s.closure).toMatchObject({ initiatedBy: 'support', actorId: 'ops-ana', reason: 'spam', reasonNote: null })
  })

  it('acts on the row the cursor reached and the choice focused, for keys typed faster than the screen redraws', async () => {
    const { t, s2 } = await world()
    await t.config.set('early_end_mitra_enabled', true, { actor: 'ops' })
    await t.config.set('early_end_reason_codes', ['customer_left', 'spam'], { actor: 'ops' })
    const tui = await renderTui(t, { screen: 'sessions', actor: 'ops-ana' })
    onTestFinished(tui.unmount)
    await tui.waitFor('Akhiri ›')
    // ↓ Enter at once: the confirmation is about the second row, not the first
    await tui.burst(KEY.down, KEY.enter)
    let f = await tui.waitFor(CONFIRM_TITLE)
    expect(f).toContain(`Sesi #${s2.id}`)
    // → Enter at once: Ya, Akhiri, not Batal
    await tui.burst(KEY.right, KEY.enter)
    f = await tui.waitFor('Alasan')
    await tui.burst(KEY.down, KEY.enter)
    await tui.waitFor(`Sesi #${s2.id} → closing`)
    expect((await t.closures.getSession(s2.id)).closure).toMatchObject({ reason: 'spam' })
  })

  it('asks a note for other and stores it verbatim', async () => {
    const { t, s1 } = await world()
    await t.config.set('early_end_mitra_enabled', true, { actor: 'ops' })
    const tui = await renderTui(t, { screen: 'sessions' })
    onTestFinished(tui.unmount)
    await tui.waitFor('Akhiri ›')
    await tui.press(KEY.enter, KEY.right, KEY.enter)
    await tui.waitFor('› customer_abusive')
    await tui.press(KEY.up) // wraps to the last code: other
    await tui.press(KEY.enter)
    await tui.waitFor('Catatan (other):')
    // keys typed into the note do not switch screens or quit
    await tui.press(...'q2 minta'.split(''), KEY.backspace, 'a')
    await tui.waitFor('Catatan (other): q2 minta')
    await tui.press(KEY.enter)
    await tui.waitFor(`Sesi #${s1.id} → closing`)
    const s = await t.closures.getSession(s1.id)
    expect(s.closure).toMatchObject({ reason: 'other', reasonNote: 'q2 minta' })
  })

  it('shows a refusal from the library as a message and keeps running', async () => {
    const { t, s1 } = await world()
    await t.config.set('early_end_mitra_enabled', true, { actor: 'ops' })
    const tui = await renderTui(t, { screen: 'sessions' })
    onTestFinished(tui.unmount)
    await tui.waitFor('Akhiri ›')
    await tui.press(KEY.enter, KEY.right, KEY.enter)
    await tui.waitFor('Alasan')
    // meanwhile another process ends the session as its mitra
    const other = await openDatabase(t.target)
    onTestFinished(() => other.close())
    await createClosureService(other, { clock: t.clock }).initiateEarlyEnd(s1.id, UserType.MITRA, { actorId: 'm-1', reason: 'customer_left' })
    await tui.press(KEY.enter)
    const f = await tui.waitFor('error INVALID_STATE')
    expect(f).not.toContain('Alasan')
    const s = await t.closures.getSession(s1.id)
    expect(s.closure).toMatchObject({ initiatedBy: 'mitra', reason: 'customer_left' })
    // still alive: switch screens
    await tui.press('1')
    await tui.waitFor('early_end_mitra_enabled')
  })

  it('keeps the last data and says why when a reload fails (database gone)', async () => {
    const { t, s1 } = await world()
    const own = await openDatabase(t.target)
    const tui = await renderTui(t, { screen: 'sessions', handle: own })
    onTestFinished(tui.unmount)
    await tui.waitFor(`#${s1.id}`)
    await own.close()
    // (on SQLite the library reports a closed handle as a plain error, on PostgreSQL as DB_ERROR)
    const f = await tui.waitFor('not refreshed: error')
    expect(rowOf(f, s1.id)).not.toBe('')
    await tui.press('1')
    await tui.waitFor(/^error/m)
  })

  it('filters with / by mitra, customer or #id, Esc clears', async () => {
    const { t, s1, s2 } = await world()
    const tui = await renderTui(t, { screen: 'sessions' })
    onTestFinished(tui.unmount)
    await tui.waitFor(`#${s2.id}`)
    await tui.press('/', 'm', '-', '2')
    let f = await tui.waitFor((fr) => rowOf(fr, s1.id) === '' && rowOf(fr, s2.id) !== '')
    expect(f).toContain('1 sesi dari 2')
    await tui.press(KEY.enter)
    f = await tui.waitFor('filter: m-2')
    await tui.press(KEY.esc)
    f = await tui.waitFor((fr) => rowOf(fr, s1.id) !== '' && rowOf(fr, s2.id) !== '')
    expect(f).toContain('2 sesi')
  })

  it('renders only the visible window of a long list and scrolls', async () => {
    const t = await setup('sqlite')
    onTestFinished(t.cleanup)
    const ids: number[] = []
    for (let i = 0; i < 60; i++) ids.push((await t.closures.openSession({ customerId: `c-${i}`, mitraId: `m-${i}` })).id)
    const tui = await renderTui(t, { screen: 'sessions' })
    onTestFinished(tui.unmount)
    let f = await tui.waitFor('60 sesi')
    expect(f.split('\n').length).toBeLessThanOrEqual(23)
    expect(rowOf(f, ids[0]!)).not.toBe('')
    expect(rowOf(f, ids[59]!)).toBe('')
    await tui.press('G')
    f = await tui.waitFor((fr) => rowOf(fr, ids[59]!).startsWith('›'))
    expect(rowOf(f, ids[0]!)).toBe('')
  })
})
