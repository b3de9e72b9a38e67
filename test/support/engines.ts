/**
 * The dialect matrix: every store and service test runs once per engine, each
 * test on a fresh, fully migrated database of its own. HALO_ENGINES narrows it
 * (`HALO_ENGINES=sqlite`: SQLite only, no PostgreSQL started).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { inject, onTestFinished } from 'vitest'
import { createClosureService, createConfigStore, createReviewService, fixedClock, migrateToLatest, openDatabase, type HaloDatabase } from '../../src/index.js'
import { TEMPLATE_DB, withDatabase } from '../global-setup.js'
import { selectedEngines, type EngineName } from './prerequisites.mjs'

export type { EngineName }
/** The engines this run covers: both unless HALO_ENGINES says otherwise. */
export const ENGINES: readonly EngineName[] = selectedEngines()
/** Whether PostgreSQL is in this run, for the tests that use it outside the matrix (`describe.runIf(ON_POSTGRES)`). */
export const ON_POSTGRES = ENGINES.includes('postgres')

/**
 * This worker's PostgreSQL server (test/global-setup.ts starts one per worker): its admin URL and data
 * directory ('' for a server HALO_TEST_PG_URL names). A clear error when HALO_ENGINES left PostgreSQL out.
 */
export function testServer(): { adminUrl: string; dataDir: string } {
  if (!ON_POSTGRES) throw new Error(`this test needs PostgreSQL, which HALO_ENGINES=${process.env.HALO_ENGINES} leaves out of the run`)
  const servers = inject('pgServers')
  return servers[(Number(process.env.VITEST_POOL_ID ?? 1) - 1) % servers.length]!
}

function pgAdminUrl(): string {
  return testServer().adminUrl
}

export interface TestDatabase {
  /** What `openDatabase` takes: a SQLite file path or a postgres URL. */
  readonly target: string
  readonly engine: EngineName
  drop(): Promise<void>
}

let counter = 0

/** A new, migrated, empty database. */
export async function createTestDatabase(engine: EngineName): Promise<TestDatabase> {
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'halo-test-'))
    const target = join(dir, 'halo.db')
    const h = await openDatabase(target)
    await migrateToLatest(h)
    await h.close()
    return { target, engine, drop: async () => rmSync(dir, { recursive: true, force: true }) }
  }
  const adminUrl = pgAdminUrl()
  const name = `halo_t_${process.pid}_${Date.now().toString(36)}_${counter++}`
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.query(`create database ${name} template ${TEMPLATE_DB}`)
        break
      } catch (e) {
        // another file is copying the template this instant
        if (attempt >= 20 || !/being accessed by other users/.test(String(e))) throw e
        await new Promise((r) => setTimeout(r, 50 * attempt))
      }
    }
  } finally {
    await admin.end()
  }
  return {
    target: withDatabase(adminUrl, name),
    engine,
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl })
      await c.connect()
      await c.query(`drop database if exists ${name} with (force)`)
      await c.end()
    },
  }
}

/** A database with nothing in it, not even the migration table (a new SQLite file, an empty PostgreSQL database); dropped when the test ends. */
export async function emptyDatabase(engine: EngineName, postgresOptions = ''): Promise<string> {
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'halo-empty-'))
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    return join(dir, 'new.db')
  }
  const adminUrl = pgAdminUrl()
  const name = `halo_empty_${process.pid}_${Date.now().toString(36)}_${counter++}`
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  // `postgresOptions`: what `create database` takes after the name (an encoding, a template)
  await admin.query(`create database ${name} ${postgresOptions}`)
  await admin.end()
  onTestFinished(async () => {
    const c = new pg.Client({ connectionString: adminUrl })
    await c.connect()
    await c.query(`drop database if exists ${name} with (force)`)
    await c.end()
  })
  return withDatabase(adminUrl, name)
}

export interface Setup {
  readonly handle: HaloDatabase
  readonly target: string
  readonly engine: EngineName
  readonly clock: ReturnType<typeof fixedClock>
  readonly closures: ReturnType<typeof createClosureService>
  readonly config: ReturnType<typeof createConfigStore>
  readonly reviews: ReturnType<typeof createReviewService>
  cleanup(): Promise<void>
}

/**
 * A fresh database with the services over it and a fixed clock.
 *
 * ```ts
 * const t = await setup('sqlite', { now: '2026-11-24T10:00:00Z' })
 * onTestFinished(t.cleanup)
 * ```
 */
export async function setup(engine: EngineName, options: { now?: string } = {}): Promise<Setup> {
  const db = await createTestDatabase(engine)
  const handle = await openDatabase(db.target)
  const clock = fixedClock(options.now ?? '2026-11-24T03:00:00Z')
  return {
    handle,
    target: db.target,
    engine,
    clock,
    closures: createClosureService(handle, { clock }),
    config: createConfigStore(handle, { clock }),
    reviews: createReviewService(handle, { clock }),
    async cleanup() {
      await handle.close()
      await db.drop()
    },
  }
}
