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
 * (Sweep throughput is bench/sweep-postgres.mjs.)
 *
 * Wall-clock latencies on a shared 2-core machine carry its load: the ratios of one run are what
 * to read, and a run at load 2 differs from one at load 6. With 64 calls in flight, the server and
 * the 8 processes share the machine's cores, so latency follows the client CPU each call costs: the
 * workers' CPU time per call is printed as the second opinion.
 *
 *   npm run build && node bench/run-all.js early-end-latency-postgres
 *   BENCH_ROUNDS=7 BENCH_OPS=400 node bench/early-end-latency-postgres.mjs
 *   BENCH_VIA=pgbouncer node bench/early-end-latency-postgres.mjs   (both sides through PgBouncer, transaction mode)
 *   BENCH_PREPARED=1 ...   (both sides name their statements: a direct connection)
 *   BENCH_PG_URL=postgres://user:pass@host/postgres ...   (an existing server: creates and drops two databases)
 */
import { fork } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { checkEveryFactWritten, freshDatabase, openSessions, withDatabase } from './support/early-end-db.mjs'
import { NOW as FIXED_NOW } from './support/fixed-time.mjs'
import { startCluster } from './support/pg-cluster.mjs'
import { startPgBouncer } from './support/pgbouncer.mjs'

const PROCESSES = 8
const IN_FLIGHT = 8
const ROUNDS = Math.max(3, Number(process.env.BENCH_ROUNDS ?? 5))
/** Early ends per process per round and side. */
const OPS = Math.max(50, Number(process.env.BENCH_OPS ?? 250))
const MITRAS = 50
/** Early ends per process and side before the measured rounds. */
const WARM_UP = Math.max(0, Number(process.env.BENCH_WARM_UP ?? 1500))
const TARGET = 1.3
/** `direct`, or `pgbouncer`: the workers connect through PgBouncer in transaction mode. */
const VIA = process.env.BENCH_VIA ?? 'direct'
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

async function main() {
  let cluster
  let adminUrl = process.env.BENCH_PG_URL
  if (!adminUrl) {
    cluster = await startCluster()
    adminUrl = cluster.url
  }
  let workers = []
  let bouncer
  try {
    const [libraryUrl, floorUrl] = [await prepare(adminUrl, 'halo_latency_library'), await prepare(adminUrl, 'halo_latency_floor')]
    const libPool = new pg.Pool({ connectionString: libraryUrl, max: 2 })
    const floorPool = new pg.Pool({ connectionString: floorUrl, max: 2 })
    if (VIA === 'pgbouncer') {
      // both sides' 64 clients through one PgBouncer in transaction mode (its defaults but for the client limit)
      bouncer = await startPgBouncer({ pgUrl: adminUrl, mode: 'transaction', settings: { max_client_conn: 400 } })
      const through = (url) => withDatabase(bouncer.url, new URL(url).pathname.slice(1))
      workers = await startWorkers(through(libraryUrl), through(floorUrl))
    } else workers = await startWorkers(libraryUrl, floorUrl)
    const sides = { library: libPool, floor: floorPool }

    // warm-up: JIT (a thousand calls and more a process, or the first rounds measure code V8 is still
    // optimising), connections, plans; in turns, so neither pool sits idle past pg's 10 s idle timeout
    // and meets its first round with 64 connections to open at once
    for (let done = 0; done < WARM_UP; done += 250)
      for (const side of ['library', 'floor'])
        await round(workers, side, await openSessions(sides[side], PROCESSES * Math.min(250, WARM_UP - done), { mitras: MITRAS }))

    const all = { library: [], floor: [] }
    const cpu = { library: 0, floor: 0 }
    const roundRatios = []
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? ['library', 'floor'] : ['floor', 'library']
      const p99 = {}
      for (const side of order) {
        const { latencies, cpuMs } = await round(workers, side, await openSessions(sides[side], PROCESSES * OPS, { mitras: MITRAS }))
        all[side].push(...latencies)
        cpu[side] += cpuMs
        p99[side] = pct(latencies, 99)
      }
      roundRatios.push(p99.library / p99.floor)
      process.stdout.write(
        `round ${r + 1}/${ROUNDS}: p99 library ${p99.library.toFixed(1)} ms, floor ${p99.floor.toFixed(1)} ms, ratio ${(p99.library / p99.floor).toFixed(2)}\n`,
      )
    }

    // both sides wrote every fact: one closure, one early_end event, one count and one rollup count per early end
    for (const [name, pool] of Object.entries(sides)) {
      await checkEveryFactWritten(name, pool)
    }
    // what waited on the server: a deadlock costs its victim deadlock_timeout (1 s) before the retry
    const waits = (await libPool.query(`select datname, deadlocks from pg_stat_database where datname in ('halo_latency_library', 'halo_latency_floor')`)).rows
    process.stdout.write(`deadlocks on the server: ${waits.map((w) => `${w.datname.replace('halo_latency_', '')} ${w.deadlocks}`).join(', ')}\n`)

    const lib = { p50: pct(all.library, 50), p99: pct(all.library, 99), cpu: cpu.library / all.library.length }
    const flo = { p50: pct(all.floor, 50), p99: pct(all.floor, 99), cpu: cpu.floor / all.floor.length }
    const ratio = lib.p99 / flo.p99
    process.stdout.write(
      [
        `early end latency on PostgreSQL (${VIA}), ${PROCESSES} processes x ${IN_FLIGHT} in flight, ${ROUNDS} rounds x ${PROCESSES * OPS} early ends a side, ${MITRAS} mitras:`,
        `  library initiateEarlyEnd  p50 ${lib.p50.toFixed(1)} ms  p99 ${lib.p99.toFixed(1)} ms  (client CPU ${lib.cpu.toFixed(2)} ms a call)`,
        `  floor (hand-written pg)   p50 ${flo.p50.toFixed(1)} ms  p99 ${flo.p99.toFixed(1)} ms  (client CPU ${flo.cpu.toFixed(2)} ms a call)`,
        `  p50 ratio ${(lib.p50 / flo.p50).toFixed(2)}, p99 ratio ${ratio.toFixed(2)} (target <= ${TARGET}): ${ratio <= TARGET ? 'ok' : 'ABOVE TARGET'}; median of the rounds' p99 ratios ${median(roundRatios).toFixed(2)}`,
        '',
      ].join('\n'),
    )

    process.stdout.write(
      JSON.stringify({
        bench: 'early-end-latency-postgres',
        via: VIA,
        processes: PROCESSES,
        inFlight: IN_FLIGHT,
        rounds: ROUNDS,
        libraryP50Ms: Number(lib.p50.toFixed(1)),
        libraryP99Ms: Number(lib.p99.toFixed(1)),
        floorP50Ms: Number(flo.p50.toFixed(1)),
        floorP99Ms: Number(flo.p99.toFixed(1)),
        p99Ratio: Number(ratio.toFixed(3)),
        medianRoundP99Ratio: Number(median(roundRatios).toFixed(3)),
        libraryCpuMsPerCall: Number(lib.cpu.toFixed(3)),
        floorCpuMsPerCall: Number(flo.cpu.toFixed(3)),
        target: TARGET,
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
    bouncer?.stop()
    cluster?.stop()
  }
}

main().catch((e) => {
  process.stderr.write(`error: ${e instanceof Error ? e.stack : String(e)}\n`)
  process.exit(1)
})
