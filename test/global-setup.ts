/**
 * Starts the PostgreSQL the dialect matrix runs against (unless
 * HALO_TEST_PG_URL names one) and migrates a template database that every
 * PostgreSQL test copies. No PostgreSQL means a failed run, never a skip.
 */
import pg from 'pg'
import type { TestProject } from 'vitest/node'
import { migrateToLatest, openDatabase } from '../src/index.js'
import { startCluster, type Cluster } from './support/pg-cluster.js'

export const TEMPLATE_DB = 'halo_template'

let cluster: Cluster | undefined

export async function setup(project: TestProject): Promise<void> {
  let adminUrl = process.env.HALO_TEST_PG_URL
  if (!adminUrl) {
    cluster = await startCluster()
    adminUrl = cluster.url
    process.env.HALO_TEST_PG_DATADIR = cluster.dataDir
  }
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  await admin.query(`drop database if exists ${TEMPLATE_DB}`)
  await admin.query(`create database ${TEMPLATE_DB}`)
  await admin.end()
  const handle = await openDatabase(withDatabase(adminUrl, TEMPLATE_DB))
  await migrateToLatest(handle)
  await handle.close()
  project.provide('pgAdminUrl', adminUrl)
  project.provide('pgDataDir', cluster?.dataDir ?? '')
  project.provide('pgPort', cluster?.port ?? 0)
}

export async function teardown(): Promise<void> {
  cluster?.stop()
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
