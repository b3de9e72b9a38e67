/**
 * `halo-admin session end` asking a person, in a real terminal (tmux), with
 * CI=true in the environment as on a build box: the confirmation (Batal by
 * default), the reason picker, the note for `other`, Batal and Ctrl-C as exit
 * 130 with nothing changed, and refusals that come before any question.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { createClosureService, fixedClock } from '../../src/index.js'
import { ensureBuilt } from '../support/fixtures.js'
import { everything, seededDb, sessionIn, withDb } from './support/sessions.js'
import { terminal, type TerminalOptions } from './support/terminal.js'
import { NOW } from '../support/time.js'

// build dist/ once up front (others may be changing src/ meanwhile), not inside the first test's time
beforeAll(() => void ensureBuilt())
// and any spawn may wait for a rebuild when src/ changed again: room for one
const SLOW = { timeout: 120_000 }
const ENV = { HALO_NOW: NOW, HALO_ACTOR: 'ops-e2e', CI: 'true' }

/** A SQLite file with `flags` set and two sessions of mitra m-1 opened at NOW (ids 1 and 2). */
async function seeded(flags: Record<string, unknown> = {}): Promise<string> {
  const { db } = await seededDb(NOW, flags, [
    { mitra: 'm-1', customer: 'c-1' },
    { mitra: 'm-1', customer: 'c-2' },
  ])
  return db
}

const detail = sessionIn

function end(db: string, args: readonly string[], options: TerminalOptions = {}) {
  return terminal(['--db', db, 'session', 'end', ...args], { ...options, env: { ...ENV, ...options.env } })
}

/** Lines of the screen with their trailing blanks gone. */
const lines = (screen: string) => screen.split('\n').map((l) => l.trimEnd())

