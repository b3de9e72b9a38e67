/**
 * Databases for the session CLI tests: a SQLite file seeded through the
 * library (flags set, sessions opened at a fixed time), and every row of
 * every table, to show a command changed nothing.
 */
import {
  createClosureService,
  createConfigStore,
  fixedClock,
  migrateToLatest,
  openDatabase,
  type HaloDatabase,
  type SessionDetail,
} from '../../../src/index.js'
import { TABLES } from '../../support/fixtures.js'
import { tempDb } from './cli.js'

export interface SessionSeed {
  readonly mitra: string
  readonly customer: string
  readonly minutes?: number
}

/** A migrated SQLite file (removed after the test) with `flags` set and `sessions` opened at `now`; their ids in order. */
export async function seededDb(now: string, flags: Record<string, unknown>, sessions: readonly SessionSeed[]): Promise<{ db: string; ids: number[] }> {
  const db = tempDb()
  const ids = await withDb(db, async (handle) => {
    await migrateToLatest(handle)
    const clock = fixedClock(now)
    const config = createConfigStore(handle, { clock })
    for (const [key, value] of Object.entries(flags)) await config.set(key as never, value as never, { actor: 'seed' })
    const closures = createClosureService(handle, { clock })
    const out: number[] = []
    for (const s of sessions) out.push((await closures.openSession({ mitraId: s.mitra, customerId: s.customer, durationMinutes: s.minutes })).id)
    return out
  })
  return { db, ids }
}

export async function withDb<T>(db: string, use: (handle: HaloDatabase) => Promise<T>): Promise<T> {
  const handle = await openDatabase(db)
  try {
    return await use(handle)
  } finally {
    await handle.close()
  }
}

/** Every row of every table, to show a command changed nothing. */
export function everything(db: string): Promise<Record<string, unknown[]>> {
  return withDb(db, async (handle) => {
    const out: Record<string, unknown[]> = {}
    for (const table of TABLES) out[table] = await handle.db.selectFrom(table).selectAll().execute()
    return out
  })
}

/** The session as the library reads it now. */
export function sessionIn(db: string, id: number): Promise<SessionDetail> {
  return withDb(db, (handle) => createClosureService(handle).getSession(id))
}
