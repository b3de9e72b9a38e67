/**
 * Starts the PostgreSQL the dialect matrix runs against (unless
 * HALO_TEST_PG_URL names one) and migrates a template database that every
 * PostgreSQL test copies. No PostgreSQL means a failed run, never a skip.
 */
import pg from 'pg'
import type { TestProject } from 'vitest/node'
import { migrateToLatest, openDatabase, redactTarget } from '../src/index.js'
import { startCluster, type Cluster } from './support/pg-cluster.js'

export const TEMPLATE_DB = 'halo_template'

let cluster: Cluster | undefined

export async function setup(project: TestProject): Promise<void> {
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
