/**
 * Sweep throughput on a SQLite file at 25,000 due sessions: `sweep()` moving them all to closing
 * (expired) and, an hour later, to closed, in sessions per second, against hand-written
 * better-sqlite3 batches of the same size (500) making the same writes (the session's move, its
 * closure, its event; on finalize the closure's `finalized_at`), each batch one `BEGIN IMMEDIATE`
 * transaction, statements prepared once, on a file of the library's own schema. Two floors, because
 * either is what someone would write by hand: row by row (a prepared statement per row and write)
 * and set-wise (one statement per write over the batch's ids). The ratio is to the faster of the two
 * in each round. Rounds rotate which side goes first; medians over rounds, by the wall clock and by
 * this process's CPU time (steadier on a shared machine). Target: >= 0.8, expire and finalize.
 *
 *   npm run build && node bench/run-all.js sweep-sqlite
 *   BENCH_SWEEP=25000 BENCH_SWEEP_ROUNDS=7 node bench/sweep-sqlite.mjs
 */
import Database from 'better-sqlite3'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClosureService, createConfigStore, migrateToLatest, openDatabase } from '../dist/src/index.js'
import { NOW as FIXED_NOW } from './support/fixed-time.mjs'

const SWEEP = Number(process.env.BENCH_SWEEP ?? 25_000)
const ROUNDS = Math.max(1, Number(process.env.BENCH_SWEEP_ROUNDS ?? 9))
const BATCH = 500
const MITRAS = 50
const TARGET = 0.8
const NOW = new Date(FIXED_NOW)
const LATER = new Date(NOW.getTime() + 3_600_000)
const AT = NOW.toISOString()
const GRACE = new Date(NOW.getTime() + 300_000).toISOString()
const DAY = '2026-11-24'

const dir = mkdtempSync(join(tmpdir(), 'halo-bench-sweep-'))
process.on('exit', () => rmSync(dir, { recursive: true, force: true }))

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/** A connection as the library opens one. */
function connect(file) {
  const raw = new Database(file)
  raw.pragma('journal_mode = WAL')
  raw.pragma('synchronous = NORMAL')
  raw.pragma('foreign_keys = ON')
  return raw
}

/**
 * A migrated file with the run's flags; the library's handle on it, a raw connection for a floor to
 * sweep on, and another that opens the sessions, as a backend's other connections do (so every side's
 * sweeping connection finds the file changed by another and its page cache emptied, alike).
 */
async function prepare(name) {
  const file = join(dir, name)
  const handle = await openDatabase(file)
  await migrateToLatest(handle)
  await createConfigStore(handle, { clock: { now: () => NOW } }).set('early_end_mitra_enabled', true, { actor: 'bench' })
  return { handle, raw: connect(file), opener: connect(file) }
}

/** Opens `n` active sessions past their end straight in SQL (not timed). */
function openDue(raw, n) {
  const insert = raw.prepare(
    `insert into sessions (customer_id, mitra_id, status, started_at, ends_at) values (?, ?, 'active', '2026-11-24T00:00:00.000Z', '2026-11-24T02:59:00.000Z')`,
  )
  raw.transaction(() => {
    for (let i = 0; i < n; i++) insert.run(`c-${i}`, `m-${i % MITRAS}`)
  })()
}

/** Batches of `batch(…)` in their own transactions until one comes back short; the sessions moved. */
function inBatches(raw, batch) {
  const begin = raw.prepare('begin immediate')
  const commit = raw.prepare('commit')
  let moved = 0
  for (;;) {
    begin.run()
    let n
    try {
      n = batch()
      commit.run()
    } catch (e) {
      if (raw.inTransaction) raw.exec('rollback')
      throw e
    }
    moved += n
    if (n < BATCH) return moved
  }
}

