/**
 * How `demo` knows a SQLite file is its own: when it has played its story it stores the fingerprint
 * of everything it wrote in a table of its own, `halo_demo_marker`. No command writes that table (it
 * cannot be forged with `--actor` or a flag change), and any change to the data made afterwards, by
 * anyone, changes the fingerprint: the file is then someone's data, and `demo` only replaces it with
 * `--force`. Reading the demo (lists, reports, the TUI) changes nothing.
 */
import { sql } from 'kysely'
import { fingerprint } from '../../check/fingerprint.js'
import type { HaloDatabase } from '../../store/database.js'

export const MARKER_TABLE = 'halo_demo_marker'

/** Marks `handle`'s database as demo's own, as it now is. Only a file (`embedded`): demo never deletes a server's database. */
export async function markAsDemo(handle: HaloDatabase, at: string): Promise<void> {
  if (!handle.engine.embedded) return
  const print = await fingerprint(handle)
  await handle.write(async (trx) => {
    await sql`create table if not exists ${sql.table(MARKER_TABLE)} (fingerprint text not null, marked_at text not null)`.execute(trx)
    await sql`delete from ${sql.table(MARKER_TABLE)}`.execute(trx)
    await sql`insert into ${sql.table(MARKER_TABLE)} (fingerprint, marked_at) values (${print}, ${at})`.execute(trx)
  })
}

export type DemoMark = { readonly state: 'demo' | 'unmarked' } | { readonly state: 'changed'; readonly markedAt: string }

/** `demo`: untouched since demo marked it; `changed`: marked, then changed by someone; `unmarked`: never marked. */
export async function demoMark(handle: HaloDatabase): Promise<DemoMark> {
  return handle.read(async (db) => {
    const tables = await db.introspection.getTables()
    if (!tables.some((t) => t.name === MARKER_TABLE)) return { state: 'unmarked' }
    const { rows } = await sql<{ fingerprint: string; marked_at: string }>`select fingerprint, marked_at from ${sql.table(MARKER_TABLE)}`.execute(db)
    const mark = rows[0]
    if (mark === undefined) return { state: 'unmarked' }
    return (await fingerprint(handle)) === mark.fingerprint ? { state: 'demo' } : { state: 'changed', markedAt: mark.marked_at }
  })
}
