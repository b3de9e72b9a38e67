/**
 * Sweep throughput on PostgreSQL at 25,000 due sessions: `sweep()` moving them all to closing
 * (expired) and, an hour later, to closed, in sessions per second, against the floor: hand-written
 * batches of the same size (500), each one statement (CTEs that lock with SKIP LOCKED, move, and write
 * the same closures and events) between BEGIN and COMMIT, on `pg` alone. Both sides on one throwaway
 * cluster (bench/support/pg-cluster.mjs), in two databases of the same schema and flags; measured on a
 * direct connection and through PgBouncer in transaction mode (bench/support/pgbouncer.mjs). Rounds
 * alternate which side goes first; medians over rounds. Target: the library at >= 0.8 of the floor,
 * expire and finalize, both ways in.
 *
 *   npm run build && node bench/run-all.js sweep-postgres
 *   BENCH_SWEEP=25000 BENCH_SWEEP_ROUNDS=7 node bench/sweep-postgres.mjs
 *   BENCH_PG_URL=postgres://user:pass@host/postgres ...   (an existing server, no PgBouncer: creates and drops two databases)
 */
import pg from 'pg'
import { createClosureService, openDatabase } from '../dist/src/index.js'
import { freshDatabase, openSessions } from './support/early-end-db.mjs'
import { NOW as FIXED_NOW } from './support/fixed-time.mjs'
import { startCluster } from './support/pg-cluster.mjs'
import { startPgBouncer } from './support/pgbouncer.mjs'

const SWEEP = Number(process.env.BENCH_SWEEP ?? 25_000)
const ROUNDS = Math.max(1, Number(process.env.BENCH_SWEEP_ROUNDS ?? 5))
const BATCH = 500
const MITRAS = 50
const TARGET = 0.8
const NOW = new Date(FIXED_NOW)
const LATER = new Date(NOW.getTime() + 3_600_000)

/**
 * The floor of the sweep: one statement per batch, the same writes as `sweep()`'s (closures and events
 * included). `moved` joins `due` by id alone, as the library's statement does: the rows are locked with
 * their status checked, and a status test there lets the planner walk the status's partial index once
 * per row of the batch when its statistics say that index is nearly empty (seconds a batch).
 */
const FLOOR_EXPIRE = `with due as (
    select id, mitra_id, status from sessions where status in ('active', 'extending') and ends_at <= $1::timestamptz
    order by ends_at limit ${BATCH} for update skip locked
  ),
  moved as (
    update sessions s set status = 'closing', grace_ends_at = $2::timestamptz from due
    where s.id = due.id returning s.id, s.mitra_id, due.status as from_status
  ),
  closures as (
    insert into session_closures (session_id, mitra_id, kind, initiated_by, actor_id, reason, reason_note, business_day, over_cap, review_id, idempotency_key, created_at, grace_ends_at, finalized_at)
    select id, mitra_id, 'expired', 'system', null, null, null, $3::varchar, false, null, null, $1::timestamptz, $2::timestamptz, null from moved
  ),
  events as (
    insert into session_events (session_id, event, from_status, to_status, actor_type, actor_id, created_at)
    select id, 'expired', from_status, 'closing', 'system', null, $1::timestamptz from moved
  )
  select count(*)::int as n from moved`
const FLOOR_FINALIZE = `with due as (
    select id from sessions where status = 'closing' and grace_ends_at <= $1::timestamptz order by grace_ends_at limit ${BATCH} for update skip locked
  ),
  moved as (update sessions s set status = 'closed', closed_at = $1::timestamptz from due where s.id = due.id returning s.id),
  finalized as (update session_closures c set finalized_at = $1::timestamptz from moved where c.session_id = moved.id),
  events as (
    insert into session_events (session_id, event, from_status, to_status, actor_type, actor_id, created_at)
    select id, 'finalized', 'closing', 'closed', 'system', null, $1::timestamptz from moved
  )
  select count(*)::int as n from moved`

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/** Sessions the floor's batches moved, `statement` after `statement` until a batch comes back short. */
async function floorSweep(pool, statement, values) {
  let moved = 0
  for (;;) {
    const c = await pool.connect()
    try {
      await c.query('begin')
      const n = (await c.query(statement, values)).rows[0].n
      await c.query('commit')
      moved += n
      if (n < BATCH) return moved
    } finally {
      c.release()
    }
  }
}

/** One side's expire and finalize of SWEEP fresh due sessions, in sessions per second. */
async function sweepSide(side, setupPool, sweepPool, handle) {
  await openSessions(setupPool, SWEEP, { mitras: MITRAS, started: '2026-11-24T00:00:00.000Z', ends: '2026-11-24T02:59:00.000Z' })
  // fresh statistics on both sides before timing: an autovacuum analyze landing mid-sweep on one side
  // only (or not yet, with 25,000 new rows) flips the plans of both sides' statements alike, at random
  await setupPool.query('analyze')
  const at = (now) => createClosureService(handle, { clock: { now: () => now } })
  let t0 = performance.now()
  const expired =
    side === 'library'
      ? (await at(NOW).sweep({ batchSize: BATCH })).expired
      : await floorSweep(sweepPool, FLOOR_EXPIRE, [NOW.toISOString(), new Date(NOW.getTime() + 300_000).toISOString(), '2026-11-24'])
  const expireS = (performance.now() - t0) / 1000
  t0 = performance.now()
  const finalized =
    side === 'library' ? (await at(LATER).sweep({ batchSize: BATCH })).finalized : await floorSweep(sweepPool, FLOOR_FINALIZE, [LATER.toISOString()])
  const finalizeS = (performance.now() - t0) / 1000
  if (expired !== SWEEP || finalized !== SWEEP) throw new Error(`${side}: ${expired} expired and ${finalized} finalized, ${SWEEP} were due`)
  return { expiredPerS: expired / expireS, finalizedPerS: finalized / finalizeS }
}

