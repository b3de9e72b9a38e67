import { sql } from 'kysely'
import type { HaloMigration } from './migration-support.js'

/** Every id column (primary keys and the columns that reference them) with the table it is in. */
const ID_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  sessions: ['id'],
  cc_reviews: ['id'],
  session_closures: ['id', 'session_id', 'review_id'],
  session_goodbyes: ['id', 'session_id'],
  session_events: ['id', 'session_id'],
  config_audit: ['id'],
}

/**
 * Ids are 64-bit on PostgreSQL (issue 18): `serial` made them `integer`, so the 2,147,483,648th
 * session could not be written, and any id past 2^31 - 1 typed by a person or sent by a client
 * failed as "out of range for type integer" instead of "not found". Each id column and its sequence
 * become `bigint` (one rewrite of each table, in the migration's transaction). SQLite's INTEGER is
 * 64-bit already. The library reads ids as JavaScript numbers and accepts ids up to 2^53 - 1.
 */
export const bigintIds: HaloMigration = {
  name: '0006-bigint-ids',
  async up(db, engine) {
    if (engine === 'sqlite') return
    for (const [table, columns] of Object.entries(ID_COLUMNS)) {
      await sql.raw(`alter table ${table} ${columns.map((c) => `alter column ${c} type bigint`).join(', ')}`).execute(db)
      await sql.raw(`alter sequence ${await sequenceOf(db, table)} as bigint`).execute(db)
    }
  },
}

async function sequenceOf(db: Parameters<HaloMigration['up']>[0], table: string): Promise<string> {
  const { rows } = await sql<{ seq: string }>`select pg_get_serial_sequence(${table}, 'id') as seq`.execute(db)
  return rows[0]!.seq
}
