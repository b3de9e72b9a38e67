/**
 * A drawn screen takes keys (issue 21): the real `halo-admin tui` in tmux, at 25,000 live sessions,
 * with the TUI held "still loading" for as long as a test likes (test/support/hold-tui-load.cjs holds
 * its bundle until a gate file exists). Meanwhile the first frame the CLI drew must answer the keys it
 * can (the cursor within the first screenful, `q`), keep the others for the TUI in the order typed,
 * and hand the TUI its cursor. When the TUI loaded in the CLI's own thread, the held load stood the
 * whole process still: these tests fail on that design, whatever the machine's speed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { cliOn } from '../cli/support/cli.js'
import { terminal, type Terminal } from '../cli/support/terminal.js'
import { seedLiveSessions } from '../support/live-load.js'
import { sleep } from '../support/time.js'

const NOW = '2026-11-24T03:00:00.000Z'
const LOAD = 25_000
const HOLD = resolve(import.meta.dirname, '../support/hold-tui-load.cjs')

let dir = ''
let seeded = ''
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'halo-tui-keys-'))
  seeded = join(dir, 'seeded.db')
  await seedLiveSessions(seeded, LOAD, NOW)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

let runs = 0
/** `halo-admin --db <copy of the seeded file> tui` (100x30), its TUI held until `release()`. */
function heldTui(screen?: string): { tty: Terminal; file: string; release(): void; held(): boolean } {
  const n = runs++
  const file = join(dir, `run-${n}.db`)
  execFileSync('cp', [seeded, file])
  const gate = join(dir, `gate-${n}`)
  const tty = terminal(['--db', file, 'tui', ...(screen === undefined ? [] : ['--screen', screen])], {
    env: { HALO_NOW: NOW, HALO_ACTOR: 'ops-keys', NO_COLOR: '1', NODE_OPTIONS: `--require ${HOLD}`, HALO_TEST_TUI_GATE: gate },
  })
  return { tty, file, release: () => writeFileSync(gate, ''), held: () => !existsSync(gate) }
}

