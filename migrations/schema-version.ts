/**
 * The names of this version's migrations, oldest first. Kept apart from the
 * migrations themselves (which load kysely) so a process can tell whether its
 * database is up to date without loading them. Add the name with every new
 * migration: `migrations/index.ts` refuses to load when the two disagree.
 */
export const MIGRATION_NAMES: readonly string[] = Object.freeze([
  '0001-initial-schema',
  '0002-report-indexes',
  '0003-closure-daily-counts',
  '0004-write-path-indexes',
  '0005-event-feed',
  '0006-bigint-ids',
  '0007-event-feed-keys',
  '0008-accountability',
  '0009-rollout-guard',
])

/** How many migrations this version has. */
export const SCHEMA_VERSION = MIGRATION_NAMES.length
