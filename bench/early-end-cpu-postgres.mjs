/**
 * Client CPU per early end on PostgreSQL: what a backend pays on its request path for each Akhiri.
 * `initiateEarlyEnd` against the hand-written floor (bench/support/early-end-floor.mjs: the same 4
 * round trips, the same locks, bounds and writes on the same schema, the rules in JavaScript), in one
 * process, 8 calls in flight over pools of 8, the server's CPU left out (process.cpuUsage of this
 * process only). Three ways a backend connects, each side in the same way:
 *
 * - direct, unnamed statements (the library's default: works through any pooler);
 * - direct, named statements (`?prepared_statements=true` against a floor that names its statements);
 * - through PgBouncer in transaction mode (Debian's, default settings), unnamed.
 *
 * Rounds alternate which side goes first; the median of the per-round ratios is the result.
 * Target: library / floor <= 1.3 in each way.
 *
 *   npm run build && node bench/run-all.js early-end-cpu-postgres
 *   BENCH_ROUNDS=9 BENCH_OPS=3000 BENCH_WAYS=direct,pgbouncer node bench/early-end-cpu-postgres.mjs
 */
import pg from 'pg'
import { createClosureService, openDatabase, UserType } from '../dist/src/index.js'
import { freshDatabase, openSessions, withDatabase } from './support/early-end-db.mjs'
import { floorEarlyEnd } from './support/early-end-floor.mjs'
import { NOW as FIXED_NOW } from './support/fixed-time.mjs'
import { startCluster } from './support/pg-cluster.mjs'
import { startPgBouncer } from './support/pgbouncer.mjs'

const ROUNDS = Math.max(3, Number(process.env.BENCH_ROUNDS ?? 7))
const OPS = Math.max(200, Number(process.env.BENCH_OPS ?? 2000))
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 8)
const MITRAS = 50
const TARGET = 1.3
const WAYS = (process.env.BENCH_WAYS ?? 'direct,named,pgbouncer').split(',')
const NOW = new Date(FIXED_NOW)
const now = () => NOW

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/** Runs `end` over `sessions` with IN_FLIGHT callers; the CPU this process used per call, in ms. */
async function cpuPerCall(sessions, end) {
  let next = 0
  const cpu = process.cpuUsage()
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < sessions.length) {
        const [id, mitra] = sessions[next++]
        await end(id, mitra)
      }
    }),
  )
  const used = process.cpuUsage(cpu)
  return (used.user + used.system) / 1000 / sessions.length
}

async function measureWay(way, urls, seeders) {
  const named = way === 'named'
  const libUrl = named ? `${urls.library}?prepared_statements=true` : urls.library
  const handle = await openDatabase(libUrl, { poolSize: IN_FLIGHT })
  const closures = createClosureService(handle, { clock: { now } })
  const floorPool = new pg.Pool({ connectionString: urls.floor, max: IN_FLIGHT })
  const floorEnd = floorEarlyEnd(floorPool, { now, named })
  const sides = {
    library: async (id, mitra) => {
      const r = await closures.initiateEarlyEnd(id, UserType.MITRA, { actorId: mitra, reason: 'customer_left' })
      if (r.closure === null) throw new Error('no closure written')
    },
    floor: (id, mitra) => floorEnd(id, mitra, 'customer_left'),
  }
  const round = async (side, n) => cpuPerCall(await openSessions(seeders[side], n, { mitras: MITRAS }), sides[side])
  // warm-up: JIT, connections, plans
  for (const side of ['library', 'floor']) await round(side, Math.min(500, OPS))
  const cpu = { library: [], floor: [] }
  const ratios = []
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? ['library', 'floor'] : ['floor', 'library']
    const got = {}
    for (const side of order) got[side] = await round(side, OPS)
    cpu.library.push(got.library)
    cpu.floor.push(got.floor)
    ratios.push(got.library / got.floor)
  }
  await handle.close()
  await floorPool.end()
  return { library: median(cpu.library), floor: median(cpu.floor), ratio: median(ratios) }
}

async function main() {
  const cluster = await startCluster({ settings: { max_connections: 100 } })
  let bouncer
  try {
    const base = { library: 'halo_cpu_library', floor: 'halo_cpu_floor' }
    const direct = {}
    for (const [side, name] of Object.entries(base)) {
      const { handle, url } = await freshDatabase(cluster.url, name, { poolSize: 2, clock: { now } })
      await handle.close()
      direct[side] = url
    }
    const seeders = { library: new pg.Pool({ connectionString: direct.library, max: 2 }), floor: new pg.Pool({ connectionString: direct.floor, max: 2 }) }
    const results = {}
    for (const way of WAYS) {
      let urls = direct
      if (way === 'pgbouncer') {
        bouncer = await startPgBouncer({ pgUrl: cluster.url, mode: 'transaction' })
        urls = { library: withDatabase(bouncer.url, base.library), floor: withDatabase(bouncer.url, base.floor) }
      }
      results[way] = await measureWay(way, urls, seeders)
      const r = results[way]
      process.stdout.write(
        `${way.padEnd(10)} library ${r.library.toFixed(3)} ms CPU a call, floor ${r.floor.toFixed(3)} ms, ratio ${r.ratio.toFixed(2)} (target <= ${TARGET}): ${r.ratio <= TARGET ? 'ok' : 'ABOVE TARGET'}\n`,
      )
    }
    await seeders.library.end()
    await seeders.floor.end()
    process.stdout.write(
      JSON.stringify({
        bench: 'early-end-cpu-postgres',
        rounds: ROUNDS,
        ops: OPS,
        inFlight: IN_FLIGHT,
        target: TARGET,
        ...Object.fromEntries(
          Object.entries(results).map(([w, r]) => [w, { libraryCpuMs: +r.library.toFixed(3), floorCpuMs: +r.floor.toFixed(3), ratio: +r.ratio.toFixed(3) }]),
        ),
      }) + '\n',
    )
    if (Object.values(results).some((r) => r.ratio > TARGET)) process.exitCode = 1
  } finally {
    bouncer?.stop()
    cluster.stop()
  }
}

main().catch((e) => {
  process.stderr.write(`error: ${e instanceof Error ? e.stack : String(e)}\n`)
  process.exit(1)
})