/** The row the cursor is on: `› #24997 …` → 24997. */
const cursorOn = (screen: string) => Number(/^› #(\d+)/m.exec(screen)?.[1] ?? NaN)

describe('the first frame while the TUI loads', () => {
  it('moves its cursor on ↓ j PgDn at 25,000 live sessions, keeps Enter, and the TUI opens the session it chose', async () => {
    const { tty, release, held } = heldTui('sessions')
    await tty.waitFor(`1 of ${LOAD} live sessions`)
    await tty.keys('Down', 'j')
    let s = await tty.waitFor(`3 of ${LOAD} live sessions`)
    expect(cursorOn(s)).toBe(LOAD - 2)
    // a page down scrolls the frame as the TUI's list would: the cursor on the last row shown
    await tty.keys('PageDown')
    s = await tty.waitFor(/^› #24974 /m)
    expect(s).toContain(`27 of ${LOAD} live sessions`)
    expect(
      s
        .split('\n')
        .filter((l) => /^[ ›] #\d+ /.test(l))
        .at(-1),
    ).toMatch(/^› #24974 /)
    await tty.keys('Up')
    await tty.waitFor(`26 of ${LOAD} live sessions`)
    // Enter needs the TUI, and so does every key after it: the frame stands still
    await tty.keys('Enter', 'Down')
    await sleep(500)
    s = tty.screen()
    expect(cursorOn(s)).toBe(LOAD - 25)
    expect(s).not.toContain('Session #')
    expect(held()).toBe(true)
    release()
    // the TUI starts where the frame's cursor was, then takes Enter (and ↓, which a session ignores)
    s = await tty.waitFor(`Session #${LOAD - 25}`)
    await tty.keys('Escape')
    s = await tty.waitFor(`26 of ${LOAD} live sessions`)
    expect(cursorOn(s)).toBe(LOAD - 25)
    await tty.keys('q')
    expect((await tty.exit(10_000)).code).toBe(0)
  })

  it('keeps End for the TUI (it needs the whole list), then lands on the oldest session', async () => {
    const { tty, release } = heldTui('sessions')
    await tty.waitFor(`1 of ${LOAD} live sessions`)
    await tty.keys('End', 'Down')
    await sleep(500)
    expect(cursorOn(tty.screen())).toBe(LOAD)
    release()
    const s = await tty.waitFor(`${LOAD} of ${LOAD} live sessions`)
    expect(cursorOn(s)).toBe(1)
    await tty.keys('q')
    expect((await tty.exit(10_000)).code).toBe(0)
  })

  for (const [how, keys] of [
    ['q', ['q']],
    ['Ctrl-C', ['C-c']],
    ['q after moving', ['Down', 'q']],
  ] as const)
    it(`quits on ${how} without waiting for the TUI, and gives the terminal back`, async () => {
      const { tty, held } = heldTui('sessions')
      await tty.waitFor(`1 of ${LOAD} live sessions`)
      await tty.keys(...keys)
      const { code, screen } = await tty.exit(5000)
      expect(code).toBe(0)
      expect(held()).toBe(true)
      // the alternate screen left: the frame is gone, the shell's line is back
      expect(screen).not.toContain('live sessions')
    })

  it('moves on the Flags screen, where the TUI starts, and the TUI edits the flag the frame chose', async () => {
    const { tty, release, held } = heldTui()
    await tty.waitFor(/^› early_end_mitra_enabled /m)
    // every flag is drawn: End reaches the last, and the detail under the list follows the cursor
    await tty.keys('End')
    await tty.waitFor(/^› early_end_guard /m)
    await tty.keys('Up', 'Up', 'Up', 'Up', 'Up')
    let s = await tty.waitFor(/^› early_end_mitra_daily_cap /m)
    expect(s).toContain('integer: ')
    expect(s).toContain('Enter: edit · r: reset to default')
    // Enter opens the edit: the TUI's
    await tty.keys('Enter')
    await sleep(300)
    expect(tty.screen()).not.toContain('early_end_mitra_daily_cap =')
    expect(held()).toBe(true)
    release()
    s = await tty.waitFor('early_end_mitra_daily_cap =')
    await tty.keys('Escape')
    await tty.waitFor(/^› early_end_mitra_daily_cap /m)
    await tty.keys('q')
    expect((await tty.exit(10_000)).code).toBe(0)
  })

  it('keeps every key on a screen it drew no list for, and the TUI answers them in order', async () => {
    const { tty, release } = heldTui('reviews')
    await tty.waitFor('1-4 screens · ? keys · q quit')
    // Reviews: its shell drawn, its rows not yet; `q` typed after a kept key is the TUI's
    await tty.keys('2', 'Down')
    await sleep(300)
    expect(tty.screen()).not.toContain('live sessions')
    release()
    const s = await tty.waitFor(`2 of ${LOAD} live sessions`)
    expect(cursorOn(s)).toBe(LOAD - 1)
    await tty.keys('q')
    expect((await tty.exit(10_000)).code).toBe(0)
  })

  it("announces a colleague's flag change made while the TUI loads, which the first frame read before", async () => {
    const { tty, file, release } = heldTui('sessions')
    await tty.waitFor(`1 of ${LOAD} live sessions`)
    const run = await cliOn(file, ['flag', 'set', 'early_end_mitra_daily_cap', '7', '--note', 'promo', '--actor', 'ops-budi'], { now: NOW })
    expect(run, run.stderr).toMatchObject({ code: 0 })
    release()
    await tty.waitFor('ops-budi changed early_end_mitra_daily_cap: 3 → 7 ("promo")')
    await tty.keys('q')
    expect((await tty.exit(10_000)).code).toBe(0)
  })

  it('says so in one line, exit 3, when the database went away before the TUI opened it, and creates nothing', async () => {
    const { tty, file, release } = heldTui('sessions')
    await tty.waitFor(`1 of ${LOAD} live sessions`)
    renameSync(file, `${file}.moved`)
    release()
    const { code, screen } = await tty.exit(10_000)
    expect(code).toBe(3)
    const lines = screen.split('\n').filter((l) => l.startsWith('error '))
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^error DATABASE_NOT_FOUND: /)
    expect(screen).not.toMatch(/\bat .*\.(c?js|ts):\d+/)
    expect(existsSync(file)).toBe(false)
  })

  it('stops on SIGTERM or SIGINT while the TUI loads, and after, giving the terminal back each time', async () => {
    for (const [signal, loaded] of [
      ['TERM', false],
      ['TERM', true],
      ['INT', false],
      ['INT', true],
    ] as const) {
      const { tty, file, release } = heldTui('sessions')
      await tty.waitFor(`1 of ${LOAD} live sessions`)
      if (loaded) {
        release()
        await tty.keys('Down')
        await tty.waitFor(`2 of ${LOAD} live sessions`)
      }
      // the node process alone (its command line starts with node), not the pane's shell that runs it
      execFileSync('pkill', [`-${signal}`, '-f', `^${process.execPath} .*db ${file} tui`])
      const { code, screen } = await tty.exit(5000)
      expect(code, `SIG${signal}, loaded: ${loaded}`).toBe(0)
      expect(screen).not.toContain('live sessions')
    }
  })
})
