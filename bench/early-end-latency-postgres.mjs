/**
 * Latency under load on one PostgreSQL: p50 and p99 of `initiateEarlyEnd` with 8 OS processes (a
 * backend's servers, bench/support/early-end-latency-worker.mjs) x 8 calls in flight each, against a
 * hand-written `pg` transaction writing the same facts under the same load: the same row locks, the
 * same rows, the same guarantees (its BEGIN sets the same timeouts and takes the same app_config lock
 * as the library's: the kill switch; BENCH_FLOOR_BARE=1 leaves them out), 4 round trips (BEGIN, one
 * statement that locks and reads, one that writes, COMMIT: bench/support/early-end-floor.mjs),
 * statements unnamed as the library's by default (BENCH_PREPARED=1: both sides name them), the
 * rules in JavaScript. Both on one throwaway cluster
 * (bench/support/pg-cluster.mjs), in two databases of the same schema and flags; 50 mitras share
 * the early ends, so counter rows are contended as on a busy day. Rounds alternate which side goes
 * first; the latencies of every round are pooled per side. Goal: p99 within 1.3x the floor's.
 *
 * Then sweep throughput at 25,000 live sessions, all past their end: `sweep()` moving them to
 * closing (expired) and, an hour later, to closed, in sessions per second, against hand-written
 * batches of the same size (500) doing the same writes, one statement each.
 *
 * Wall-clock latencies on a shared 2-core machine carry its load: the ratios of one run are what
 * to read, and a run at load 2 differs from one at load 6. With 64 calls in flight, the server and
 * the 8 processes share the machine's cores, so latency follows the client CPU each call costs: the
 * workers' CPU time per call is printed as the second opinion.
 *
 *   npm run build && node bench/run-all.js early-end-latency-postgres
 *   BENCH_ROUNDS=7 BENCH_OPS=400 BENCH_SWEEP=25000 node bench/early-end-latency-postgres.mjs
 *   BENCH_PG_URL=postgres://user:pass@host/postgres ...   (an existing server: creates and drops two databases)
 */
import { fork } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { createClosureService, openDatabase } from '../dist/src/index.js'
import { checkEveryFactWritten, freshDatabase, openSessions } from './support/early-end-db.mjs'
import { NOW as FIXED_NOW } from './support/fixed-time.mjs'
import { startCluster } from './support/pg-cluster.mjs'

const PROCESSES = 8
const IN_FLIGHT = 8
const ROUNDS = Math.max(3, Number(process.env.BENCH_ROUNDS ?? 5))
/** Early ends per process per round and side. */
const OPS = Math.max(50, Number(process.env.BENCH_OPS ?? 250))
const SWEEP = Number(process.env.BENCH_SWEEP ?? 25_000)
const SWEEP_ROUNDS = Math.max(1, Number(process.env.BENCH_SWEEP_ROUNDS ?? 2))
const BATCH = 500
const MITRAS = 50
const TARGET = 1.3
const NOW = new Date(FIXED_NOW)
const WORKER = join(dirname(fileURLToPath(import.meta.url)), 'support', 'early-end-latency-worker.mjs')

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))]
}
const median = (xs) => pct(xs, 50)
/** A fresh database for one side, its handle closed: the workers open their own. */
async function prepare(adminUrl, name) {
  const { handle, url } = await freshDatabase(adminUrl, name, { poolSize: 2, clock: { now: () => NOW } })
  await handle.close()
  return url
}

function startWorkers(libraryUrl, floorUrl) {
  return Promise.all(
    Array.from(
      { length: PROCESSES },
      () =>
        new Promise((resolve, reject) => {
          const child = fork(WORKER, [], { env: { ...process.env, BENCH_WORKER: JSON.stringify({ libraryUrl, floorUrl, pool: IN_FLIGHT }) } })
          child.once('error', reject)
          child.once('exit', (code) => reject(new Error(`a worker exited ${code} before it was ready`)))
          child.once('message', (m) => (m.ready ? (child.removeAllListeners('exit'), resolve(child)) : reject(new Error(JSON.stringify(m)))))
        }),
    ),
  )
}

/** Every worker ends its share of `sessions` on `side` at once; the latencies of all of them, and the CPU the workers used. */
async function round(workers, side, sessions) {
  const share = Math.ceil(sessions.length / workers.length)
  const replies = await Promise.all(
    workers.map(
      (w, i) =>
        new Promise((resolve, reject) => {
          w.once('message', (m) => (m.error ? reject(new Error(`worker: ${m.error}`)) : resolve(m)))
          w.send({ op: 'run', side, sessions: sessions.slice(i * share, (i + 1) * share), callers: IN_FLIGHT })
        }),
    ),
  )
  return { latencies: replies.flatMap((r) => r.latencies), cpuMs: replies.reduce((n, r) => n + r.cpuMs, 0) }
}

