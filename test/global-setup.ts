/**
 * Checks what the run needs from the machine first (test/support/prerequisites.mjs: one line naming
 * what is missing and how to install it), then starts the PostgreSQL the dialect matrix runs
 * against (unless HALO_TEST_PG_URL names one, or HALO_ENGINES leaves PostgreSQL out) and migrates a
 * template database that every PostgreSQL test copies. No PostgreSQL means a failed run, never a skip.
 */
import pg from 'pg'
import type { TestProject } from 'vitest/node'
import { migrateToLatest, openDatabase, redactTarget } from '../src/index.js'
import { startCluster, type Cluster } from './support/pg-cluster.js'
import { prerequisiteProblem, selectedEngines } from './support/prerequisites.mjs'

export const TEMPLATE_DB = 'halo_template'

/** One server per test worker (VITEST_POOL_ID), so a test that restarts its server or holds a transaction open never touches another file's. */
let clusters: Cluster[] = []

export async function setup(project: TestProject): Promise<void> {
  const problem = prerequisiteProblem()
  if (problem !== null) {
    // one line and out: a thrown error would come back framed as "No test files found" plus a stack
    process.stderr.write(`error: ${problem}\n`)
    process.exit(1)
  }
  if (!selectedEngines().includes('postgres')) {
    project.provide('pgServers', [])
    return
  }
  const given = process.env.HALO_TEST_PG_URL
  if (given) {
    await prepareTemplate(given)
    project.provide('pgServers', [{ adminUrl: given, dataDir: '' }])
    return
  }
  const workers = Math.max(1, Math.min(8, Number(project.config.maxWorkers) || 1))
  // commit timestamps: the kill-switch tests prove commit order with them, not timing luck
  try {
    for (let i = 0; i < workers; i++) clusters.push(await startCluster({ settings: { track_commit_timestamp: 'on' } }))
  } catch (e) {
    await teardown()
    throw e
  }
  await Promise.all(clusters.map((c) => prepareTemplate(c.url)))
  project.provide(
    'pgServers',
    clusters.map((c) => ({ adminUrl: c.url, dataDir: c.dataDir })),
  )
}

/** A migrated template database on the server of `adminUrl`, which every PostgreSQL test copies. */
async function prepareTemplate(adminUrl: string): Promise<void> {
  try {
    const admin = new pg.Client({ connectionString: adminUrl })
    await admin.connect()
    try {
      await admin.query(`drop database if exists ${TEMPLATE_DB} with (force)`)
      await admin.query(`create database ${TEMPLATE_DB}`)
    } finally {
      await admin.end()
    }
    const handle = await openDatabase(withDatabase(adminUrl, TEMPLATE_DB))
    try {
      await migrateToLatest(handle)
    } finally {
      await handle.close()
    }
  } catch (e) {
    // vitest does not run teardown when setup throws: stop our servers here
    await teardown()
    throw new Error(`PostgreSQL for the test run is not usable (${redactTarget(adminUrl)}): ${(e as Error).message}`, { cause: e })
  }
}

export async function teardown(): Promise<void> {
  for (const c of clusters) c.stop()
  clusters = []
}

export function withDatabase(url: string, db: string): string {
  const u = new URL(url)
  u.pathname = `/${db}`
  return u.toString()
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** The servers of the run, one per worker (or the one HALO_TEST_PG_URL names); none without PostgreSQL. */
    pgServers: { adminUrl: string; dataDir: string }[]
  }
}
