/**
 * migrateToLatest from several processes at once on a new database: one of
 * them migrates, the others find the work done; nobody fails.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { beforeAll, describe, expect, inject, it, onTestFinished } from 'vitest'
import { migrationStatus, openDatabase } from '../../src/index.js'
import { withDatabase } from '../global-setup.js'
import { ENGINES, type EngineName } from '../support/engines.js'
import { ensureBuilt, runTogether } from '../support/fixtures.js'

const WORKER = fileURLToPath(new URL('./workers/migrate.mjs', import.meta.url))
const PROCESSES = 4

/** A database with nothing in it, not even the migration table. */
async function emptyDatabase(engine: EngineName): Promise<string> {
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'halo-migrate-race-'))
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    return join(dir, 'new.db')
  }
  const adminUrl = inject('pgAdminUrl')
  const name = `halo_mig_${process.pid}_${Date.now().toString(36)}`
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  await admin.query(`create database ${name}`)
  await admin.end()
  onTestFinished(async () => {
    const c = new pg.Client({ connectionString: adminUrl })
    await c.connect()
    await c.query(`drop database if exists ${name} with (force)`)
    await c.end()
  })
  return withDatabase(adminUrl, name)
}

beforeAll(() => {
  ensureBuilt()
}, 120_000)

describe.each(ENGINES)('migrating a new database from %i processes at once on %s'.replace('%i', String(PROCESSES)), (engine) => {
  it('runs each migration exactly once and lets every process finish without an error', async () => {
    const target = await emptyDatabase(engine)
    const results = await runTogether<{ ok: boolean; ran?: string[]; code?: string; message?: string }>(
      WORKER,
      Array.from({ length: PROCESSES }, () => ({ target })),
    )
    expect(results.filter((r) => !r.ok)).toEqual([])
    const handle = await openDatabase(target)
    onTestFinished(() => handle.close())
    const status = await migrationStatus(handle)
    expect(status.pending).toEqual([])
    expect(status.applied.at(-1)).toBe(status.latest)
    // every migration ran in exactly one of the processes
    expect(results.flatMap((r) => r.ran ?? []).sort()).toEqual([...status.applied].sort())
  }, 60_000)
})
