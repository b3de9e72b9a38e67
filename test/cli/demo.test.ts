/**
 * `halo-admin demo`, the first thing a new user runs: it makes a fresh demo
 * database, tells what happened in it, and every command it suggests then
 * works on that database. It replaces its own demo files, never anyone
 * else's database without --force.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { onTestFinished, describe, expect, it } from 'vitest'
import { businessDay } from '../../src/core/business-day.js'
import { BIN, cli, cliOn, errorLine, ROOT, tempDb, type CliRun } from './support/cli.js'
import { NOW } from '../support/time.js'

const hasTmux = spawnSync('tmux', ['-V']).status === 0

interface Next {
  command: string
  args: string[]
}

/** The commands under "Try next:", split as a shell would (single quotes only, as demo prints them). */
function suggested(stdout: string): string[][] {
  const lines = stdout.split('\n')
  return lines
    .slice(lines.indexOf('Try next:') + 1)
    .map((l) => l.trim())
    .filter((l) => l.startsWith('halo-admin '))
    .map((l) => {
      const words = [...l.replace(/\s+# .*$/, '').matchAll(/'((?:[^']|'\\'')*)'|(\S+)/g)].map((m) => (m[1] !== undefined ? m[1].replace(/'\\''/g, "'") : m[2]!))
      expect(words[0]).toBe('halo-admin')
      return words.slice(1)
    })
}

/** `halo-admin tui` in a real terminal (tmux): it draws, q quits, and the exit status comes back. */
async function tuiExitStatus(args: readonly string[], env: Record<string, string>): Promise<number> {
  const socket = `halo-demo-${process.pid}-${Date.now()}`
  const tmux = (...a: string[]) => execFileSync('tmux', ['-L', socket, ...a], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`
  const vars = Object.entries(env).map(([k, v]) => `${k}=${q(v)}`)
  tmux(
    '-f',
    '/dev/null',
    'new-session',
    '-d',
    '-x',
    '100',
    '-y',
    '30',
    '-s',
    'demo',
    `cd ${q(ROOT)} && ${vars.join(' ')} ${q(process.execPath)} ${q(BIN)} ${args.map(q).join(' ')}; echo "tui exited $?"; sleep 60`,
  )
  onTestFinished(() => {
    try {
      tmux('kill-server')
    } catch {
      /* gone */
    }
  })
  const waitFor = async (re: RegExp) => {
    const until = Date.now() + 15_000
    let screen = ''
    while (Date.now() < until) {
      screen = tmux('capture-pane', '-p', '-t', 'demo')
      const m = re.exec(screen)
      if (m !== null) return m
      await new Promise((r) => setTimeout(r, 150))
    }
    throw new Error(`waited for ${re}; the screen was:\n${screen}`)
  }
  await waitFor(/early_end_mitra_enabled/)
  tmux('send-keys', '-t', 'demo', 'q')
  return Number((await waitFor(/tui exited (\d+)/))[1])
}

/** Runs every suggested command as printed; `session end` gets --yes, as there is no terminal to confirm at. */
async function runAll(commands: string[][], env: Record<string, string>): Promise<void> {
  for (const args of commands) {
    if (args.includes('tui')) {
      if (hasTmux) expect({ args, code: await tuiExitStatus(args, env) }).toEqual({ args, code: 0 })
      continue
    }
    const run: CliRun = await cli(args.includes('end') ? [...args, '--yes'] : args, { env })
    expect({ args, code: run.code, stderr: run.stderr }).toEqual({ args, code: 0, stderr: '' })
    expect(run.stdout).not.toBe('')
  }
}

describe('halo-admin demo', () => {
  it('makes a fresh demo database, tells what happened, and every command it suggests works on it', { timeout: 120_000 }, async () => {
    const db = tempDb()
    const run = await cliOn(db, ['demo'], { now: NOW })
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const out = run.stdout
    expect(out).toContain(`Demo database: ${db} (a new file)`)
    expect(out).toContain('early_end_mitra_enabled switched on, audited as halo-admin-demo')
    expect(out).toContain('2026-11-24 (today), step by step')
    expect(out).toMatch(/mitra-ayu ended #\d+ early \(other: "pelanggan minta lanjut besok"\): 3 of 3 today: the cap is reached, CC review #\d+ opened/)
    expect(out).toMatch(/mitra-ayu tried to end #\d+ early: refused, DAILY_CAP_REACHED/)
    expect(out).toMatch(/cust-07 \(customer\) tried to end #\d+ early: refused, EARLY_END_DISABLED/)
    expect(out).toMatch(/10:00 {2}sweep: 1 past its scheduled end moved to closing \(expired\), 4 past the grace window closed/)
    expect(out).toMatch(/^ {2}2026-11-24 [█▏▎▍▌▋▊▉]+\s+4$/m) // today's mitra early ends: budi 1, ayu 3
    expect(out).toMatch(/mitra-ayu\s+3 early ends, at the cap, review #\d+ open/)
    expect(out).toContain('The clock is fixed by HALO_NOW=2026-11-24T03:00:00.000Z')

    const commands = suggested(out)
    const shown = commands.map((c) =>
      c
        .filter((w) => w !== '--db' && w !== db)
        .slice(0, 2)
        .join(' '),
    )
    expect(shown).toEqual([
      'flag list',
      'flag history',
      'session list',
      'session show',
      'session end',
      'review list',
      'review resolve',
      'report closures',
      'report closures',
      'report cap',
      'whatif cap',
      'sweep',
      'db check',
      'tui',
    ])
    for (const c of commands) expect(c.slice(0, 2)).toEqual(['--db', db])
    await runAll(commands, { HALO_NOW: NOW, HALO_ACTOR: 'ops-test' })
  })

  it('runs on the system clock when HALO_NOW is unset', { timeout: 120_000 }, async () => {
    const db = tempDb()
    const run = await cli(['--db', db, 'demo', '--json'], { env: { HALO_ACTOR: 'ops-test' } })
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const r = JSON.parse(run.stdout) as {
      fixedNow: string | null
      day: string
      steps: { at: string }[]
      next: Next[]
      cap: { rows: { mitraId: string; standing: string }[] }
    }
    expect(r.fixedNow).toBeNull()
    // today, or yesterday when run in the first hour of a Jakarta day
    const now = new Date()
    expect([businessDay(now, 'Asia/Jakarta'), businessDay(new Date(now.getTime() - 62 * 60_000), 'Asia/Jakarta')]).toContain(r.day)
    expect(new Date(r.steps.at(-1)!.at).getTime()).toBeLessThanOrEqual(Date.now())
    expect(r.cap.rows.find((row) => row.mitraId === 'mitra-ayu')?.standing).toBe('at')
    await runAll(
      r.next.map((n) => n.args),
      { HALO_ACTOR: 'ops-test' },
    )
  })

  it('plays the scripted hour on the day before in the first hour of a business day, so the cap counts one day', async () => {
    const db = tempDb()
    // 00:20 on 2026-11-25 in Jakarta
    const run = await cliOn(db, ['demo', '--json'], { now: '2026-11-24T17:20:00Z' })
    expect(run.code).toBe(0)
    const r = JSON.parse(run.stdout) as { day: string; cap: { day: string; rows: { mitraId: string; count: number; standing: string }[] }; reviewId: number }
    expect(r.day).toBe('2026-11-24')
    expect(r.cap.rows.find((row) => row.mitraId === 'mitra-ayu')).toMatchObject({ count: 3, standing: 'at' })
    expect(r.reviewId).toBeGreaterThan(0)
  })

  it('replaces its own demo database with the same fresh story', async () => {
    const db = tempDb()
    const first = await cliOn(db, ['demo', '--json'], { now: NOW })
    expect(first.code).toBe(0)
    // something done on the demo afterwards does not make it someone else's
    expect((await cliOn(db, ['flag', 'set', 'early_end_mitra_daily_cap', '5'], { now: NOW })).code).toBe(0)
    const second = await cliOn(db, ['demo', '--json'], { now: NOW })
    expect(second.stderr).toBe('')
    expect(second.code).toBe(0)
    const a = JSON.parse(first.stdout) as Record<string, unknown>
    const b = JSON.parse(second.stdout) as Record<string, unknown>
    expect(a.replaced).toBe('new')
    expect(b.replaced).toBe('demo')
    expect({ ...b, replaced: 'new' }).toEqual(a)
    const history = JSON.parse((await cliOn(db, ['flag', 'history', '--json'], { now: NOW })).stdout) as { actor: string }[]
    expect(history.map((c) => c.actor)).toEqual(['halo-admin-demo'])
  })

  it('refuses to replace a database that is not a demo (exit 2, untouched) unless --force', async () => {
    const db = tempDb()
    expect((await cliOn(db, ['flag', 'set', 'early_end_mitra_enabled', 'true', '--note', 'real rollout'], { now: NOW })).code).toBe(0)
    const before = readFileSync(db)

    const refused = await cliOn(db, ['demo'], { now: NOW })
    expect(refused.code).toBe(2)
    expect(refused.stdout).toBe('')
    const e = errorLine(refused)
    expect(e.code).toBe('INVALID_INPUT')
    expect(e.message).toContain(`${db} is not a demo database (it holds 1 flag change(s), none by halo-admin-demo)`)
    expect(e.message).toContain('--force')
    expect(readFileSync(db).equals(before)).toBe(true)
    const history = JSON.parse((await cliOn(db, ['flag', 'history', '--json'], { now: NOW })).stdout) as { actor: string; note: string }[]
    expect(history).toMatchObject([{ actor: 'ops-test', note: 'real rollout' }])

    const forced = await cliOn(db, ['demo', '--force'], { now: NOW })
    expect(forced.code).toBe(0)
    expect(forced.stdout).toContain('(it replaced a database that was not a demo (--force))')
  })

  it('refuses a file that is not a halo-admin database at all, and leaves it as it was', async () => {
    const file = tempDb('notes.txt')
    writeFileSync(file, 'my notes, not a database\n')
    const run = await cliOn(file, ['demo'], { now: NOW })
    expect(run.code).toBe(2)
    expect(errorLine(run).message).toMatch(/is not a demo database \(it holds not a database this halo-admin can read/)
    expect(readFileSync(file, 'utf8')).toBe('my notes, not a database\n')
  })

  it('uses an empty database as it is: nothing to lose', async () => {
    const db = tempDb()
    // created and migrated by a first read, nothing written
    expect((await cliOn(db, ['flag', 'get', 'early_end_mitra_enabled'], { now: NOW })).code).toBe(0)
    const run = await cliOn(db, ['demo'], { now: NOW })
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('(it replaced an empty database)')
  })
})
