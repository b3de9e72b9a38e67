/**
 * migrateToLatest from several processes at once on a new database: one of
 * them migrates, the others find the work done; nobody fails.
 */
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { migrationStatus, openDatabase } from '../../src/index.js'
import { emptyDatabase, ENGINES } from '../support/engines.js'
import { ensureBuilt, runTogether } from '../support/fixtures.js'

const WORKER = fileURLToPath(new URL('./workers/migrate.mjs', import.meta.url))
const PROCESSES = 4

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
