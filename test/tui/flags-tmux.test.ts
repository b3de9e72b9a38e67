/**
 * Issue 19, in a real terminal: two operators on one database. `halo-admin tui` runs in tmux on the
 * Flags screen (test/cli/support/terminal.ts: send-keys in, capture-pane out) while another process,
 * the CLI as a colleague runs it, changes the cap. The screen announces the change (who, old → new)
 * within a few seconds, and a change the operator was making meanwhile is asked about again, never
 * written over the colleague's (`expect`: compare-and-set).
 */
import { describe, expect, it } from 'vitest'
import { createConfigStore, openDatabase } from '../../src/index.js'
import { cliOn, tempDb } from '../cli/support/cli.js'
import { terminal } from '../cli/support/terminal.js'
import { NOW } from '../support/time.js'

const ENV = { HALO_NOW: NOW, HALO_ACTOR: 'ops-ana', NO_COLOR: '1', CI: 'true' }

/** `flag set early_end_mitra_daily_cap <value> --note <note> --actor other`, from a process of its own. */
async function colleagueSetsCap(db: string, value: number, note: string): Promise<void> {
  const run = await cliOn(db, ['flag', 'set', 'early_end_mitra_daily_cap', String(value), '--note', note, '--actor', 'other'])
  expect(run, run.stderr).toMatchObject({ code: 0 })
}

/** The cap and its newest change, read from the database. */
async function capNow(db: string) {
  const handle = await openDatabase(db, { create: false })
  try {
    const config = createConfigStore(handle)
    return { value: await config.get('early_end_mitra_daily_cap'), last: (await config.history('early_end_mitra_daily_cap', 1))[0] }
  } finally {
    await handle.close()
  }
}

describe('halo-admin tui in tmux: another operator changes a flag', () => {
  it('announces the change (who, old → new) within seconds, and an open change asks again instead of overwriting it', { timeout: 90_000 }, async () => {
    const db = tempDb()
    await colleagueSetsCap(db, 5, 'promo')
    // the default refresh (2 s), as an operator runs it
    const tty = terminal(['--db', db, 'tui', '--screen', 'flags'], { cols: 80, rows: 24, env: ENV })
    await tty.waitFor(/early_end_mitra_daily_cap +5 +3/)

    await colleagueSetsCap(db, 6, 'x')
    let s = await tty.waitFor('other changed early_end_mitra_daily_cap: 5 → 6 ("x")', 5000)
    expect(s).toMatch(/early_end_mitra_daily_cap +6 +3/)

    // the operator opens the cap's edit dialog and types 4
    await tty.keys('Down', 'Down', 'Down', 'Down')
    await tty.waitFor(/^› early_end_mitra_daily_cap /m)
    await tty.keys('Enter')
    await tty.waitFor('early_end_mitra_daily_cap = 6')
    await tty.keys('BSpace')
    await tty.type('4')
    await tty.waitFor('early_end_mitra_daily_cap = 4')

    // meanwhile the colleague changes it again: announced over the open dialog, which keeps what was typed
    await colleagueSetsCap(db, 7, 'promo part 2')
    s = await tty.waitFor('other changed early_end_mitra_daily_cap: 6 → 7 ("promo part 2")', 5000)
    expect(s).toContain('early_end_mitra_daily_cap = 4')
    await tty.keys('Enter')
    await tty.waitFor('note (why, for the audit trail')
    await tty.type('trial')
    await tty.keys('Enter')
    await tty.waitFor('Change the flag?')
    // Change: refused for what it expected, shown as it is now and by whom, and asked again
    await tty.keys('Right', 'Enter')
    s = await tty.waitFor('Changed meanwhile: change it still?')
    expect(s).toContain('early_end_mitra_daily_cap: 7 → 4')
    expect(s).toContain('changed meanwhile by other at 2026-11-24 10:00 WIB: now 7')
    expect(await capNow(db)).toMatchObject({ value: 7, last: { actor: 'other', newValue: 7 } })

    // asked again, the operator confirms: their change replaces the 7 they have now seen
    await tty.keys('Right', 'Enter')
    await tty.waitFor('early_end_mitra_daily_cap: 7 → 4 (by ops-ana)')
    expect(await capNow(db)).toMatchObject({ value: 4, last: { actor: 'ops-ana', oldValue: 7, newValue: 4, note: 'trial' } })
    // the operator's own change is not announced to them
    await new Promise((r) => setTimeout(r, 2500))
    expect(tty.screen()).not.toContain('ops-ana changed')

    await tty.keys('q')
    expect((await tty.exit(5000)).code).toBe(0)
  })
})
