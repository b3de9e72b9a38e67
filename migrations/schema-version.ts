/**
 * How many migrations this version has. Kept apart from the migrations
 * themselves (which load kysely) so a process can tell whether its database
 * is up to date without loading them. Bump it with every new migration:
 * `migrations/index.ts` refuses to load when the two disagree.
 */
export const SCHEMA_VERSION = 3
