/**
 * Fills a migrated SQLite file with `n` closed sessions and their closures, fast: one
 * transaction of prepared inserts straight into the tables (no rules: this is bench data). On a file
 * with migration 0003 its triggers count each closure in closure_daily_counts as it goes in.
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

/** The migration that adds the reports' rollup: the data is written before it, so its backfill counts it. */
const ROLLUP_MIGRATION = '0003-closure-daily-counts'

/**
 * Bumped when what the generator writes changes, so a cached file of an older generator is not reused.
 * 2: the closures are written before migration 0003, whose backfill fills closure_daily_counts.
 */
const GENERATOR = 2

/**
 * A migrated SQLite file with 1,000,000 closures, cached in the temp directory between bench runs
 * (generating it takes ~30 s). The closures are inserted at the schema before the rollup migration,
 * then the remaining migrations run, so the rollup is filled the way an existing database's is: by
 * the migration's backfill (its time is printed). Returns its path and the business-day range the
 * closures cover. The file name carries the migration count and the generator version: a file
 * without the rollup, or from an older generator, is never reused.
 */
export async function cachedMillionClosures() {
  const { existsSync, renameSync, rmSync } = await import('node:fs')
  const { tmpdir } = await import('node:os')
  const { join } = await import('node:path')
  const { Migrator } = await import('kysely')
  const { MIGRATIONS } = await import('../../dist/migrations/index.js')
  const { openDatabase, migrateToLatest } = await import('../../dist/src/index.js')
  const file = join(tmpdir(), `halo-bench-1m-closures-m${MIGRATIONS.length}-g${GENERATOR}.db`)
  const range = { from: '2026-10-28', to: '2026-11-24' }
  if (existsSync(file)) return { file, ...range }
  const before = MIGRATIONS[MIGRATIONS.findIndex((m) => m.name === ROLLUP_MIGRATION) - 1]
  if (before === undefined) throw new Error(`no migration before ${ROLLUP_MIGRATION}`)
  const partial = `${file}.partial`
  for (const f of [partial, `${partial}-wal`, `${partial}-shm`]) rmSync(f, { force: true })
  let h = await openDatabase(partial)
  const migrations = Object.fromEntries(MIGRATIONS.map((m) => [m.name, { up: (db) => m.up(db, 'sqlite') }]))
  const { error } = await h.write((db) => new Migrator({ db, provider: { getMigrations: async () => migrations } }).migrateTo(before.name))
  if (error !== undefined) throw error
  await h.close()
  process.stdout.write('generating 1,000,000 closures (once, cached in the temp directory)...\n')
  const r = fillClosures(partial, { n: 1_000_000, days: 28, endDay: range.to })
  if (r.from !== range.from) throw new Error('unexpected range')
  h = await openDatabase(partial)
  const t0 = performance.now()
  const { ran } = await migrateToLatest(h)
  process.stdout.write(`migrated ${ran.join(', ')} over them (the rollup's backfill) in ${Math.round(performance.now() - t0)} ms\n`)
  await h.select('pragma wal_checkpoint(TRUNCATE)')
  await h.close()
  renameSync(partial, file)
  return { file, ...range }
}
