import { initialSchema } from './0001-initial-schema.js'
import { reportIndexes } from './0002-report-indexes.js'
import { closureDailyCounts } from './0003-closure-daily-counts.js'
import { writePathIndexes } from './0004-write-path-indexes.js'
import { eventFeed } from './0005-event-feed.js'
import { bigintIds } from './0006-bigint-ids.js'
import { eventFeedKeys } from './0007-event-feed-keys.js'
import { accountability } from './0008-accountability.js'
import { rolloutGuard } from './0009-rollout-guard.js'
import type { HaloMigration } from './migration-support.js'
import { MIGRATION_NAMES } from './schema-version.js'

/** Every migration, oldest first. Forward only: never edit a released one, add the next. */
export const MIGRATIONS: readonly HaloMigration[] = Object.freeze([
  initialSchema,
  reportIndexes,
  closureDailyCounts,
  writePathIndexes,
  eventFeed,
  bigintIds,
  eventFeedKeys,
  accountability,
  rolloutGuard,
])
if (MIGRATIONS.map((m) => m.name).join() !== MIGRATION_NAMES.join())
  throw new Error(`migrations/schema-version.ts names ${MIGRATION_NAMES.join(', ')}; the migrations are ${MIGRATIONS.map((m) => m.name).join(', ')}`)
export type { Engine, HaloMigration } from './migration-support.js'
