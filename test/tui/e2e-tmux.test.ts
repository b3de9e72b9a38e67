/**
 * The real `halo-admin tui` in a real terminal: tmux (test/cli/support/terminal.ts)
 * runs the built binary against a seeded database; keys go in with send-keys
 * and the screen comes back with capture-pane. Another process (this test)
 * changes the data meanwhile, and the screen follows without a restart.
 *
 * The operator-safety tests (contract §7) read what a person would: the
 * cursor line, the footer, the header. They wait on what any version of the
 * screen shows (a session id appearing or going), so an old screen fails
 * them for what it does, not for its wording.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClosureService, createConfigStore, fixedClock, migrateToLatest, openDatabase, UserType, type HaloDatabase } from '../../src/index.js'
import { terminal, type Terminal } from '../cli/support/terminal.js'
import { createTestDatabase } from '../support/engines.js'
import { seedLiveSessions } from '../support/live-load.js'

const NOW = '2026-11-24T03:00:00.000Z'
/** Live sessions at realistic volume (issue 11: 25,000 live, 165,000 in all). */
const LOAD = 25_000
const ENV = { HALO_NOW: NOW, HALO_ACTOR: 'ops-e2e', NO_COLOR: '1', CI: 'true' }

let dir = ''
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'halo-tui-e2e-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function open(target: string): Promise<HaloDatabase> {
  const handle = await openDatabase(target)
  onTestFinished(() => handle.close())
  return handle
}

/** A SQLite file with `n` sessions of mitras m-0..m-3, the mitra flag as given; their ids. */
async function seeded(name: string, n = 30, mitraFlag = false) {
  const file = join(dir, `${name}.db`)
  const handle = await openDatabase(file)
  await migrateToLatest(handle)
  const clock = fixedClock(NOW)
  const closures = createClosureService(handle, { clock })
  const config = createConfigStore(handle, { clock })
  await config.set('early_end_mitra_enabled', true, { actor: 'seed' })
  const ids: number[] = []
  for (let i = 0; i < n; i++) ids.push((await closures.openSession({ customerId: `c-${i}`, mitraId: `m-${i % 4}`, durationMinutes: 20 + i })).id)
  // three mitra early ends for the Reports screen
  for (const id of ids.splice(0, 3)) await closures.initiateEarlyEnd(id, UserType.MITRA, { actorId: `m-${(id - 1) % 4}`, reason: 'customer_left' })
  if (!mitraFlag) await config.set('early_end_mitra_enabled', false, { actor: 'seed' })
  await handle.close()
  // in the list's order: newest first
  return { file, ids: ids.reverse() }
}

/** `halo-admin --db <target> tui` at 80x24 unless told. */
function tui(target: string, options: { cols?: number; rows?: number; screen?: string; env?: Record<string, string> } = {}): Terminal {
  return terminal(['--db', target, 'tui', ...(options.screen === undefined ? [] : ['--screen', options.screen])], {
    cols: options.cols ?? 80,
    rows: options.rows ?? 24,
    env: { ...ENV, ...options.env },
  })
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Waits until the screen satisfies `ok`, else fails with the last screen. */
async function until(tty: Terminal, ok: (screen: string) => boolean, what: string, timeoutMs = 15_000): Promise<string> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const s = tty.screen()
    if (ok(s)) return s
    if (Date.now() > end) throw new Error(`waited ${timeoutMs} ms for ${what}; the screen was:\n${s}`)
    await sleep(50)
  }
}

/** The screen once it has stopped changing for `quietMs`. */
async function settled(tty: Terminal, quietMs = 700, timeoutMs = 15_000): Promise<string> {
  const end = Date.now() + timeoutMs
  let last = tty.screen()
  let since = Date.now()
  while (Date.now() < end) {
    await sleep(50)
    const s = tty.screen()
    if (s !== last) [last, since] = [s, Date.now()]
    else if (Date.now() - since >= quietMs) break
  }
  return last
}

