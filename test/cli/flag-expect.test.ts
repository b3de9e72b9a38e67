/**
 * Issue 19 on the command line: `flag set/reset --expect` is compare-and-set (a stale expectation
 * exits 4 naming the value, who set it and when, and changes nothing; of racing processes exactly
 * one wins), and a value written by hand into app_config, whatever it is, can be seen and repaired.
 */
import pg from 'pg'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createTestDatabase, ENGINES, type EngineName } from '../support/engines.js'
import { cliOn, errorLine, tempDb } from './support/cli.js'

async function target(engine: EngineName): Promise<string> {
  if (engine === 'sqlite') return tempDb()
  const db = await createTestDatabase(engine)
  onTestFinished(db.drop)
  return db.target
}

/** Writes into app_config by hand, as `psql` or `sqlite3` would. */
async function handWrite(engine: EngineName, db: string, key: string, value: string): Promise<void> {
  if (engine === 'sqlite') {
    const { default: Database } = await import('better-sqlite3')
    const raw = new Database(db)
    raw.prepare('update app_config set value = ? where key = ?').run(value, key)
    raw.close()
    return
  }
  const client = new pg.Client({ connectionString: db })
  await client.connect()
  await client.query('update app_config set value = $1 where key = $2', [value, key])
  await client.end()
}

describe.each(ENGINES)('flag --expect and repair on %s', (engine) => {
  it('changes the flag only while it still has the expected value; otherwise exit 4 with who set it, and nothing changes', async () => {
    const db = await target(engine)
    expect((await cliOn(db, ['flag', 'set', 'early_end_mitra_daily_cap', '6', '--note', 'promo part 2'], { actor: 'ops-budi' })).code).toBe(0)
    const stale = await cliOn(db, ['flag', 'set', 'early_end_mitra_daily_cap', '4', '--expect', '5'], { actor: 'ops-ana' })
    expect(stale.code).toBe(4)
    expect(stale.stdout).toBe('')
    const line = errorLine(stale)
    expect(line.code).toBe('INVALID_STATE')
    expect(line.message).toMatch(
      /^early_end_mitra_daily_cap is 6, not 5 as expected \(set by ops-budi at 2026-11-24T03:00:00\.000Z, change #1\); nothing changed/,
    )
    expect((await cliOn(db, ['flag', 'get', 'early_end_mitra_daily_cap'])).stdout).toBe('6\n')
    expect(JSON.parse((await cliOn(db, ['--json', 'flag', 'history'])).stdout)).toHaveLength(1)
    const json = await cliOn(db, ['--json', 'flag', 'reset', 'early_end_mitra_daily_cap', '--expect', '3'])
    expect(json.code).toBe(4)
    expect(JSON.parse(json.stderr).error).toMatchObject({ code: 'INVALID_STATE' })
    const ok = await cliOn(db, ['flag', 'set', 'early_end_mitra_daily_cap', '4', '--expect', '6'], { actor: 'ops-ana' })
    expect(ok.stdout).toBe('early_end_mitra_daily_cap: 6 → 4 (audited as ops-ana, change #2)\n')
    expect((await cliOn(db, ['flag', 'reset', 'early_end_mitra_daily_cap', '--expect', '4'])).code).toBe(0)
    expect((await cliOn(db, ['flag', 'set', 'early_end_mitra_daily_cap', '4', '--expect', 'many'])).code).toBe(2)
  })

  it('of several processes setting the flag with the same --expect at once, exactly one wins', async () => {
    const db = await target(engine)
    const runs = await Promise.all(
      ['4', '5', '6', '7'].map((n) => cliOn(db, ['flag', 'set', 'early_end_mitra_daily_cap', n, '--expect', '3', '--note', `try ${n}`], { actor: `ops-${n}` })),
    )
    expect(runs.map((r) => r.code).sort()).toEqual([0, 4, 4, 4])
    const winner = runs.findIndex((r) => r.code === 0)
    for (const r of runs) if (r.code === 4) expect(errorLine(r).message).toContain(`is ${4 + winner}, not 3 as expected (set by ops-${4 + winner} at`)
    const history = JSON.parse((await cliOn(db, ['--json', 'flag', 'history'])).stdout) as unknown[]
    expect(history).toHaveLength(1)
  })

  it.each([
    ['early_end_mitra_over_cap_action', 'allow', 'block', 'allow'],
    ['early_end_mitra_daily_cap', '"five"', '3', '5'],
  ])('a hand-written %s = %s is marked, reads as the default, and set, reset and history work on it', async (key, stored, fallback, next) => {
    const db = await target(engine)
    expect((await cliOn(db, ['flag', 'set', key, next])).code).toBe(0)
    await handWrite(engine, db, key, stored)
    const get = await cliOn(db, ['flag', 'get', key])
    expect(get).toMatchObject({ code: 0, stdout: `${fallback}\n` })
    expect(get.stderr).toMatch(/is not valid for it .*reads as the default.*flag set/)
    const list = await cliOn(db, ['flag', 'list'])
    expect(list.stdout).toMatch(new RegExp(`^${key}\\s+${fallback} \\(!\\)`, 'm'))
    expect((await cliOn(db, ['flag', 'history', key])).code).toBe(0)
    const set = await cliOn(db, ['flag', 'set', key, next])
    expect(set.code, set.stderr).toBe(0)
    await handWrite(engine, db, key, stored)
    const reset = await cliOn(db, ['flag', 'reset', key])
    expect(reset.code, reset.stderr).toBe(0)
    const history = await cliOn(db, ['flag', 'history', key])
    expect(history.code, history.stderr).toBe(0)
    expect(history.stdout.trimEnd().split('\n')).toHaveLength(4)
    expect((await cliOn(db, ['flag', 'list'])).stderr).toBe('')
  })
})

describe('ids as the TUI prints them', () => {
  it('session show, review show and --after take a leading #', async () => {
    const db = tempDb()
    expect((await cliOn(db, ['session', 'open', '--mitra', 'm-1', '--customer', 'c-1'])).code).toBe(0)
    const show = await cliOn(db, ['session', 'show', '#1'])
    expect(show.code, show.stderr).toBe(0)
    expect((await cliOn(db, ['session', 'list', '--after', '#2'])).code).toBe(0)
    expect((await cliOn(db, ['review', 'show', '#9'])).code).toBe(3)
    expect((await cliOn(db, ['session', 'show', '##1'])).code).toBe(2)
  })
})
