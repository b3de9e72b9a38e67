/**
 * A SQLite file as a day of production leaves it, for the TUI benches: `total` sessions, the
 * closed ones first, then `live` live ones (every seventh extending), each with its `opened` event.
 * Written with better-sqlite3 directly (a library call per session would take minutes).
 */
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { migrateToLatest, openDatabase } from '../../dist/src/index.js'

export async function liveSessionsDb(dir, { live, total, now }) {
  const file = join(dir, 'halo.db')
  const handle = await openDatabase(file)
  await migrateToLatest(handle)
  await handle.close()
  const Database = createRequire(import.meta.url)('better-sqlite3')
  const db = new Database(file)
  const insert = db.prepare('insert into sessions (customer_id, mitra_id, status, started_at, ends_at, grace_ends_at, closed_at) values (?, ?, ?, ?, ?, ?, ?)')
  const event = db.prepare(
    "insert into session_events (session_id, event, from_status, to_status, actor_type, actor_id, created_at) values (?, 'opened', null, 'active', 'system', null, ?)",
  )
  const at = Date.parse(now)
  db.transaction(() => {
    for (let i = 0; i < total; i++) {
      const isLive = i >= total - live
      const started = new Date(at - (isLive ? 60_000 * (i % 30) : 86_400_000 + (total - i) * 500)).toISOString()
      const ends = new Date(Date.parse(started) + 60_000 * (20 + (i % 600))).toISOString()
      const r = insert.run(
        `c-${i % 40_000}`,
        `m-${String(i % 2000).padStart(4, '0')}`,
        isLive ? (i % 7 === 0 ? 'extending' : 'active') : 'closed',
        started,
        ends,
        isLive ? null : ends,
        isLive ? null : ends,
      )
      event.run(r.lastInsertRowid, started)
    }
  })()
  db.close()
  return file
}
