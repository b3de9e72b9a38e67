/**
 * Fills a migrated SQLite file with `n` closed sessions and their closures, fast: one
 * transaction of prepared inserts straight into the tables (no rules: this is bench data).
 * Closures spread over `days` business days ending `endDay`, 500 mitras, every initiator.
 */
import Database from 'better-sqlite3'

export function fillClosures(file, { n = 1_000_000, days = 28, endDay = '2026-11-24', mitras = 500 } = {}) {
  const raw = new Database(file)
  raw.pragma('journal_mode = WAL')
  raw.pragma('synchronous = OFF')
  const end = Date.parse(`${endDay}T00:00:00Z`)
  const dayList = Array.from({ length: days }, (_, i) => new Date(end - (days - 1 - i) * 86_400_000).toISOString().slice(0, 10))
  const reasons = ['customer_abusive', 'customer_left', 'out_of_scope', 'other']
  const initiators = ['mitra', 'mitra', 'customer', 'system', 'system', 'support']
  const session = raw.prepare(
    `insert into sessions (customer_id, mitra_id, status, started_at, ends_at, grace_ends_at, closed_at) values (?, ?, 'closed', ?, ?, ?, ?)`,
  )
  const closure = raw.prepare(
    `insert into session_closures (session_id, mitra_id, kind, initiated_by, actor_id, reason, reason_note, business_day, over_cap, review_id, idempotency_key, created_at, grace_ends_at, finalized_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, 0, null, null, ?, ?, ?)`,
  )
  let x = 12345
  const rnd = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 4294967296
  raw.transaction(() => {
    for (let i = 0; i < n; i++) {
      const day = dayList[Math.floor(rnd() * days)]
      const mitra = `m-${String(1 + Math.floor(rnd() * mitras)).padStart(4, '0')}`
      const by = initiators[Math.floor(rnd() * initiators.length)]
      const reason = by === 'mitra' || by === 'support' ? reasons[Math.floor(rnd() * reasons.length)] : null
      const t = `${day}T05:${String(Math.floor(rnd() * 60)).padStart(2, '0')}:00.000Z`
      const id = session.run(`c-${i % 50000}`, mitra, t, t, t, t).lastInsertRowid
      closure.run(
        id,
        mitra,
        by === 'system' ? 'expired' : 'early_end',
        by,
        by === 'system' ? null : mitra,
        reason,
        reason === 'other' ? 'note, with "quotes"' : null,
        day,
        t,
        t,
        t,
      )
    }
  })()
  raw.pragma('wal_checkpoint(TRUNCATE)')
  raw.close()
  return { from: dayList[0], to: dayList[days - 1] }
}

/**
 * A migrated SQLite file with 1,000,000 closures, cached in the temp directory between bench runs
 * (generating it takes ~30 s). Returns its path and the business-day range the closures cover.
 */
export async function cachedMillionClosures() {
  const { existsSync, renameSync, rmSync } = await import('node:fs')
  const { tmpdir } = await import('node:os')
  const { join } = await import('node:path')
  const { MIGRATIONS } = await import('../../dist/migrations/index.js')
  const { openDatabase, migrateToLatest } = await import('../../dist/src/index.js')
  const file = join(tmpdir(), `halo-bench-1m-closures-m${MIGRATIONS.length}.db`)
  const range = { from: '2026-10-28', to: '2026-11-24' }
  if (existsSync(file)) return { file, ...range }
  const partial = `${file}.partial`
  for (const f of [partial, `${partial}-wal`, `${partial}-shm`]) rmSync(f, { force: true })
  const h = await openDatabase(partial)
  await migrateToLatest(h)
  await h.close()
  process.stdout.write('generating 1,000,000 closures (once, cached in the temp directory)...\n')
  const r = fillClosures(partial, { n: 1_000_000, days: 28, endDay: range.to })
  if (r.from !== range.from) throw new Error('unexpected range')
  renameSync(partial, file)
  return { file, ...range }
}
