import { describe, expect, it, onTestFinished } from 'vitest'
import { sql } from 'kysely'
import { openDatabase, createConfigStore, createClosureService, UserType } from '../../src/index.js'
import { END_CONFIRM_BODY, END_CONFIRM_TITLE } from '../../src/present/prd-strings.js'
import { setup, type Setup } from '../support/engines.js'
import { osIdentity } from '../../src/access/identity.js'
import { KEY, renderTui } from './render-tui.js'
import { Profiler, act } from 'react'
import { render } from 'ink-testing-library'
import { App } from '../../src/tui/app.js'
import { ServicesProvider, servicesFor } from '../../src/tui/services-context.js'
import { sleep } from '../support/time.js'

async function world() {
  const t = await setup('sqlite')
  onTestFinished(t.cleanup)
  // s1 is the newer: the first row, as the list is newest first
  const s2 = await t.closures.openSession({ customerId: 'c-2', mitraId: 'm-2', durationMinutes: 45, status: 'extending' })
  const s1 = await t.closures.openSession({ customerId: 'c-1', mitraId: 'm-1', durationMinutes: 30 })
  return { t, s1, s2 }
}

/** `n` live sessions in one statement (the service opens one per transaction: too slow for thousands). */
async function manySessions(t: Setup, n: number, name = (i: number) => `load-m-${String(i % 800).padStart(3, '0')}`): Promise<number[]> {
  const now = t.clock.now()
  const ends = new Date(now.getTime() + 3_600_000).toISOString()
  await t.handle.write(async (trx) => {
    for (let from = 0; from < n; from += 500) {
      const rows = Array.from({ length: Math.min(500, n - from) }, (_, k) => ({
        customer_id: `load-c-${from + k}`,
        mitra_id: name(from + k),
        status: 'active',
        started_at: now.toISOString(),
        ends_at: ends,
        grace_ends_at: null,
        closed_at: null,
      }))
      await trx.insertInto('sessions').values(rows).execute()
    }
  })
  // in the list's order: newest first
  const ids = await t.handle.read((db) => db.selectFrom('sessions').select('id').orderBy('id', 'desc').execute())
  return ids.map((r) => r.id)
}