/** The floor of the sweep: one statement per batch, the same writes as `sweep()`'s (closures and events included). */
const FLOOR_EXPIRE = `with due as (
    select id, mitra_id, status from sessions where status in ('active', 'extending') and ends_at <= $1::timestamptz
    order by ends_at limit ${BATCH} for update skip locked
  ),
  moved as (
    update sessions s set status = 'closing', grace_ends_at = $2::timestamptz from due
    where s.id = due.id and s.status in ('active', 'extending') returning s.id, s.mitra_id, due.status as from_status
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
  moved as (update sessions s set status = 'closed', closed_at = $1::timestamptz from due where s.id = due.id and s.status = 'closing' returning s.id),
  finalized as (update session_closures c set finalized_at = $1::timestamptz from moved where c.session_id = moved.id),
  events as (
    insert into session_events (session_id, event, from_status, to_status, actor_type, actor_id, created_at)
    select id, 'finalized', 'closing', 'closed', 'system', null, $1::timestamptz from moved
  )
  select count(*)::int as n from moved`

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

async function sweepRound(libPool, floorPool, sweeper) {
  const started = '2026-11-24T00:00:00.000Z'
  const ends = '2026-11-24T02:59:00.000Z'
  const later = new Date(NOW.getTime() + 3_600_000)
  const result = {}
  for (const side of ['library', 'floor']) {
    const pool = side === 'library' ? libPool : floorPool
    await openSessions(pool, SWEEP, { mitras: MITRAS, started, ends })
    let t0 = performance.now()
    const expired =
      side === 'library'
        ? (await sweeper.at(NOW).sweep({ batchSize: BATCH })).expired
        : await floorSweep(pool, FLOOR_EXPIRE, [NOW.toISOString(), new Date(NOW.getTime() + 300_000).toISOString(), '2026-11-24'])
    const expireS = (performance.now() - t0) / 1000
    t0 = performance.now()
    const finalized =
      side === 'library' ? (await sweeper.at(later).sweep({ batchSize: BATCH })).finalized : await floorSweep(pool, FLOOR_FINALIZE, [later.toISOString()])
    const finalizeS = (performance.now() - t0) / 1000
    if (expired !== SWEEP) throw new Error(`${side}: ${expired} expired, ${SWEEP} were due`)
    result[side] = { expired, expiredPerS: expired / expireS, finalized, finalizedPerS: finalized / finalizeS }
  }
  return result
}