/** ROUNDS rounds on the connections `urls` names (direct or through the pooler); medians per side. */
async function measure(way, urls, setupPools) {
  const sweepPools = { library: null, floor: new pg.Pool({ connectionString: urls.floor, max: 2 }) }
  const handle = await openDatabase(urls.library, { poolSize: 2 })
  const runs = { library: [], floor: [] }
  try {
    // warm-up: connections, the statements' first plans
    for (const side of ['library', 'floor']) await sweepSide(side, setupPools[side], sweepPools[side], handle)
    for (let r = 0; r < ROUNDS; r++) {
      for (const side of r % 2 === 0 ? ['library', 'floor'] : ['floor', 'library'])
        runs[side].push(await sweepSide(side, setupPools[side], sweepPools[side], handle))
      const last = (side) => runs[side].at(-1)
      process.stdout.write(
        `${way} round ${r + 1}/${ROUNDS}: expire ${(last('library').expiredPerS / last('floor').expiredPerS).toFixed(2)}, finalize ${(last('library').finalizedPerS / last('floor').finalizedPerS).toFixed(2)}\n`,
      )
    }
  } finally {
    await handle.close()
    await sweepPools.floor.end()
  }
  const rate = (side, what) => median(runs[side].map((x) => x[what]))
  const result = {
    libraryExpirePerS: Math.round(rate('library', 'expiredPerS')),
    libraryFinalizePerS: Math.round(rate('library', 'finalizedPerS')),
    floorExpirePerS: Math.round(rate('floor', 'expiredPerS')),
    floorFinalizePerS: Math.round(rate('floor', 'finalizedPerS')),
  }
  result.expireRatio = Number((result.libraryExpirePerS / result.floorExpirePerS).toFixed(3))
  result.finalizeRatio = Number((result.libraryFinalizePerS / result.floorFinalizePerS).toFixed(3))
  const ok = (r) => (r >= TARGET ? 'ok' : 'BELOW TARGET')
  process.stdout.write(
    [
      `sweep on PostgreSQL (${way}), ${SWEEP} sessions all past their end, batches of ${BATCH}, medians of ${ROUNDS} rounds:`,
      `  library sweep():              expire ${result.libraryExpirePerS} sessions/s, finalize ${result.libraryFinalizePerS} sessions/s`,
      `  floor (one statement a batch): expire ${result.floorExpirePerS} sessions/s, finalize ${result.floorFinalizePerS} sessions/s`,
      `  expire ratio ${result.expireRatio} (${ok(result.expireRatio)}), finalize ratio ${result.finalizeRatio} (${ok(result.finalizeRatio)}), target >= ${TARGET}`,
      '',
    ].join('\n'),
  )
  return result
}

async function main() {
  let cluster
  let bouncer
  let adminUrl = process.env.BENCH_PG_URL
  if (!adminUrl) {
    cluster = await startCluster()
    adminUrl = cluster.url
  }
  const setupPools = {}
  try {
    const urls = {}
    for (const side of ['library', 'floor']) {
      const { handle, url } = await freshDatabase(adminUrl, `halo_sweep_${side}`, { poolSize: 2, clock: { now: () => NOW } })
      await handle.close()
      urls[side] = url
      setupPools[side] = new pg.Pool({ connectionString: url, max: 2 })
    }
    const results = { direct: await measure('direct', urls, setupPools) }
    if (cluster) {
      bouncer = await startPgBouncer({ pgUrl: cluster.url, mode: 'transaction' })
      const through = (url) => Object.assign(new URL(url), { port: String(bouncer.port) }).toString()
      results.pgbouncer = await measure('PgBouncer, transaction mode', { library: through(urls.library), floor: through(urls.floor) }, setupPools)
    }
    process.stdout.write(JSON.stringify({ bench: 'sweep-postgres', sessions: SWEEP, batch: BATCH, rounds: ROUNDS, target: TARGET, ...results }) + '\n')
    const missed = Object.values(results).some((r) => r.expireRatio < TARGET || r.finalizeRatio < TARGET)
    if (missed) process.exitCode = 1
    if (!cluster) {
      for (const pool of Object.values(setupPools)) await pool.end()
      const admin = new pg.Client({ connectionString: adminUrl })
      await admin.connect()
      for (const side of ['library', 'floor']) await admin.query(`drop database if exists halo_sweep_${side} with (force)`)
      await admin.end()
    }
  } finally {
    for (const pool of Object.values(setupPools)) await pool.end().catch(() => {})
    bouncer?.stop()
    cluster?.stop()
  }
}

main().catch((e) => {
  process.stderr.write(`error: ${e instanceof Error ? e.stack : String(e)}\n`)
  process.exit(1)
})
