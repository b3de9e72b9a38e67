import type { Kysely } from 'kysely'
import { osIdentity } from '../access/identity.js'
import { queryTemplate } from '../store/query-template.js'
import type { HaloDatabase } from '../store/database.js'
import type { Engine } from '../store/engine.js'
import type { Schema } from '../store/schema.js'
import { decodeStoredFlag, defaultFlags, isFlagKey, type FlagKey, type Flags } from './flag-registry.js'

/** A stored flag: its JSON value and who set it when. */
export interface FlagRow {
  readonly key: string
  readonly value: string
  readonly updated_at: string | null
  readonly updated_by: string | null
}

const selectFlags = queryTemplate((db) => db.selectFrom('app_config').select(['key', 'value']))

/** Decoded stored values by key and JSON text: the flags rarely change, and every early end reads them. */
const decoded = new Map<string, unknown>()

function decode(key: FlagKey, json: string): unknown {
  const id = `${key}\u0000${json}`
  let value = decoded.get(id)
  if (value === undefined) {
    value = decodeStoredFlag(key, json)
    if (decoded.size >= 1000) decoded.clear()
    decoded.set(id, value)
  }
  // callers get their own copy of a list
  return Array.isArray(value) ? [...value] : value
}

/** Stored values over the defaults; rows of keys this version does not know are ignored. */
export function rowsToFlags(rows: readonly Pick<FlagRow, 'key' | 'value'>[]): Flags {
  const flags = defaultFlags() as Record<string, unknown>
  for (const row of rows) if (isFlagKey(row.key)) flags[row.key] = decode(row.key, row.value)
  return flags as Flags
}

/**
 * Every stored flag, read with plain SQL outside any transaction: no query
 * builder, so a process that only reads flags never loads kysely.
 */
export function readFlagRows(handle: HaloDatabase): Promise<FlagRow[]> {
  return handle.select<FlagRow>(`select key, value, updated_at, updated_by from ${handle.engine.table('app_config')}`)
}

/** The id of the audit trail's newest flag change (0 when there is none), read as `readFlagRows` reads: no query builder. */
export async function newestAuditId(handle: HaloDatabase): Promise<number> {
  const [row] = await handle.select<{ id: number | string | null }>(`select max(id) as id from ${handle.engine.table('config_audit')}`)
  return Number(row?.id ?? 0)
}

/**
 * Reads every flag in one query inside a transaction (`db` may be one). With
 * the engine, the query is compiled once (the early end's hot path).
 */
export async function loadFlags(db: Kysely<Schema>, engine?: Engine): Promise<Flags> {
  const rows = engine === undefined ? await db.selectFrom('app_config').select(['key', 'value']).execute() : (await selectFlags(db, engine)).rows
  return rowsToFlags(rows)
}

/** The stored value of one flag, locked for the change about to be made (null: unset, at its default). */
export async function lockedFlagValue(trx: Kysely<Schema>, engine: Engine, key: FlagKey): Promise<string | null> {
  const row = await engine.lockForUpdate(trx.selectFrom('app_config').select('value').where('key', '=', key)).executeTakeFirst()
  return row?.value ?? null
}

/** Stores a flag's JSON value (`null`: back to its default, the row removed). */
export async function storeFlag(trx: Kysely<Schema>, key: FlagKey, json: string | null, existed: boolean, at: string, actor: string): Promise<void> {
  if (json === null) await trx.deleteFrom('app_config').where('key', '=', key).execute()
  else if (!existed) await trx.insertInto('app_config').values({ key, value: json, updated_at: at, updated_by: actor }).execute()
  else await trx.updateTable('app_config').set({ value: json, updated_at: at, updated_by: actor }).where('key', '=', key).execute()
}

/** Records one flag change in `config_audit`; returns its id and who the database says made it. */
export async function insertAudit(
  trx: Kysely<Schema>,
  row: { key: FlagKey; old_value: string; new_value: string; actor: string; note: string | null; created_at: string },
): Promise<{ id: number; authenticated_as: string | null }> {
  // PostgreSQL's trigger puts session_user in authenticated_as instead (migration 0008)
  return await trx
    .insertInto('config_audit')
    .values({ ...row, authenticated_as: osIdentity() })
    .returning(['id', 'authenticated_as'])
    .executeTakeFirstOrThrow()
}

/** Flag changes, newest first, of one key or all. */
export function auditRows(db: Kysely<Schema>, key: FlagKey | undefined, limit: number) {
  let q = db.selectFrom('config_audit').selectAll().orderBy('id', 'desc').limit(limit)
  if (key !== undefined) q = q.where('key', '=', key)
  return q.execute()
}
