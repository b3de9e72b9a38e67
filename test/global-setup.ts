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

let cluster: Cluster | undefined

export async function setup(project: TestProject): Promise<void> {
  const problem = prerequisiteProblem()
  if (problem !== null) {
    // one line and out: a thrown error would come back framed as "No test files found" plus a stack
    process.stderr.write(`error: ${problem}\n`)
    process.exit(1)
  }
  if (!selectedEngines().includes('postgres')) {
    project.provide('pgAdminUrl', '')
    project.provide('pgDataDir', '')
    project.provide('pgPort', 0)
    return
  }
  let adminUrl = process.env.HALO_TEST_PG_URL
  if (!adminUrl) {
    // commit timestamps: the kill-switch tests prove commit order with them, not timing luck
    cluster = await startCluster({ settings: { track_commit_timestamp: 'on' } })
    adminUrl = cluster.url
    process.env.HALO_TEST_PG_DATADIR = cluster.dataDir
  }
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
    // vitest does not run teardown when setup throws: stop our server here
    cluster?.stop()
    cluster = undefined
    throw new Error(`PostgreSQL for the test run is not usable (${redactTarget(adminUrl)}): ${(e as Error).message}`, { cause: e })
  }
  project.provide('pgAdminUrl', adminUrl)
  project.provide('pgDataDir', cluster?.dataDir ?? '')
  project.provide('pgPort', cluster?.port ?? 0)
}

export async function teardown(): Promise<void> {
  cluster?.stop()
  cluster = undefined
}

export function withDatabase(url: string, db: string): string {
  const u = new URL(url)
  u.pathname = `/${db}`
  return u.toString()
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string
    pgDataDir: string
    pgPort: number
  }
}