async function main() {
  let cluster
  let adminUrl = process.env.BENCH_PG_URL
  if (!adminUrl) {
    cluster = await startCluster()
    adminUrl = cluster.url
  }
  let workers = []
  try {
    const [libraryUrl, floorUrl] = [await prepare(adminUrl, 'halo_latency_library'), await prepare(adminUrl, 'halo_latency_floor')]
    const libPool = new pg.Pool({ connectionString: libraryUrl, max: 2 })
    const floorPool = new pg.Pool({ connectionString: floorUrl, max: 2 })
    workers = await startWorkers(libraryUrl, floorUrl)
    const sides = { library: libPool, floor: floorPool }

    // warm-up: JIT, connections, prepared statements
    for (const side of ['library', 'floor']) await round(workers, side, await openSessions(sides[side], PROCESSES * 40, { mitras: MITRAS }))

    const all = { library: [], floor: [] }
    const cpu = { library: 0, floor: 0 }
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? ['library', 'floor'] : ['floor', 'library']
      const p99 = {}
      for (const side of order) {
        const { latencies, cpuMs } = await round(workers, side, await openSessions(sides[side], PROCESSES * OPS, { mitras: MITRAS }))
        all[side].push(...latencies)
        cpu[side] += cpuMs
        p99[side] = pct(latencies, 99)
      }
      process.stdout.write(
        `round ${r + 1}/${ROUNDS}: p99 library ${p99.library.toFixed(1)} ms, floor ${p99.floor.toFixed(1)} ms, ratio ${(p99.library / p99.floor).toFixed(2)}\n`,
      )
    }

    // both sides wrote every fact: one closure, one early_end event, one count and one rollup count per early end
    for (const [name, pool] of Object.entries(sides)) {
      await checkEveryFactWritten(name, pool)
    }

    const lib = { p50: pct(all.library, 50), p99: pct(all.library, 99), cpu: cpu.library / all.library.length }
    const flo = { p50: pct(all.floor, 50), p99: pct(all.floor, 99), cpu: cpu.floor / all.floor.length }
    const ratio = lib.p99 / flo.p99
    process.stdout.write(
      [
        `early end latency on PostgreSQL, ${PROCESSES} processes x ${IN_FLIGHT} in flight, ${ROUNDS} rounds x ${PROCESSES * OPS} early ends a side, ${MITRAS} mitras:`,
        `  library initiateEarlyEnd  p50 ${lib.p50.toFixed(1)} ms  p99 ${lib.p99.toFixed(1)} ms  (client CPU ${lib.cpu.toFixed(2)} ms a call)`,
        `  floor (hand-written pg)   p50 ${flo.p50.toFixed(1)} ms  p99 ${flo.p99.toFixed(1)} ms  (client CPU ${flo.cpu.toFixed(2)} ms a call)`,
        `  p50 ratio ${(lib.p50 / flo.p50).toFixed(2)}, p99 ratio ${ratio.toFixed(2)} (target <= ${TARGET}): ${ratio <= TARGET ? 'ok' : 'ABOVE TARGET'}`,
        '',
      ].join('\n'),
    )

    // the sweep, with the workers idle
    const sweepHandle = await openDatabase(libraryUrl, { poolSize: 2 })
    const sweeper = { at: (now) => createClosureService(sweepHandle, { clock: { now: () => now } }) }
    const sweeps = []
    for (let r = 0; r < SWEEP_ROUNDS; r++) sweeps.push(await sweepRound(libPool, floorPool, sweeper))
    await sweepHandle.close()
    const rate = (side, what) => median(sweeps.map((s) => s[side][what]))
    const sweepRatio = rate('library', 'expiredPerS') / rate('floor', 'expiredPerS')
    process.stdout.write(
      [
        `sweep on PostgreSQL, ${SWEEP} live sessions all past their end, batches of ${BATCH}, ${SWEEP_ROUNDS} round(s), medians:`,
        `  library sweep(): expire ${rate('library', 'expiredPerS').toFixed(0)} sessions/s, finalize ${rate('library', 'finalizedPerS').toFixed(0)} sessions/s`,
        `  floor (one statement a batch): expire ${rate('floor', 'expiredPerS').toFixed(0)} sessions/s, finalize ${rate('floor', 'finalizedPerS').toFixed(0)} sessions/s`,
        `  expire ratio ${sweepRatio.toFixed(2)}, finalize ratio ${(rate('library', 'finalizedPerS') / rate('floor', 'finalizedPerS')).toFixed(2)} (library / floor)`,
        '',
      ].join('\n'),
    )
    process.stdout.write(
      JSON.stringify({
        bench: 'early-end-latency-postgres',
        processes: PROCESSES,
        inFlight: IN_FLIGHT,
        rounds: ROUNDS,
        libraryP50Ms: Number(lib.p50.toFixed(1)),
        libraryP99Ms: Number(lib.p99.toFixed(1)),
        floorP50Ms: Number(flo.p50.toFixed(1)),
        floorP99Ms: Number(flo.p99.toFixed(1)),
        p99Ratio: Number(ratio.toFixed(3)),
        libraryCpuMsPerCall: Number(lib.cpu.toFixed(3)),
        floorCpuMsPerCall: Number(flo.cpu.toFixed(3)),
        target: TARGET,
        sweepExpirePerS: Math.round(rate('library', 'expiredPerS')),
        sweepFinalizePerS: Math.round(rate('library', 'finalizedPerS')),
        floorSweepExpirePerS: Math.round(rate('floor', 'expiredPerS')),
        floorSweepFinalizePerS: Math.round(rate('floor', 'finalizedPerS')),
      }) + '\n',
    )
    for (const w of workers) w.send({ op: 'exit' })
    await libPool.end()
    await floorPool.end()
    if (!cluster) {
      const admin = new pg.Client({ connectionString: adminUrl })
      await admin.connect()
      await admin.query('drop database if exists halo_latency_library with (force)')
      await admin.query('drop database if exists halo_latency_floor with (force)')
      await admin.end()
    }
    if (ratio > TARGET) process.exitCode = 1
  } finally {
    for (const w of workers) if (w.connected) w.kill()
    cluster?.stop()
  }
}

main().catch((e) => {
  process.stderr.write(`error: ${e instanceof Error ? e.stack : String(e)}\n`)
  process.exit(1)
})
