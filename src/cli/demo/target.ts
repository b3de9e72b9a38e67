/**
 * Where `halo-admin demo` may write: it always starts from a fresh database,
 * so an existing SQLite file is replaced, but only when it is demo's own and
 * unchanged since (see marker.ts), holds nothing, or `--force` says so.
 */
import { closeSync, existsSync, openSync, readSync, rmSync, statSync } from 'node:fs'
import { HaloError } from '../../errors.js'
import { createClosureService } from '../../closure/closure-service.js'
import { createConfigStore } from '../../config/config-store.js'
import { createReviewService } from '../../review/review-service.js'
import { openDatabase, type HaloDatabase } from '../../store/database.js'
import { schemaReport } from '../../store/schema-state.js'
import { FINGERPRINT_TABLES } from '../../check/fingerprint.js'
import { demoMark, MARKER_TABLE } from './marker.js'

/** What a database holds, as far as `demo` cares. */
export type Contents = { readonly kind: 'empty' } | { readonly kind: 'demo' } | { readonly kind: 'data'; readonly detail: string }

/** Reads what a halo-admin database holds: demo's own (marked and unchanged since), empty, or someone's data. */
export async function contentsOf(handle: HaloDatabase): Promise<Contents> {
  // a table, view, trigger or index demo did not make: someone's, whatever the rows say
  const foreign = handle.engine.embedded ? await objectsNotOurs(handle) : []
  if (foreign.length > 0)
    return { kind: 'data', detail: `objects halo-admin did not create (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''})` }
  const mark = await demoMark(handle)
  if (mark.state === 'demo') return { kind: 'demo' }
  if (mark.state === 'changed') return { kind: 'data', detail: `a demo database changed since demo wrote it at ${mark.markedAt}` }
  const [changes, sessions, reviews] = await Promise.all([
    createConfigStore(handle).history(undefined, 1),
    createClosureService(handle).listSessions({ limit: 1 }),
    createReviewService(handle).list({ limit: 1 }),
  ])
  // a row written by SQL leaves no audit: any row of any table makes it someone's data
  const rows = await tablesWithRows(handle)
  if (changes.length === 0 && sessions.length === 0 && reviews.length === 0 && rows.length === 0) return { kind: 'empty' }
  const held = [sessions.length > 0 && 'sessions', reviews.length > 0 && 'reviews', changes.length > 0 && 'flag changes']
  // rows no command wrote (SQL by hand): named by table, when nothing else says what the data is
  if (!held.some(Boolean)) held.push(`rows in ${rows.join(', ')}`)
  return { kind: 'data', detail: held.filter(Boolean).join(', ') }
}

/** The schema objects (type and name) of a database halo-admin migrated, with their SQL: what a fresh one holds. */
let ours: Promise<Set<string>> | undefined

async function schemaObjects(handle: HaloDatabase): Promise<{ key: string; label: string }[]> {
  const rows = await handle.select<{ type: string; name: string; sql: string | null }>(
    `select type, name, sql from sqlite_master where name not like 'sqlite_%' and name <> '${MARKER_TABLE}' order by type, name`,
  )
  return rows.map((r) => ({ key: `${r.type}\u0000${r.name}\u0000${r.sql ?? ''}`, label: `${r.type} ${r.name}` }))
}

/** Tables, views, triggers and indexes that a fresh halo-admin database does not have, or has with other SQL. */
async function objectsNotOurs(handle: HaloDatabase): Promise<string[]> {
  ours ??= (async () => {
    const fresh = await openDatabase(':memory:')
    try {
      const { migrateToLatest } = await import('../../store/migrate.js')
      await migrateToLatest(fresh)
      return new Set((await schemaObjects(fresh)).map((o) => o.key))
    } finally {
      await fresh.close()
    }
  })()
  const known = await ours
  return (await schemaObjects(handle)).filter((o) => !known.has(o.key)).map((o) => o.label)
}

/** The halo-admin tables that hold any row. */
async function tablesWithRows(handle: HaloDatabase): Promise<string[]> {
  const out: string[] = []
  for (const [table] of FINGERPRINT_TABLES) {
    const [row] = await handle.select<{ one: number }>(`select 1 as one from ${handle.engine.table(table)} limit 1`)
    if (row !== undefined) out.push(table)
  }
  return out
}

/** What an existing SQLite file is; 'new' when there is none (or it is empty). */
async function inspectFile(path: string): Promise<Contents | { kind: 'new' }> {
  if (!existsSync(path)) return { kind: 'new' }
  const stat = statSync(path)
  if (!stat.isFile()) throw new HaloError('INVALID_INPUT', `${path} is not a file: give demo a file path with --db`)
  if (stat.size === 0) return { kind: 'new' }
  let handle: HaloDatabase | undefined
  try {
    // read-only keeps a file that is not in WAL mode as it is; on a WAL file it would leave -wal and -shm behind, which a normal connection removes as it closes
    handle = await openDatabase(path, { readonly: !inWalMode(path), lazy: true })
    const report = await schemaReport(handle)
    if (report.state === 'ahead') return { kind: 'data', detail: 'a database migrated by a newer halo-admin' }
    if (report.state === 'foreign') return { kind: 'data', detail: report.why ?? 'tables halo-admin did not create' }
    // not migrated and no tables of anyone's: an empty SQLite file
    if (report.state === 'behind' && report.applied.length === 0) return { kind: 'empty' }
    return await contentsOf(handle)
  } catch (e) {
    if (!(e instanceof HaloError)) throw e
    return { kind: 'data', detail: `not a database this halo-admin can read (${e.message})` }
  } finally {
    await handle?.close()
  }
}

/** Whether `path` is a SQLite file in WAL mode, as every halo-admin database is: header bytes 18 and 19 are 2. */
function inWalMode(path: string): boolean {
  const header = Buffer.alloc(20)
  const fd = openSync(path, 'r')
  try {
    readSync(fd, header, 0, 20, 0)
  } finally {
    closeSync(fd)
  }
  return header.toString('latin1', 0, 16) === 'SQLite format 3\u0000' && header[18] === 2 && header[19] === 2
}

/**
 * Makes room for a fresh demo database at the SQLite file `path`: removes a
 * demo or empty database (and its -wal/-shm/-journal files); refuses
 * (INVALID_INPUT, exit 2) to remove anything else unless `force`. Returns
 * what was there.
 */
export async function clearForDemo(path: string, force: boolean): Promise<Contents | { kind: 'new' }> {
  const found = await inspectFile(path)
  if (found.kind === 'new' && !existsSync(path)) return found
  if (found.kind === 'data' && !force) {
    throw new HaloError(
      'INVALID_INPUT',
      `${path} is not a demo database (it holds ${found.detail}); demo starts from a fresh database and would delete it. ` +
        'Give demo another file (--db demo.db), or add --force to delete this one',
    )
  }
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${path}${suffix}`, { force: true })
  return found
}
