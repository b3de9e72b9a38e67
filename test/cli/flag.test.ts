import { existsSync } from 'node:fs'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { createConfigStore, openDatabase } from '../../src/index.js'
import { dirname } from 'node:path'
import { cli, cliOn, errorLine, newDbPath, tempDb } from './support/cli.js'

describe('halo-admin flag', () => {
  it('reads a value before opening the database: a bad one is exit 2 and creates no file', async () => {
    const db = newDbPath()
    const r = await cliOn(db, ['flag', 'set', 'early_end_mitra_daily_cap', 'three'])
    expect([r.code, errorLine(r).code]).toEqual([2, 'INVALID_INPUT'])
    expect(existsSync(db)).toBe(false)
  })

  it('prints a value a script can test', async () => {
    const db = tempDb()
    const r = await cliOn(db, ['flag', 'get', 'early_end_mitra_enabled'])
    expect(r).toMatchObject({ code: 0, stdout: 'false\n', stderr: '' })
  })

  it('sets a flag, audits the operator and the note, and says so', async () => {
    const db = tempDb()
    const set = await cliOn(db, ['flag', 'set', 'early_end_mitra_enabled', 'true', '--note', 'rollout day 1'], { actor: 'ops-ana' })
    expect(set.code).toBe(0)
    expect(set.stdout).toBe('early_end_mitra_enabled: false → true (audited as ops-ana, change #1)\n')
    const again = await cliOn(db, ['flag', 'set', 'early_end_mitra_enabled', 'true'])
    expect(again.stdout).toContain('already true; nothing changed')
    const history = await cliOn(db, ['--json', 'flag', 'history'])
    expect(JSON.parse(history.stdout)).toEqual([
      expect.objectContaining({ key: 'early_end_mitra_enabled', oldValue: false, newValue: true, actor: 'ops-ana', note: 'rollout day 1' }),
    ])
  })

  it('reads lists as people type them and prints them back the same way', async () => {
    const db = tempDb()
    expect((await cliOn(db, ['flag', 'set', 'early_end_reason_codes', 'customer_left,other'])).code).toBe(0)
    expect((await cliOn(db, ['flag', 'get', 'early_end_reason_codes'])).stdout).toBe('customer_left,other\n')
    const json = JSON.parse((await cliOn(db, ['flag', 'get', 'early_end_reason_codes', '--json'])).stdout)
    expect(json).toMatchObject({ key: 'early_end_reason_codes', value: ['customer_left', 'other'], isSet: true, updatedBy: 'ops-test' })
  })

  it('resets a flag to its default, audited', async () => {
    const db = tempDb()
    await cliOn(db, ['flag', 'set', 'early_end_mitra_daily_cap', '5'])
    const r = await cliOn(db, ['--json', 'flag', 'reset', 'early_end_mitra_daily_cap'])
    expect(JSON.parse(r.stdout)).toMatchObject({ key: 'early_end_mitra_daily_cap', changed: true, value: 3 })
    expect((await cliOn(db, ['flag', 'get', 'early_end_mitra_daily_cap'])).stdout).toBe('3\n')
  })

  it.each([
    [['flag', 'get', 'early_end_enabled'], 'UNKNOWN_FLAG'],
    [['flag', 'set', 'nope', 'true'], 'UNKNOWN_FLAG'],
    [['flag', 'set', 'early_end_mitra_daily_cap', 'five'], 'INVALID_INPUT'],
    [['flag', 'set', 'early_end_mitra_daily_cap', '0'], 'INVALID_INPUT'],
    [['flag', 'set', 'early_end_mitra_enabled', 'yes'], 'INVALID_INPUT'],
    [['flag', 'set', 'business_timezone', 'Mars/Olympus'], 'INVALID_INPUT'],
    [['flag', 'set', 'early_end_mitra_over_cap_action', 'warn'], 'INVALID_INPUT'],
    [['flag', 'history', '--limit', 'ten'], 'INVALID_INPUT'],
    [['flag', 'set', 'early_end_mitra_enabled'], 'INVALID_INPUT'],
    [['flag'], 'INVALID_INPUT'],
    [['flag', 'toggle', 'early_end_mitra_enabled'], 'INVALID_INPUT'],
  ])('refuses %j with %s on one line, exit 2, changing nothing', async (args, code) => {
    const db = tempDb()
    await cliOn(db, ['flag', 'set', 'early_end_mitra_daily_cap', '4'])
    const r = await cliOn(db, args)
    expect(r.code).toBe(2)
    expect(r.stdout).toBe('')
    expect(errorLine(r).code).toBe(code)
    const handle = await openDatabase(db)
    try {
      const config = createConfigStore(handle)
      expect(await config.get('early_end_mitra_daily_cap')).toBe(4)
      expect(await config.history()).toHaveLength(1)
    } finally {
      await handle.close()
    }
  })

  it('reports errors as JSON on stderr with --json', async () => {
    const r = await cliOn(tempDb(), ['--json', 'flag', 'get', 'nope'])
    expect(r.code).toBe(2)
    expect(JSON.parse(r.stderr)).toEqual({ error: { code: 'UNKNOWN_FLAG', message: expect.stringContaining('unknown flag "nope"') } })
  })

  it.each([
    [['flag', 'get', 'early_end_mitra_enable'], 'early_end_mitra_enabled'],
    [['flag', 'set', 'closing_grace_second', '60'], 'closing_grace_seconds'],
    [['flag', 'reset', 'bussiness_timezone'], 'business_timezone'],
    [['flag', 'get', 'early_end_enabled'], 'early_end_customer_enabled or early_end_mitra_enabled'],
    [['flag', 'history', 'daily_cap'], 'early_end_mitra_daily_cap'],
  ])('suggests the key meant for %j, as it does for a mistyped command', async (args, meant) => {
    const db = tempDb()
    const r = await cliOn(db, args)
    expect(r.code).toBe(2)
    expect(errorLine(r).message).toMatch(new RegExp(`^unknown flag "${args[2]}" \\(did you mean ${meant}\\?\\); known: early_end_mitra_enabled, `))
    expect(errorLine(await cliOn(db, ['flga', 'list'])).message).toContain('(Did you mean flag?)')
  })

  it('suggests nothing for a key like no other', async () => {
    expect(errorLine(await cliOn(tempDb(), ['flag', 'get', 'zzz'])).message).toMatch(/^unknown flag "zzz"; known: /)
  })

  it('refuses a HALO_NOW that is not a real instant', async () => {
    for (const now of ['2026-02-30T00:00:00Z', 'yesterday', '2026-11-24T10:00:00']) {
      const r = await cliOn(tempDb(), ['flag', 'get', 'early_end_mitra_enabled'], { now })
      expect(r.code).toBe(2)
      expect(errorLine(r)).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('HALO_NOW') })
    }
  })

  it('leaves a SQLite file it did not create alone instead of adding its tables to it (exit 2)', async () => {
    const db = newDbPath('someone-else.db')
    const other = new Database(db)
    other.exec('create table invoices (id integer primary key, total integer)')
    other.close()
    const r = await cliOn(db, ['flag', 'list'])
    expect(r.code).toBe(2)
    expect(errorLine(r)).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('1 table(s) halo-admin did not create') })
    const after = new Database(db, { readonly: true })
    expect(after.prepare(`select name from sqlite_master where type = 'table'`).pluck().all()).toEqual(['invoices'])
    after.close()
  })

  it('gives exit 6 and one line when the database cannot be opened, exit 3 when there is none', async () => {
    const r = await cli(['--db', dirname(newDbPath()), 'flag', 'list'])
    expect(r.code).toBe(6)
    expect(errorLine(r).code).toBe('DB_ERROR')
    const none = await cli(['--db', '/nonexistent-dir/halo.db', 'flag', 'list'])
    expect(none.code).toBe(3)
    expect(errorLine(none).code).toBe('DATABASE_NOT_FOUND')
  })
})
