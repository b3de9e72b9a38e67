import { initialSchema } from './0001-initial-schema.js'
import { reportIndexes } from './0002-report-indexes.js'
import { closureDailyCounts } from './0003-closure-daily-counts.js'
import type { HaloMigration } from './migration-support.js'
import { SCHEMA_VERSION } from './schema-version.js'

/** Every migration, oldest first. Forward only: never edit a released one, add the next. */
export const MIGRATIONS: readonly HaloMigration[] = Object.freeze([initialSchema, reportIndexes, closureDailyCounts])
if (MIGRATIONS.length !== SCHEMA_VERSION) throw new Error(`migrations/schema-version.ts says ${SCHEMA_VERSION}, there are ${MIGRATIONS.length} migrations`)
export type { Engine, HaloMigration } from './migration-support.js'