describe('halo-admin session end on a terminal', SLOW, () => {
  it('asks Akhiri Sesi? with Batal first and chosen; Enter on it exits 130 and changes nothing', async () => {
    const db = await seeded()
    const before = await everything(db)
    const tty = end(db, ['1', '--as', 'support'])
    const s = await tty.waitFor('Ya, Akhiri')
    expect(lines(s)).toEqual(
      expect.arrayContaining([
        'session 1: mitra m-1, customer c-1, active, 1h 00m left',
        '? Akhiri Sesi?',
        '  Apakah kamu yakin ingin mengakhiri sesi ini?',
        '❯ Batal',
        '  Ya, Akhiri',
      ]),
    )
    const at = lines(s)
    expect(at.indexOf('❯ Batal')).toBe(at.indexOf('  Apakah kamu yakin ingin mengakhiri sesi ini?') + 1)
    expect(at.indexOf('  Ya, Akhiri')).toBe(at.indexOf('❯ Batal') + 1)

    await tty.keys('Enter')
    const { code, screen } = await tty.exit()
    expect(code).toBe(130)
    expect(screen).toContain('✔ Akhiri Sesi? Batal')
    expect(screen).toContain('error CANCELLED: cancelled at the prompt; nothing changed')
    expect(await everything(db)).toEqual(before)
  })

  it('Ya, Akhiri → the configured reasons → closing, as support with the operator as actor', async () => {
    const db = await seeded({ early_end_reason_codes: ['customer_abusive', 'customer_left', 'spam', 'other'] })
    const tty = end(db, ['1', '--as', 'support'])
    await tty.waitFor('Ya, Akhiri')
    await tty.keys('Down')
    await tty.waitFor('❯ Ya, Akhiri')
    await tty.keys('Enter')
    const s = await tty.waitFor('? Reason')
    expect(s).toContain('✔ Akhiri Sesi? Ya, Akhiri')
    expect(lines(s).slice(lines(s).indexOf('? Reason') + 1, lines(s).indexOf('? Reason') + 6)).toEqual([
      '❯ Batal',
      '  customer_abusive',
      '  customer_left',
      '  spam',
      '  other',
    ])
    await tty.keys('Down', 'Down', 'Down', 'Enter')
    const { code, screen } = await tty.exit()
    expect(code).toBe(0)
    expect(screen).toContain('✔ Reason spam')
    expect(screen).toContain('session 1 is now closing until 2026-11-24 10:05 WIB')
    expect(screen).toContain('by        support ops-e2e')
    const d = await detail(db, 1)
    expect(d.status).toBe('closing')
    expect(d.closure).toMatchObject({ initiatedBy: 'support', actorId: 'ops-e2e', reason: 'spam', reasonNote: null })
  })

  it('asks a note for other, shows the library refusing a blank one, and stores the note verbatim', async () => {
    const db = await seeded({ early_end_mitra_enabled: true })
    const tty = end(db, ['2', '--as', 'mitra'])
    await tty.waitFor('Ya, Akhiri')
    await tty.keys('Down', 'Enter')
    await tty.waitFor('? Reason')
    await tty.keys('Up')
    await tty.waitFor('❯ other')
    await tty.keys('Enter')
    await tty.waitFor('? Note (other)')
    await tty.keys('Enter')
    await tty.waitFor('> reason "other" needs a note')
    const note = '  koneksi "putus", dia pergi 🙏  '
    await tty.type(note)
    await tty.keys('Enter')
    const { code, screen } = await tty.exit()
    expect(code).toBe(0)
    expect(screen).toContain('session 2 is now closing')
    expect((await detail(db, 2)).closure).toMatchObject({ initiatedBy: 'mitra', actorId: 'm-1', reason: 'other', reasonNote: note })
  })

  it.each([
    ['the confirmation', [], 'Ya, Akhiri'],
    ['the reason picker', ['Down', 'Enter'], '? Reason'],
    ['the note', ['Down', 'Enter', '? Reason', 'Up', '❯ other', 'Enter'], '? Note (other)'],
  ])('Ctrl-C at %s exits 130 and changes nothing', async (_where, steps, ready) => {
    const db = await seeded()
    const before = await everything(db)
    const tty = end(db, ['1', '--as', 'support'])
    await tty.waitFor('Ya, Akhiri')
    // a step is a key, or (with a space or a sign in it) the text to wait for
    for (const step of steps) await (/^[A-Z][a-z]+$/.test(step) ? tty.keys(step) : tty.waitFor(step))
    await tty.waitFor(ready)
    await tty.keys('C-c')
    const { code, screen } = await tty.exit()
    expect(code).toBe(130)
    expect(screen).toContain('error CANCELLED')
    expect(await everything(db)).toEqual(before)
  })

  it('the reason list opens on Batal: a stray Enter after Ya, Akhiri exits 130 and records nothing', async () => {
    const db = await seeded()
    const before = await everything(db)
    const tty = end(db, ['1', '--as', 'support'])
    await tty.waitFor('Ya, Akhiri')
    await tty.keys('Down', 'Enter')
    const s = await tty.waitFor('? Reason')
    expect(lines(s)[lines(s).indexOf('? Reason') + 1]).toBe('❯ Batal')
    await tty.keys('Enter')
    expect((await tty.exit()).code).toBe(130)
    expect(await everything(db)).toEqual(before)
  })

  it('asks no reason when none is needed, nor when --reason gave one', async () => {
    const db = await seeded({ early_end_mitra_enabled: true, early_end_reason_required: false })
    for (const [id, extra] of [
      ['1', []],
      ['2', ['--reason', 'customer_left']],
    ] as const) {
      const tty = end(db, [id, '--as', 'mitra', ...extra])
      await tty.waitFor('Ya, Akhiri')
      await tty.keys('Down', 'Enter')
      const { code, screen } = await tty.exit()
      expect(code).toBe(0)
      expect(screen).not.toContain('Reason')
      expect((await detail(db, Number(id))).closure).toMatchObject({ initiatedBy: 'mitra', reason: extra.length === 0 ? null : 'customer_left' })
    }
  })

  it('refuses before asking anything when the session cannot be ended (state, flag, cap)', async () => {
    const db = await seeded({ early_end_mitra_enabled: true, early_end_mitra_daily_cap: 1 })
    await withDb(db, (handle) =>
      createClosureService(handle, { clock: fixedClock(NOW) }).initiateEarlyEnd(1, 'MITRA', { actorId: 'm-1', reason: 'customer_left' }),
    )
    const before = await everything(db)
    for (const [args, status, code] of [
      [['1', '--as', 'support'], 4, 'INVALID_STATE'],
      [['2', '--as', 'mitra'], 5, 'DAILY_CAP_REACHED'],
      [['2', '--as', 'customer'], 5, 'EARLY_END_DISABLED'],
    ] as const) {
      const { code: exit, screen } = await end(db, args).exit()
      expect(exit).toBe(status)
      expect(screen).toContain(`error ${code}:`)
      expect(screen).not.toContain('Akhiri Sesi?')
    }
    expect(await everything(db)).toEqual(before)
  })

  it('draws the prompt without colour under NO_COLOR, and with it otherwise', async () => {
    const db = await seeded()
    const plain = end(db, ['1', '--as', 'support'], { env: { NO_COLOR: '1' } })
    await plain.waitFor('Ya, Akhiri')
    expect(plain.screen(true)).not.toMatch(/\u001b\[[0-9;]*m/)
    await plain.keys('Enter')
    expect((await plain.exit()).code).toBe(130)

    const coloured = end(db, ['1', '--as', 'support'])
    await coloured.waitFor('Ya, Akhiri')
    expect(coloured.screen(true)).toMatch(/\u001b\[[0-9;]*m/)
  })
})
