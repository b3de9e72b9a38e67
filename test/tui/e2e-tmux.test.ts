/**
 * The real `halo-admin tui` in a real terminal: tmux at 80x24 runs the built
 * binary against a seeded SQLite file; keys go in with send-keys and the screen
 * comes back with capture-pane. Another process (this test) changes the data
 * meanwhile, and the screen follows without a restart.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { createClosureService, createConfigStore, fixedClock, migrateToLatest, openDatabase, UserType } from '../../src/index.js'
import { ensureBuilt } from '../support/fixtures.js'
import { NOW, sleep } from '../support/time.js'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const BIN = join(ROOT, 'bin', 'halo-admin.js')
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

let dir = ''
let socketCount = 0

/** One tmux server per test (its own socket), killed when the test ends. */
function terminal(db: string) {
  const socket = `halo-tui-${process.pid}-${socketCount++}`
  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  // CI=true as on a build box: the TUI must still draw every frame (ink would draw none until exit)
  const cmd = `cd ${q(ROOT)} && HALO_NOW=${NOW} HALO_ACTOR=ops-e2e NO_COLOR=1 CI=true ${q(process.execPath)} ${q(BIN)} --db ${q(db)} tui; echo "tui exited $?"; sleep 600`
  tmux('-f', '/dev/null', 'new-session', '-d', '-x', '80', '-y', '24', '-s', 'tui', cmd)
  onTestFinished(() => {
    try {
      tmux('kill-server')
    } catch {
      /* already gone with the TUI */
    }
  })
  const screen = () => tmux('capture-pane', '-p', '-t', 'tui')
  return {
    screen,
    async keys(...keys: string[]) {
      for (const k of keys) {
        tmux('send-keys', '-t', 'tui', k)
        await sleep(120)
      }
    },
    async type(text: string) {
      tmux('send-keys', '-t', 'tui', '-l', text)
      await sleep(150)
    },
    async waitFor(test: string | ((s: string) => boolean), timeoutMs = 10_000): Promise<string> {
      const ok = typeof test === 'string' ? (s: string) => s.includes(test) : test
      const until = Date.now() + timeoutMs
      let last = ''
      while (Date.now() < until) {
        try {
          last = screen()
        } catch {
          last = '(no tmux session)'
        }
        if (ok(last)) return last
        await sleep(100)
      }
      throw new Error(`waited ${timeoutMs} ms for ${String(test)}; the screen was:\n${last}`)
    },
  }
}

async function seededDb(name: string) {
  const file = join(dir, `${name}.db`)
  const handle = await openDatabase(file)
  await migrateToLatest(handle)
  const clock = fixedClock(NOW)
  const closures = createClosureService(handle, { clock })
  const config = createConfigStore(handle, { clock })
  await config.set('early_end_mitra_enabled', true, { actor: 'seed' })
  const ids: number[] = []
  for (let i = 0; i < 30; i++) ids.push((await closures.openSession({ customerId: `c-${i}`, mitraId: `m-${i % 4}`, durationMinutes: 20 + i })).id)
  // a few closures for the Reports screen
  for (const id of ids.slice(0, 3)) await closures.initiateEarlyEnd(id, UserType.MITRA, { actorId: `m-${(id - 1) % 4}`, reason: 'customer_left' })
  await config.set('early_end_mitra_enabled', false, { actor: 'seed' })
  await handle.close()
  return { file, ids }
}

beforeAll(() => {
  ensureBuilt()
  dir = mkdtempSync(join(tmpdir(), 'halo-tui-e2e-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const row = (screen: string, id: number) => screen.split('\n').find((l) => new RegExp(`^[› ] #${id}\\s`).test(l)) ?? ''

describe('halo-admin tui in tmux at 80x24', () => {
  it('shows the screens, follows a flag flipped by another process, ends a session through the confirmation, quits with q', async () => {
    const { file, ids } = await seededDb('main')
    const tty = terminal(file)
    let s = await tty.waitFor('business_timezone')
    expect(s).toMatch(/early_end_mitra_enabled\s+false\s+false/)
    expect(s).toContain('1 Flags')
    expect(s).toContain('2 Sesi Aktif')

    await tty.keys('2')
    s = await tty.waitFor('27 sesi')
    expect(row(s, ids[3]!)).toMatch(/active\s+m-3\s+c-3\s+23:00\s+›$/)
    expect(s).not.toContain('Akhiri ›')
    // the frame fits: the tab bar is still the first line of the 24
    expect(s.split('\n')[0]).toMatch(/^halo-admin\s+1 Flags/)

    // another process turns the flag on: the Akhiri action appears without a restart
    const other = await openDatabase(file)
    onTestFinished(() => other.close())
    await createConfigStore(other).set('early_end_mitra_enabled', true, { actor: 'ops-elsewhere' })
    s = await tty.waitFor((x) => row(x, ids[3]!).endsWith('Akhiri ›'))

    await tty.keys('Enter')
    s = await tty.waitFor('Akhiri Sesi?')
    expect(s).toContain('Apakah kamu yakin ingin mengakhiri sesi ini?')
    expect(s).toMatch(/\[ Batal \]\s+Ya, Akhiri/)
    await tty.keys('Right', 'Enter')
    s = await tty.waitFor('Alasan')
    expect(s).toContain('› customer_abusive')
    await tty.keys('Down', 'Enter')
    s = await tty.waitFor(`Sesi #${ids[3]} → closing`)
    const detail = await createClosureService(other).getSession(ids[3]!)
    expect(detail.status).toBe('closing')
    expect(detail.closure).toMatchObject({ initiatedBy: 'support', actorId: 'ops-e2e', reason: 'customer_left' })

    await tty.keys('4')
    s = await tty.waitFor('Top mitra')
    expect(s).toMatch(/^2026-11-24 █+\s+4$/m)
    expect(s).toContain('Alasan customer_left 4')

    await tty.keys('q')
    // the shell's screen is back: the TUI's alternate screen is gone
    s = await tty.waitFor('tui exited 0', 5000)
    expect(s).not.toContain('Top mitra')
  })

  it('leaves on Ctrl-C', async () => {
    const { file } = await seededDb('ctrl-c')
    const tty = terminal(file)
    await tty.waitFor('business_timezone')
    await tty.keys('C-c')
    const s = await tty.waitFor(/tui exited \d+/.test.bind(/tui exited \d+/), 5000)
    expect(s).not.toContain('business_timezone')
  })
})
