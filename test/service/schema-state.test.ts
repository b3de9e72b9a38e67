import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createConfigStore, migrateToLatest, openDatabase, schemaState } from '../../src/index.js'
import { SCHEMA_VERSION } from '../../migrations/schema-version.js'
import { MIGRATIONS } from '../../migrations/index.js'
import { createTestDatabase, ENGINES } from '../support/engines.js'
import { ensureBuilt } from '../support/fixtures.js'

describe.each(ENGINES)('schemaState on %s', (engine) => {
  it('says current for a migrated database, ahead for one a newer halo-admin migrated', async () => {
    const db = await createTestDatabase(engine)
    onTestFinished(db.drop)
    const handle = await openDatabase(db.target, { lazy: true })
    onTestFinished(() => handle.close())
    expect(await schemaState(handle)).toBe('current')
    await handle.write((trx) =>
      trx
        .insertInto('kysely_migration' as never)
        .values({ name: '9999-from-the-future', timestamp: new Date().toISOString() } as never)
        .execute(),
    )
    expect(await schemaState(handle)).toBe('ahead')
  })

  it('reads flags through the lazy path with the same values as the query builder', async () => {
    const db = await createTestDatabase(engine)
    onTestFinished(db.drop)
    const writer = await openDatabase(db.target)
    onTestFinished(() => writer.close())
    await createConfigStore(writer).set('early_end_mitra_daily_cap', 7, { actor: 'ops' })
    const reader = await openDatabase(db.target, { lazy: true })
    onTestFinished(() => reader.close())
    const list = await createConfigStore(reader).list()
    expect(list.find((f) => f.key === 'early_end_mitra_daily_cap')).toMatchObject({ value: 7, isSet: true, updatedBy: 'ops' })
    expect(list.find((f) => f.key === 'early_end_mitra_enabled')).toMatchObject({ value: false, isSet: false, updatedBy: null })
  })
})

describe('schemaState on a new SQLite file', () => {
  it('says behind until migrated, then current', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'halo-state-'))
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    const handle = await openDatabase(join(dir, 'new.db'), { lazy: true })
    onTestFinished(() => handle.close())
    expect(await schemaState(handle)).toBe('behind')
    await migrateToLatest(handle)
    expect(await schemaState(handle)).toBe('current')
  })

  it('agrees with the migrations it stands in for', () => {
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length)
  })

  it('reads flags without loading kysely or zod when opened lazily', async () => {
    const entry = ensureBuilt()
    const dir = mkdtempSync(join(tmpdir(), 'halo-lazy-'))
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    const file = join(dir, 'lazy.db')
    const migrated = await openDatabase(file)
    await migrateToLatest(migrated)
    await migrated.close()
    const storeUrl = pathToFileURL(join(dirname(entry), 'config', 'config-store.js')).href
    const dbUrl = pathToFileURL(join(dirname(entry), 'store', 'database.js')).href
    // a child process that opens lazily, reads every flag, and lists which packages it loaded
    const script = `
      import { register } from 'node:module'
      const seen = new Set()
      register('data:text/javascript,' + encodeURIComponent('export async function resolve(s, c, next) { const r = await next(s, c); if (r.url.includes("/node_modules/")) console.log("LOADED " + r.url.split("/node_modules/")[1].split("/")[0]); return r }'))
      const { openDatabase } = await import(${JSON.stringify(dbUrl)})
      const { createConfigStore } = await import(${JSON.stringify(storeUrl)})
      const h = await openDatabase(${JSON.stringify(file)}, { lazy: true })
      const flags = await createConfigStore(h).list()
      console.log('FLAGS ' + flags.length)
      await createConfigStore(h).history() // the audit trail goes through the query builder: now it loads
      await h.close()`
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })
    expect(r.stderr).toBe('')
    expect(r.stdout).toContain('FLAGS 10')
    const [before, after] = r.stdout.split(/^FLAGS 10$/m) as [string, string]
    const loaded = (text: string) =>
      new Set(
        text
          .split('\n')
          .filter((l) => l.startsWith('LOADED '))
          .map((l) => l.slice(7)),
      )
    expect(loaded(before)).not.toContain('kysely')
    expect(loaded(before)).not.toContain('zod')
    // the hook does see kysely when it loads
    expect(loaded(after)).toContain('kysely')
  })
})
