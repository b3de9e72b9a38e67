import { initialSchema } from './0001-initial-schema.js'
import { reportIndexes } from './0002-report-indexes.js'
import type { HaloMigration } from './migration-support.js'

/** Every migration, oldest first. Forward only: never edit a released one, add the next. */
export const MIGRATIONS: readonly HaloMigration[] = Object.freeze([initialSchema, reportIndexes])
export type { Engine, HaloMigration } from './migration-support.js'
