import type { Kysely } from 'kysely'
import type { Schema } from '../store/schema.js'
import { decodeStoredFlag, defaultFlags, isFlagKey, type Flags } from './flag-registry.js'

/** Reads every flag in one query: stored values over the defaults. */
export async function loadFlags(db: Kysely<Schema>): Promise<Flags> {
  const rows = await db.selectFrom('app_config').select(['key', 'value']).execute()
  const flags = defaultFlags() as Record<string, unknown>
  for (const row of rows) if (isFlagKey(row.key)) flags[row.key] = decodeStoredFlag(row.key, row.value)
  return flags as Flags
}