/** The row-by-row floor: the batch read, then a prepared statement per row and write. */
function rowFloor(raw) {
  const q = {
    due: raw.prepare(`select id, mitra_id, status from sessions where status in ('active', 'extending') and ends_at <= ? order by ends_at limit ${BATCH}`),
    close: raw.prepare(`update sessions set status = 'closing', grace_ends_at = ? where id = ?`),
    closure: raw.prepare(
      `insert into session_closures (session_id, mitra_id, kind, initiated_by, actor_id, reason, reason_note, business_day, over_cap, review_id, idempotency_key, created_at, grace_ends_at, finalized_at)
       values (?, ?, 'expired', 'system', null, null, null, ?, 0, null, null, ?, ?, null)`,
    ),
    expired: raw.prepare(
      `insert into session_events (session_id, event, from_status, to_status, actor_type, actor_id, created_at) values (?, 'expired', ?, 'closing', 'system', null, ?)`,
    ),
    closing: raw.prepare(`select id from sessions where status = 'closing' and grace_ends_at <= ? order by grace_ends_at limit ${BATCH}`),
    closed: raw.prepare(`update sessions set status = 'closed', closed_at = ? where id = ?`),
    finalized: raw.prepare('update session_closures set finalized_at = ? where session_id = ?'),
    finalizedEvent: raw.prepare(
      `insert into session_events (session_id, event, from_status, to_status, actor_type, actor_id, created_at) values (?, 'finalized', 'closing', 'closed', 'system', null, ?)`,
    ),
  }
  return {
    expire: () =>
      inBatches(raw, () => {
        const due = q.due.all(AT)
        for (const s of due) {
          q.close.run(GRACE, s.id)
          q.closure.run(s.id, s.mitra_id, DAY, AT, GRACE)
          q.expired.run(s.id, s.status, AT)
        }
        return due.length
      }),
    finalize: (later) =>
      inBatches(raw, () => {
        const at = later.toISOString()
        const due = q.closing.all(at)
        for (const s of due) {
          q.closed.run(at, s.id)
          q.finalized.run(at, s.id)
          q.finalizedEvent.run(s.id, at)
        }
        return due.length
      }),
  }
}

/** The set-wise floor: the batch's ids read, then one statement per write over them. */
function setFloor(raw) {
  const inBatch = 'id in (select value from json_each(?))'
  const q = {
    due: raw.prepare(`select id from sessions where status in ('active', 'extending') and ends_at <= ? order by ends_at limit ${BATCH}`),
    closures: raw.prepare(
      `insert into session_closures (session_id, mitra_id, kind, initiated_by, actor_id, reason, reason_note, business_day, over_cap, review_id, idempotency_key, created_at, grace_ends_at, finalized_at)
       select id, mitra_id, 'expired', 'system', null, null, null, ?, 0, null, null, ?, ?, null from sessions where ${inBatch}`,
    ),
    expired: raw.prepare(
      `insert into session_events (session_id, event, from_status, to_status, actor_type, actor_id, created_at)
       select id, 'expired', status, 'closing', 'system', null, ? from sessions where ${inBatch}`,
    ),
    close: raw.prepare(`update sessions set status = 'closing', grace_ends_at = ? where ${inBatch}`),
    closing: raw.prepare(`select id from sessions where status = 'closing' and grace_ends_at <= ? order by grace_ends_at limit ${BATCH}`),
    closed: raw.prepare(`update sessions set status = 'closed', closed_at = ? where ${inBatch}`),
    finalized: raw.prepare('update session_closures set finalized_at = ? where session_id in (select value from json_each(?))'),
    finalizedEvents: raw.prepare(
      `insert into session_events (session_id, event, from_status, to_status, actor_type, actor_id, created_at)
       select value, 'finalized', 'closing', 'closed', 'system', null, ? from json_each(?)`,
    ),
  }
  const ids = (rows) => JSON.stringify(rows.map((r) => r.id))
  return {
    expire: () =>
      inBatches(raw, () => {
        const due = q.due.all(AT)
        if (due.length === 0) return 0
        const batch = ids(due)
        q.closures.run(DAY, AT, GRACE, batch)
        q.expired.run(AT, batch)
        q.close.run(GRACE, batch)
        return due.length
      }),
    finalize: (later) =>
      inBatches(raw, () => {
        const at = later.toISOString()
        const due = q.closing.all(at)
        if (due.length === 0) return 0
        const batch = ids(due)
        q.closed.run(at, batch)
        q.finalized.run(at, batch)
        q.finalizedEvents.run(at, batch)
        return due.length
      }),
  }
}

/** Sessions per second of `run`, by the wall clock and by this process's CPU time. */
async function timed(run) {
  const t0 = performance.now()
  const c0 = process.cpuUsage()
  const n = await run()
  const cpu = process.cpuUsage(c0)
  if (n !== SWEEP) throw new Error(`moved ${n} sessions, ${SWEEP} were due`)
  return { wall: (n * 1000) / (performance.now() - t0), cpu: (n * 1e6) / (cpu.user + cpu.system) }
}