/** The row of a session in the frame. */
const rowOf = (frame: string, id: number) => frame.split('\n').find((l) => new RegExp(`^[› ] #${id}\\s`).test(l)) ?? ''
/** The id under the cursor. */
const cursorOn = (frame: string) => Number(/^› #(\d+)/m.exec(frame)?.[1] ?? NaN)

describe('Sesi Aktif: the list', () => {
  it('lists active and extending sessions with mitra, customer and time left', async () => {
    const { t, s1, s2 } = await world()
    const closing = await t.closures.openSession({ customerId: 'c-3', mitraId: 'm-3' })
    await t.closures.initiateEarlyEnd(closing.id, UserType.SUPPORT, { actorId: 'ops', reason: 'other', note: 'x' })
    const tui = await renderTui(t, { screen: 'sessions' })
    onTestFinished(tui.unmount)
    const f = await tui.waitFor(`#${s2.id}`)
    expect(f).toMatch(/session\s+status\s+mitra\s+customer\s+left/)
    expect(rowOf(f, s1.id)).toMatch(/active\s+m-1\s+c-1\s+30m\s/)
    expect(rowOf(f, s2.id)).toMatch(/extending\s+m-2\s+c-2\s+45m\s/)
    expect(rowOf(f, closing.id)).toBe('')
    expect(f).toContain('2 live sessions')
    expect(f).toContain('2 Sesi Aktif')
  })

  it('ends each row as the mitra app does: Akhiri › while early_end_mitra_enabled is true, else the chevron alone', async () => {
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
    // nothing on the screen says Akhiri is off while offering it: Enter opens the session either way
    expect(f).not.toMatch(/Enter: Akhiri/)
    await tui.press(KEY.enter)
    f = await tui.waitFor(`Session #${s1.id}`)
    expect(f).toContain('a: Akhiri as support')
  })

  it('keeps the cursor on the chosen session while sessions above it end elsewhere, and says so when its own ends', async () => {
    const t = await setup('sqlite')
    onTestFinished(t.cleanup)
    const ids: number[] = []
    for (let i = 7; i >= 0; i--) ids.unshift((await t.closures.openSession({ customerId: `c-${i}`, mitraId: `m-${i}` })).id)
    const tui = await renderTui(t, { screen: 'sessions' })
    onTestFinished(tui.unmount)
    await tui.waitFor('8 live sessions')
    await tui.press('j', 'j', 'j', 'j')
    let f = await tui.waitFor((fr) => cursorOn(fr) === ids[4])

    const other = await openDatabase(t.target)
    onTestFinished(() => other.close())
    const elsewhere = createClosureService(other, { clock: t.clock })
    for (const id of [ids[0]!, ids[2]!]) await elsewhere.initiateEarlyEnd(id, UserType.SUPPORT, { actorId: 'ops-budi', reason: 'customer_left' })
    f = await tui.waitFor('6 live sessions')
    expect(cursorOn(f)).toBe(ids[4])
    expect(f).not.toContain('no longer live')

    // its own session ends elsewhere: the footer says so and who; the cursor is on the one that followed
    await createConfigStore(other).set('early_end_mitra_enabled', true, { actor: 'ops' })
    await elsewhere.initiateEarlyEnd(ids[4]!, UserType.MITRA, { actorId: 'm-4', reason: 'customer_left' })
    f = await tui.waitFor('no longer live')
    expect(f).toContain(`Session #${ids[4]} is no longer live: ended early by mitra m-4; the cursor moved to #${ids[5]}`)
    expect(cursorOn(f)).toBe(ids[5])
  })

  it('counts every key of a burst: "jjj" in one input moves three rows', async () => {
    const t = await setup('sqlite')
    onTestFinished(t.cleanup)
    const ids = await manySessions(t, 40)
    const tui = await renderTui(t, { screen: 'sessions' })
    onTestFinished(tui.unmount)
    await tui.waitFor('40 live sessions')
    await tui.burst('jjj')
    let f = await tui.waitFor((fr) => cursorOn(fr) === ids[3])
    await tui.burst('jjjjjjjjjj', 'k')
    f = await tui.waitFor((fr) => cursorOn(fr) === ids[12])
    expect(cursorOn(f)).toBe(ids[12])
  })

  it('renders only the visible window of a long list and scrolls', async () => {
    const t = await setup('sqlite')
    onTestFinished(t.cleanup)
    const ids = await manySessions(t, 60)
    const tui = await renderTui(t, { screen: 'sessions' })
    onTestFinished(tui.unmount)
    let f = await tui.waitFor('60 live sessions')
    expect(f.split('\n').length).toBeLessThanOrEqual(23)
    expect(rowOf(f, ids[0]!)).not.toBe('')
    expect(rowOf(f, ids[59]!)).toBe('')
    await tui.press('G')
    f = await tui.waitFor((fr) => rowOf(fr, ids[59]!).startsWith('›'))
    expect(rowOf(f, ids[0]!)).toBe('')
  })

  it('keeps its filter, cursor and scroll while another screen is shown', async () => {
    const t = await setup('sqlite')
    onTestFinished(t.cleanup)
    const ids = await manySessions(t, 60, (i) => (i % 2 === 0 ? 'm-even' : 'm-odd'))
    const tui = await renderTui(t, { screen: 'sessions' })
    onTestFinished(tui.unmount)
    await tui.waitFor('60 live sessions')
    await tui.press('/', ...'m-odd', KEY.enter)
    await tui.waitFor('of 30 matching of 60 live sessions')
    await tui.press('G', 'k')
    await tui.waitFor((fr) => cursorOn(fr) === ids[56])
    await tui.press('1')
    await tui.waitFor('business_timezone')
    await tui.press('2')
    const f = await tui.waitFor('29 of 30 matching of 60 live sessions')
    expect(f).toContain('filter: m-odd')
    expect(cursorOn(f)).toBe(ids[56])
    expect(rowOf(f, ids[58]!)).not.toBe('')
  })
})

describe('Sesi Aktif: the filter', () => {
  it('filters with / by mitra, customer or #id; the cursor stays on its session; Esc clears', async () => {
    const { t, s1, s2 } = await world()
    const tui = await renderTui(t, { screen: 'sessions' })
    onTestFinished(tui.unmount)
    await tui.waitFor(`#${s2.id}`)
    await tui.press('j')
    await tui.waitFor((fr) => cursorOn(fr) === s2.id)
    await tui.press('/', 'm', '-', '2')
    let f = await tui.waitFor((fr) => rowOf(fr, s1.id) === '' && rowOf(fr, s2.id) !== '')
    expect(f).toContain('1 of 1 matching of 2 live sessions')
    await tui.press(KEY.enter)
    f = await tui.waitFor('filter: m-2')
    await tui.press(KEY.esc)
    f = await tui.waitFor((fr) => rowOf(fr, s1.id) !== '' && rowOf(fr, s2.id) !== '')
    expect(f).toContain('2 of 2 live sessions')
    expect(cursorOn(f)).toBe(s2.id)
    await tui.press('/', '#', String(s1.id), KEY.enter)
    f = await tui.waitFor('1 of 1 matching of 2 live sessions')
    expect(rowOf(f, s1.id)).not.toBe('')
    await tui.press(KEY.esc, '/', 'c', '-', '2', KEY.enter)
    f = await tui.waitFor((fr) => fr.includes('1 of 1 matching of 2') && rowOf(fr, s2.id) !== '')
  })

  it('loses no letter typed faster than a list of thousands redraws', async () => {
    const t = await setup('sqlite')
    onTestFinished(t.cleanup)
    await manySessions(t, 3000)
    const tui = await renderTui(t, { screen: 'sessions' })
    onTestFinished(tui.unmount)
    await tui.waitFor('3000 live sessions')
    await tui.press('/')
    // each letter its own input event, all before the screen redraws: as a fast typist's
    await tui.burst(...'load-m-017')
    const f = await tui.waitFor('/ load-m-017')
    expect(
      f
        .split('\n')
        .find((l) => l.startsWith('/ '))
        ?.trim(),
    ).toBe('/ load-m-017')
    await tui.waitFor('1 of 4 matching of 3000 live sessions')
  })
})

describe('Sesi Aktif: a session and ending it as support', () => {
  it('Enter opens the session: status, time left, closure, goodbyes and events', async () => {
    const { t, s1 } = await world()
    const tui = await renderTui(t, { screen: 'sessions' })
    onTestFinished(tui.unmount)
    await tui.waitFor(`#${s1.id}`)
    await tui.press(KEY.enter)
    let f = await tui.waitFor(`Session #${s1.id}`)
    expect(f).toMatch(new RegExp(`Session #${s1.id}\\s+active · 30m left`))
    expect(f).toMatch(/mitra\s+m-1/)
    expect(f).toMatch(/times\s+started 2026-11-24 10:00 WIB · ends 2026-11-24 10:30 WIB/)
    expect(f).toMatch(/closure\s+none/)
    expect(f).toMatch(/2026-11-24 10:00:00 WIB\s+opened\s+- → active\s+system/)

    // ended elsewhere with goodbyes: the view follows
    await t.config.set('early_end_mitra_enabled', true, { actor: 'ops' })
    const other = await openDatabase(t.target)
    onTestFinished(() => other.close())
    const elsewhere = createClosureService(other, { clock: t.clock })
    await elsewhere.initiateEarlyEnd(s1.id, UserType.MITRA, { actorId: 'm-1', reason: 'customer_left' })
    await elsewhere.postGoodbye(s1.id, UserType.MITRA, { actorId: 'm-1', message: 'Terima kasih\u001b]0;x\u0007' })
    f = await tui.waitFor('goodbyes  mitra')
    expect(f).toMatch(/closing · grace 5m/)
    expect(f).toMatch(/closure\s+ended early by mitra m-1 · reason customer_left\n\s+day 2026-11-24 · grace until 2026-11-24 10:05 WIB · authenticated as \S+/)
    expect(f).toContain(`authenticated as ${osIdentity()}`)
    expect(f).toContain('mitra m-1: "Terima kasih\\u001b]0;x\\u0007"')
    expect(f).toMatch(/early_end\s+active → closing\s+mitra m-1/)
    expect(f).not.toContain('a: Akhiri')
    await tui.press(KEY.esc)
    await tui.waitFor('1 live sessions')
  })

  it('asks the CLI confirmation, opening on Batal, even while the mitra flag is off; Batal and Esc change nothing', async () => {
    const { t, s1 } = await world()
    expect(await t.config.get('early_end_mitra_enabled')).toBe(false)
    const tui = await renderTui(t, { screen: 'sessions' })
    onTestFinished(tui.unmount)
    await tui.waitFor(`#${s1.id}`)
    await tui.press(KEY.enter)
    await tui.waitFor(`Session #${s1.id}`)
    await tui.press('a')
    const f = await tui.waitFor(END_CONFIRM_TITLE)
    expect(f).toContain('Akhiri Sesi?')
    expect(f).toContain('Apakah kamu yakin ingin mengakhiri sesi ini?')
    expect(f).toContain(END_CONFIRM_BODY)
    expect(f).toMatch(/\[ Batal \]\s+Ya, Akhiri/)
    expect(f).toContain(`Session #${s1.id} · as support ops-ana`)
    expect(f).toContain('mitra m-1 · customer c-1')
    // the footer says what works in the dialog, not the shell's keys
    expect(f.trimEnd().split('\n').at(-1)).toBe('Esc: cancel')
    await tui.press(KEY.enter) // Batal has the focus
    await tui.waitFor((fr) => !fr.includes(END_CONFIRM_TITLE) && fr.includes('a: Akhiri'))
    await tui.press('a')
    await tui.waitFor(END_CONFIRM_TITLE)
    await tui.press(KEY.esc)
    await tui.waitFor((fr) => !fr.includes(END_CONFIRM_TITLE))
    const s = await t.closures.getSession(s1.id)
    expect(s.status).toBe('active')
    expect(s.closure).toBeNull()
  })

  it('never lets a digit choose: Enter 2 1 from the list, or a 2 1 in the dialogs, ends nothing', async () => {
    const { t, s1 } = await world()
    await t.config.set('early_end_mitra_enabled', true, { actor: 'ops' })
    const tui = await renderTui(t, { screen: 'sessions' })
    onTestFinished(tui.unmount)
    await tui.waitFor('Akhiri ›')
    // one key at a time
    await tui.press(KEY.enter, '2', '1')
    await tui.waitFor('business_timezone')
    await tui.press('2')
    await tui.waitFor(`Session #${s1.id}`)
    await tui.press('a', '2', '1', '2')
    let f = await tui.waitFor(END_CONFIRM_TITLE)
    expect(f).toMatch(/\[ Batal \]/)
    // all at once: a, digits, Enter reach the dialog in order; Enter chooses Batal
    await tui.press(KEY.esc)
    await tui.waitFor((fr) => !fr.includes(END_CONFIRM_TITLE))
    await tui.burst('a21\r')
    f = await tui.waitFor((fr) => !fr.includes(END_CONFIRM_TITLE) && fr.includes('a: Akhiri'))
    // past the confirmation, digits do not pick a reason either
    await tui.press('a', KEY.right, KEY.enter)
    f = await tui.waitFor('Reason')
    expect(f).toMatch(/› Batal/)
    await tui.press('1', '2', '3', KEY.enter)
    await tui.waitFor((fr) => !fr.includes('Reason'))
    expect((await t.closures.getSession(s1.id)).closure).toBeNull()
  })

  it('Ya, Akhiri with a reason moves the session to closing, as support with the operator as actor', async () => {
    const { t, s1 } = await world()
    await t.config.set('early_end_reason_codes', ['customer_left', 'spam', 'other'], { actor: 'ops' })
    const tui = await renderTui(t, { screen: 'sessions', actor: 'ops-ana' })
    onTestFinished(tui.unmount)
    await tui.waitFor(`#${s1.id}`)
    await tui.press(KEY.enter, 'a')
    await tui.waitFor(END_CONFIRM_TITLE)
    await tui.press(KEY.right)
    await tui.waitFor('[ Ya, Akhiri ]')
    await tui.press(KEY.enter)
    // the picker offers the configured codes, opening on Batal
    let f = await tui.waitFor('Reason')
    expect(f).toMatch(/› Batal[\s\S]*customer_left[\s\S]*spam[\s\S]*other/)
    expect(f).not.toContain('out_of_scope')
    await tui.press(KEY.down, KEY.down, KEY.enter)
    f = await tui.waitFor(`Session #${s1.id} → closing, grace until 2026-11-24 10:05 WIB (support, by ops-ana)`)
    const s = await t.closures.getSession(s1.id)
    expect(s.status).toBe('closing')
    expect(s.closure).toMatchObject({ initiatedBy: 'support', actorId: 'ops-ana', reason: 'spam', reasonNote: null })
    await tui.waitFor(/closing · grace 5m/)
  })

  it('acts on the row the cursor reached and the choice focused, for keys typed faster than the screen redraws', async () => {
    const { t, s2 } = await world()
    await t.config.set('early_end_reason_codes', ['customer_left', 'spam'], { actor: 'ops' })
    const tui = await renderTui(t, { screen: 'sessions', actor: 'ops-ana' })
    onTestFinished(tui.unmount)
    await tui.waitFor(`#${s2.id}`)
    // ↓ Enter a → Enter at once: the confirmation is about the second row, and → reached Ya, Akhiri
    await tui.burst(KEY.down, KEY.enter, 'a', KEY.right, KEY.enter)
    let f = await tui.waitFor('Reason')
    expect(f).toContain(`Session #${s2.id}`)
    await tui.burst(KEY.down, KEY.down, KEY.enter)
    f = await tui.waitFor(`Session #${s2.id} → closing`)
    expect((await t.closures.getSession(s2.id)).closure).toMatchObject({ reason: 'spam' })
  })

  it('asks a note for other and stores it verbatim', async () => {
    const { t, s1 } = await world()
    const tui = await renderTui(t, { screen: 'sessions' })
    onTestFinished(tui.unmount)
    await tui.waitFor(`#${s1.id}`)
    await tui.press(KEY.enter, 'a', KEY.right, KEY.enter)
    await tui.waitFor('› Batal')
    await tui.press(KEY.up) // wraps to the last code: other
    await tui.press(KEY.enter)
    await tui.waitFor('Note (other):')
    // keys typed into the note do not switch screens or quit
    await tui.press(...'q2 minta'.split(''), KEY.backspace, 'a')
    await tui.waitFor('Note (other): q2 minta')
    await tui.press(KEY.enter)
    await tui.waitFor(`Session #${s1.id} → closing`)
    const s = await t.closures.getSession(s1.id)
    expect(s.closure).toMatchObject({ reason: 'other', reasonNote: 'q2 minta' })
  })

  it('closes the open dialog when the session is ended elsewhere, naming who ended it', async () => {
    const { t, s1 } = await world()
    await t.config.set('early_end_mitra_enabled', true, { actor: 'ops' })
    const tui = await renderTui(t, { screen: 'sessions' })
    onTestFinished(tui.unmount)
    await tui.waitFor('Akhiri ›')
    await tui.press(KEY.enter, 'a', KEY.right, KEY.enter)
    await tui.waitFor('Reason')
    const other = await openDatabase(t.target)
    onTestFinished(() => other.close())
    await createClosureService(other, { clock: t.clock }).initiateEarlyEnd(s1.id, UserType.MITRA, { actorId: 'm-1', reason: 'customer_left' })
    const f = await tui.waitFor(`Session #${s1.id} was ended early by mitra m-1 meanwhile: nothing was done`)
    expect(f).not.toContain('Reason')
    expect(f).not.toContain(END_CONFIRM_TITLE)
    // the keys that were meant for the dialog do nothing now
    await tui.press(KEY.enter)
    expect((await t.closures.getSession(s1.id)).closure).toMatchObject({ initiatedBy: 'mitra', reason: 'customer_left' })
    // still alive: switch screens
    await tui.press('1')
    await tui.waitFor('early_end_mitra_enabled')
  })

  it('shows a refusal from the library as a message and keeps running', async () => {
    const { t, s1 } = await world()
    const tui = await renderTui(t, { screen: 'sessions', refreshMs: 60_000 })
    onTestFinished(tui.unmount)
    await tui.waitFor(`#${s1.id}`)
    await tui.press(KEY.enter, 'a', KEY.right, KEY.enter)
    await tui.waitFor('Reason')
    // ended behind its back between refreshes: the library refuses
    await t.handle.write((trx) => sql`update sessions set status = 'closed' where id = ${s1.id}`.execute(trx))
    await tui.press(KEY.down, KEY.enter)
    const f = await tui.waitFor('error INVALID_STATE')
    expect(f).not.toContain('Reason')
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
})

describe('Sesi Aktif: idle', () => {
  it('draws nothing while nothing changes: refreshes that read the same data commit no render', async () => {
    const { t } = await world()
    const services = servicesFor(t.handle, { actor: 'ops-ana', clock: t.clock, refreshMs: 50 })
    let commits = 0
    let instance!: ReturnType<typeof render>
    await act(async () => {
      instance = render(
        <Profiler id="tui" onRender={() => commits++}>
          <ServicesProvider services={services}>
            <App initialScreen="sessions" />
          </ServicesProvider>
        </Profiler>,
      )
    })
    onTestFinished(() => instance.unmount())
    // the first reads land (the flags, the list, the flag history): then it is idle
    for (let i = 0; i < 5; i++)
      await act(async () => {
        await sleep(200)
      })
    expect(instance.lastFrame()).toContain('2 live sessions')
    const settled = commits
    // ten refreshes of the flags, the flag history, the live sessions and the (empty) recent list
    for (let i = 0; i < 5; i++)
      await act(async () => {
        await sleep(100)
      })
    expect(commits - settled).toBe(0)
  })
})