const row = (screen: string, id: number) => screen.split('\n').find((l) => new RegExp(`^[› ] #${id}\\s`).test(l)) ?? ''
const cursorOn = (screen: string) => Number(/^› #(\d+)\s/m.exec(screen)?.[1] ?? NaN)
const shown = (id: number) => new RegExp(`^[› ] #${id}\\s`, 'm')
/** The list is drawn and the session is not in it. */
const gone = (tty: Terminal, id: number) => until(tty, (s) => /^[› ] #\d+\s/m.test(s) && row(s, id) === '', `#${id} to leave the list`)

describe('halo-admin tui in tmux', () => {
  it('shows the screens, follows a flag flipped elsewhere, ends a session as support through the confirmation, quits with q', async () => {
    const { file, ids } = await seeded('main')
    const tty = tui(file)
    let s = await tty.waitFor('business_timezone')
    expect(s).toMatch(/early_end_mitra_enabled\s+false\s+false/)
    // at 80x24 the reason codes are whole: the value goes on under its column
    expect(s).toMatch(/early_end_reason_codes +customer_abusive,.*\n +customer_left,\n +out_of_scope,other\n/)
    expect(s.split('\n')[0]).toMatch(/^halo-admin \[1 Flags\]\s+2 Sesi Aktif/)

    await tty.keys('2')
    s = await tty.waitFor('27 live sessions')
    expect(row(s, ids[0]!)).toMatch(/active\s+m-1\s+c-29\s+49m\s+›$/)
    expect(s).not.toContain('Akhiri ›')
    // the frame fits: the tab bar is still the first line of the 24
    expect(s.split('\n')[0]).toMatch(/^halo-admin\s+1 Flags/)

    // another process turns the flag on: the rows show Akhiri ›, as the mitra app does
    const other = await open(file)
    await createConfigStore(other).set('early_end_mitra_enabled', true, { actor: 'ops-elsewhere' })
    s = await tty.waitFor(new RegExp(`^› #${ids[0]}\\s.*Akhiri ›$`, 'm'))

    await tty.keys('Enter')
    s = await tty.waitFor(`Session #${ids[0]}`)
    expect(s).toMatch(/opened\s+- → active\s+system/)
    await tty.keys('a')
    s = await tty.waitFor('Akhiri Sesi?')
    expect(s).toContain('Apakah kamu yakin ingin mengakhiri sesi ini?')
    expect(s).toMatch(/\[ Batal \]\s+Ya, Akhiri/)
    await tty.keys('Right', 'Enter')
    s = await tty.waitFor('› Batal')
    await tty.keys('Down', 'Down', 'Enter')
    s = await tty.waitFor(`Session #${ids[0]} → closing`)
    const detail = await createClosureService(other).getSession(ids[0]!)
    expect(detail.closure).toMatchObject({ initiatedBy: 'support', actorId: 'ops-e2e', reason: 'customer_left' })

    await tty.keys('4')
    s = await tty.waitFor('Top mitras')
    expect(s).toContain('Mitra early ends per business day')
    expect(s).toMatch(/^2026-11-24 █+\s+3$/m)
    // 30 days at 80 columns: the header is whole, its note included
    await tty.keys('+')
    s = await tty.waitFor('days per bar')
    expect(s).toMatch(/^Mitra early ends · 2026-10-26 … 2026-11-24 · total 3 \(\d days per bar\)$/m)
    await tty.keys('-')
    await tty.waitFor('Mitra early ends per business day')
    await tty.keys('a')
    s = await tty.waitFor('All closures per business day')
    expect(s).toMatch(/^2026-11-24 █+\s+4$/m)

    await tty.keys('q')
    const { code, screen } = await tty.exit(5000)
    expect(code).toBe(0)
    // the shell's screen is back: the TUI's alternate screen is gone
    expect(screen).not.toContain('Top mitras')
  })

  it('keeps the cursor on its session while another process ends sessions above it, and says who ended its own', async () => {
    const { file, ids } = await seeded('cursor')
    const tty = tui(file)
    await tty.waitFor('business_timezone')
    await tty.keys('2')
    await tty.waitFor(shown(ids[0]!))
    await tty.keys('Down', 'Down', 'Down', 'Down', 'Down', 'Down')
    let s = await tty.waitFor(new RegExp(`^› #${ids[6]}\\s`, 'm'))

    const other = await open(file)
    const elsewhere = createClosureService(other, { clock: fixedClock(NOW) })
    for (const id of [ids[1]!, ids[3]!]) await elsewhere.initiateEarlyEnd(id, UserType.SUPPORT, { actorId: 'ops-budi', reason: 'customer_left' })
    await gone(tty, ids[3]!)
    s = await gone(tty, ids[1]!)
    expect(cursorOn(s)).toBe(ids[6])

    // its own session ends elsewhere: the screen says so, and who
    await createConfigStore(other).set('early_end_mitra_enabled', true, { actor: 'ops' })
    const mitra = `m-${(ids[6]! - 1) % 4}`
    await elsewhere.initiateEarlyEnd(ids[6]!, UserType.MITRA, { actorId: mitra, reason: 'customer_left' })
    s = await gone(tty, ids[6]!)
    s = await until(tty, (x) => x.includes(`Session #${ids[6]} is no longer live`), 'the footer to say the session went')
    expect(s).toContain(`ended early by mitra ${mitra}`)
    expect(cursorOn(s)).toBe(ids[7])
  })

  it('confirms nothing on stray digits: Enter 2 1 from the list, a 2 1 Enter in the session', async () => {
    const { file, ids } = await seeded('digits', 30, true)
    const tty = tui(file)
    await tty.waitFor('business_timezone')
    await tty.keys('2')
    await tty.waitFor(shown(ids[0]!))
    await tty.keys('Enter', '2', '1')
    await tty.keys('2')
    await tty.keys('a', '2', '1', 'Enter')
    // and all at once
    await tty.type('a21\r')
    await tty.keys('Escape')
    const s = await settled(tty)
    const other = await open(file)
    const detail = await createClosureService(other).getSession(ids[0]!)
    expect(detail.closure, s).toBeNull()
    expect(detail.status).toBe('active')
    expect(row(s, ids[0]!)).toMatch(/active/)
  })

  it('opens any session by id, whatever its status (# or not), and lists the newest closing and closed ones', async () => {
    // the three oldest sessions were ended early by their mitras: they are closing
    const { file } = await seeded('any')
    const [closing1, closing2, closing3] = [1, 2, 3] as const
    const tty = tui(file, { screen: 'sessions' })
    let s = await tty.waitFor('1 of 27 live sessions')
    expect(s).toContain('newest first')
    await tty.keys('o')
    await tty.type('#2')
    await tty.keys('Enter')
    s = await tty.waitFor(`Session #${closing2}  closing`)
    expect(s).toMatch(/closure\s+ended early by mitra m-1 · reason customer_left/)
    expect(s).toMatch(/early_end\s+active → closing\s+mitra m-1/)
    await tty.keys('Escape')
    await tty.waitFor('1 of 27 live sessions')
    // not an id, and an id that is not there: said, and nothing else happens
    await tty.keys('o')
    await tty.type('abc')
    await tty.keys('Enter')
    await tty.waitFor('is not a session id')
    await tty.keys('Escape')
    await tty.waitFor('1 of 27 live sessions')
    await tty.keys(':')
    await tty.type(' 99999 ')
    await tty.keys('Enter')
    await tty.waitFor('SESSION_NOT_FOUND')
    await tty.keys('Escape')
    await tty.waitFor('1 of 27 live sessions')

    // s: the closing ones, newest first; then the closed ones once a sweep has finalized them
    await tty.keys('s')
    s = await tty.waitFor('1 of 3 closing sessions')
    expect(cursorOn(s)).toBe(closing3)
    expect(s.indexOf(`#${closing3} `)).toBeLessThan(s.indexOf(`#${closing1} `))
    expect(row(s, closing1)).toMatch(/closing\s+m-0\s+c-0\s+grace 5m/)
    const other = await open(file)
    await createClosureService(other, { clock: fixedClock('2026-11-24T03:10:00.000Z') }).sweep()
    await tty.waitFor('0 of 0 closing sessions')
    await tty.keys('s')
    s = await tty.waitFor('1 of 3 closed sessions')
    expect(row(s, closing2)).toMatch(/closed\s+m-1\s+c-1\s+2026-11-24 10:10 WIB/)
    await tty.keys('Down', 'Enter')
    s = await tty.waitFor(`Session #${closing2}  closed`)
    expect(s).toMatch(/finalized\s+closing → closed\s+system/)
    await tty.keys('Escape')
    await tty.waitFor('2 of 3 closed sessions')
    // each view keeps its own cursor: the live list's is where it was
    await tty.keys('s')
    await tty.waitFor('1 of 27 live sessions')
  })

  it('fits columns to their content and the terminal: UUID ids at 80x24 keep who acts and which session', async () => {
    const file = join(dir, 'uuid.db')
    const handle = await openDatabase(file)
    await migrateToLatest(handle)
    const closures = createClosureService(handle, { clock: fixedClock(NOW) })
    const uuid = (n: number) => `3f2b8c1e-9a4d-4e7b-8c2f-${String(n).padStart(12, '0')}`
    const s2 = await closures.openSession({ mitraId: 'm-short', customerId: 'c-short' })
    const s1 = await closures.openSession({ mitraId: uuid(1), customerId: uuid(2) })
    await handle.close()

    // 200 columns: the mitra and customer columns are as wide as their ids, not half the screen each
    let tty = tui(file, { cols: 200, screen: 'sessions' })
    let s = await tty.waitFor('2 live sessions')
    expect(row(s, s2.id)).toMatch(/active +m-short +c-short +/)
    expect(row(s, s2.id).indexOf('c-short') - row(s, s2.id).indexOf('m-short')).toBe(uuid(1).length + 1)
    expect(row(s, s1.id)).toContain(`${uuid(1)} ${uuid(2)}`)
    await tty.keys('q')
    await tty.exit(5000)

    // 80x24: the ids are cut, the session and the operator never are
    tty = tui(file, { screen: 'sessions' })
    s = await tty.waitFor('2 live sessions')
    expect(row(s, s1.id)).toMatch(new RegExp(`^› #${s1.id}\\s+active\\s+3f2b8c1e-`))
    expect(row(s, s1.id).length).toBeLessThanOrEqual(80)
    await tty.keys('Enter')
    await tty.waitFor(`Session #${s1.id}`)
    await tty.keys('a')
    s = await tty.waitFor('Akhiri Sesi?')
    expect(s).toContain(`Session #${s1.id} · as support ops-e2e`)
    await tty.keys('Escape')
  })

  it('prints the commands it suggests the way halo-admin was run, with its --db: never a bare halo-admin', async () => {
    const file = join(dir, 'review-hint.db')
    const handle = await openDatabase(file)
    await migrateToLatest(handle)
    const clock = fixedClock(NOW)
    const config = createConfigStore(handle, { clock })
    await config.set('early_end_mitra_enabled', true, { actor: 'seed' })
    await config.set('early_end_mitra_daily_cap', 1, { actor: 'seed' })
    await config.set('early_end_mitra_over_cap_action', 'allow', { actor: 'seed' })
    const closures = createClosureService(handle, { clock })
    // more early ends by one mitra than the review's screen has rows for
    for (let i = 0; i < 30; i++) {
      const { id } = await closures.openSession({ customerId: `c-${i}`, mitraId: 'm-busy', durationMinutes: 30 })
      await closures.initiateEarlyEnd(id, UserType.MITRA, { actorId: 'm-busy', reason: 'customer_left' })
    }
    await handle.close()
    const tty = tui(file, { screen: 'reviews' })
    await tty.waitFor('m-busy')
    await tty.keys('Enter')
    // the hint wraps rather than being cut: it is read as one line
    const s = (await tty.waitFor(/review show 1\)/)).replace(/\n/g, '')
    // the terminal test runs `node bin/halo-admin.js --db <file> tui`: the hint starts the same way, as the CLI's do
    expect(s).toMatch(new RegExp(`more \\(node bin/halo-admin\\.js --db ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} review show 1\\)`))
    expect(s).not.toMatch(/\(halo-admin review show/)
  })

  it('loses no key typed fast into the filter of a list of 25,000', async () => {
    const file = join(dir, 'many.db')
    await seedLiveSessions(file, LOAD, NOW)
    const tty = tui(file, { screen: 'sessions' })
    // the first frame (drawn before the TUI has loaded): the keys typed now wait for it
    await tty.waitFor(new RegExp(`#${LOAD}\\s+active\\s+load-m-199`))
    await tty.keys('/')
    await tty.type('load-m-017')
    // the screen stays still while the TUI loads under its first frame: wait for what the keys do
    await tty.waitFor(`matching of ${LOAD} live sessions`)
    const s = await settled(tty)
    const filterLine = s.split('\n').find((l) => /^\/( |$)/.test(l))
    expect(filterLine?.trim(), s).toBe('/ load-m-017')
    expect(s).toContain(`1 of 32 matching of ${LOAD} live sessions`)
    // newest first: the last of mitra load-m-017's sessions
    expect(s).toMatch(/^› #24818\s+active\s+load-m-017/m)
  })

  it('names the database in the header: a SQLite file, or PostgreSQL with its password masked', async () => {
    const { file } = await seeded('header')
    let tty = tui(file)
    let s = await tty.waitFor(file)
    expect(s.split('\n')[1]).toBe(` SQLite file  ${file} · operator ops-e2e`)

    const pg = await createTestDatabase('postgres')
    onTestFinished(pg.drop)
    const handle = await openDatabase(pg.target)
    await migrateToLatest(handle)
    await handle.close()
    // the test cluster trusts local connections, so any password opens it
    const withPassword = pg.target.replace('postgres://postgres@', 'postgres://postgres:s3cret-pw@')
    // wide enough for the whole URL (a narrower one keeps its end: the database name)
    tty = tui(withPassword, { cols: 120 })
    s = await tty.waitFor('PostgreSQL')
    expect(s.split('\n')[1]).toBe(` PostgreSQL  ${pg.target.replace('postgres://postgres@', 'postgres://postgres:***@')} · operator ops-e2e`)
    expect(s).not.toContain('s3cret-pw')
  })

  it('says what size it needs below 80x24 instead of drawing overlapped text', async () => {
    const { file } = await seeded('small')
    const tty = tui(file, { cols: 70, rows: 20, screen: 'reports' })
    const s = await tty.waitFor('80x24')
    expect(s).toContain('halo-admin needs a terminal of at least 80x24.')
    expect(s).toContain('This one is 70x20: make it larger, or press q to quit.')
    await tty.keys('q')
    expect((await tty.exit(5000)).code).toBe(0)
  })

  it('draws no colour or other style with NO_COLOR, nor with TERM=dumb', async () => {
    const { file } = await seeded('plain', 5, true)
    for (const env of [{ NO_COLOR: '1' }, { NO_COLOR: '', TERM: 'dumb' }] as Record<string, string>[]) {
      const tty = tui(file, { env, screen: 'sessions' })
      await tty.waitFor('Akhiri ›')
      const styled = tty.screen(true)
      // capture-pane -e writes an SGR sequence for every colour, inverse or bold cell
      expect(styled, JSON.stringify(env)).not.toMatch(/\u001b\[[0-9;]*m/)
      // the cursor still shows, as a mark
      expect(styled).toMatch(/^› #\d+/m)
    }
    // and with neither, there is colour
    const tty = tui(file, { env: { NO_COLOR: '' }, screen: 'sessions' })
    await tty.waitFor('Akhiri ›')
    expect(tty.screen(true)).toMatch(/\u001b\[[0-9;]*m/)
  })

  it('leaves on Ctrl-C', async () => {
    const { file } = await seeded('ctrl-c', 3)
    const tty = tui(file)
    await tty.waitFor('business_timezone')
    await tty.keys('C-c')
    const { screen } = await tty.exit(5000)
    expect(screen).not.toContain('business_timezone')
  })
})