async function main() {
  const files = { library: await prepare('library.db'), row: await prepare('row-floor.db'), set: await prepare('set-floor.db') }
  for (const name of ['row', 'set']) await files[name].handle.close()
  const { handle } = files.library
  const floors = { row: rowFloor(files.row.raw), set: setFloor(files.set.raw) }
  const sides = {
    library: {
      expire: async () => (await createClosureService(handle, { clock: { now: () => NOW } }).sweep({ batchSize: BATCH })).expired,
      finalize: async (at) => (await createClosureService(handle, { clock: { now: () => at } }).sweep({ batchSize: BATCH })).finalized,
    },
    ...floors,
  }
  const names = Object.keys(sides)

  async function round() {
    const out = {}
    for (const name of names) {
      openDue(files[name].opener, SWEEP)
      out[name] = { expire: await timed(() => sides[name].expire()), finalize: await timed(() => sides[name].finalize(LATER)) }
    }
    return out
  }

  await round() // warm-up: JIT, statement caches, page cache
  const rounds = []
  for (let r = 0; r < ROUNDS; r++) {
    names.push(names.shift()) // rotate who goes first
    rounds.push(await round())
    const last = rounds.at(-1)
    const ratio = (what) => last.library[what].wall / Math.max(last.row[what].wall, last.set[what].wall)
    process.stdout.write(`round ${r + 1}/${ROUNDS}: expire ${ratio('expire').toFixed(2)}, finalize ${ratio('finalize').toFixed(2)} (to the faster floor)\n`)
  }

  // every side wrote the same: per session one closure (finalized), an expired and a finalized event
  for (const name of Object.keys(files)) {
    const one = (text) => files[name].raw.prepare(text).get().n
    const s = one(`select count(*) as n from sessions where status = 'closed'`)
    const c = one('select count(*) as n from session_closures where finalized_at is not null')
    const e = one(`select count(*) as n from session_events where event in ('expired', 'finalized')`)
    if (s !== (ROUNDS + 1) * SWEEP || c !== s || e !== 2 * s) throw new Error(`${name}: closed ${s}, finalized closures ${c}, events ${e}`)
  }

  const rate = (side, what, k) => median(rounds.map((x) => x[side][what][k]))
  const ratio = (what, k) => median(rounds.map((x) => x.library[what][k] / Math.max(x.row[what][k], x.set[what][k])))
  const result = {}
  for (const what of ['expire', 'finalize']) {
    result[`${what}Ratio`] = Number(ratio(what, 'wall').toFixed(3))
    result[`${what}CpuRatio`] = Number(ratio(what, 'cpu').toFixed(3))
    for (const side of ['library', 'row', 'set']) result[`${side}${what === 'expire' ? 'Expire' : 'Finalize'}PerS`] = Math.round(rate(side, what, 'wall'))
  }
  const ok = (r) => (r >= TARGET ? 'ok' : 'BELOW TARGET')
  process.stdout.write(
    [
      `sweep on SQLite, ${SWEEP} sessions all past their end, batches of ${BATCH}, medians of ${ROUNDS} rounds:`,
      `  library sweep():        expire ${result.libraryExpirePerS} sessions/s, finalize ${result.libraryFinalizePerS} sessions/s`,
      `  floor, row by row:      expire ${result.rowExpirePerS} sessions/s, finalize ${result.rowFinalizePerS} sessions/s`,
      `  floor, set-wise:        expire ${result.setExpirePerS} sessions/s, finalize ${result.setFinalizePerS} sessions/s`,
      `  to the faster floor: expire ${result.expireRatio} (${ok(result.expireRatio)}; CPU ${result.expireCpuRatio}), finalize ${result.finalizeRatio} (${ok(result.finalizeRatio)}; CPU ${result.finalizeCpuRatio}), target >= ${TARGET}`,
      '',
    ].join('\n'),
  )
  process.stdout.write(JSON.stringify({ bench: 'sweep-sqlite', sessions: SWEEP, batch: BATCH, rounds: ROUNDS, target: TARGET, ...result }) + '\n')
  for (const f of Object.values(files)) {
    f.raw.close()
    f.opener.close()
  }
  await handle.close()
  if (result.expireRatio < TARGET || result.finalizeRatio < TARGET) process.exitCode = 1
}

main().catch((e) => {
  process.stderr.write(`error: ${e instanceof Error ? e.stack : String(e)}\n`)
  process.exit(1)
})
