/**
 * One of the OS processes of bench/early-end-latency-postgres.mjs: a backend server's worth of early
 * ends. It holds the library (`openDatabase`, a pool of BENCH_POOL connections) on one database and
 * a `pg.Pool` of the same size on the other, and on each `run` message ends the sessions it is given
 * on one side, `callers` at a time, timing each call from before it is made to its result. Replies
 * with the latencies (ms) and the CPU time the process used meanwhile. Started with `fork`;
 * `{ op: 'exit' }` closes both.
 */
import pg from 'pg'
import { createClosureService, openDatabase, UserType } from '../../dist/src/index.js'
import { floorEarlyEnd } from './early-end-floor.mjs'
import { NOW } from './fixed-time.mjs'

const { libraryUrl, floorUrl, pool } = JSON.parse(process.env.BENCH_WORKER)
const clock = { now: () => new Date(NOW) }
/** BENCH_PREPARED=1: both sides name their statements (the library's `?prepared_statements=true`). */
const named = process.env.BENCH_PREPARED === '1'
const handle = await openDatabase(named ? `${libraryUrl}?prepared_statements=true` : libraryUrl, { poolSize: pool })
const closures = createClosureService(handle, { clock })
const floorPool = new pg.Pool({ connectionString: floorUrl, max: pool })

/**
 * The floor (bench/support/early-end-floor.mjs): a hand-written transaction writing the same facts in
 * the same 4 round trips, the same bounds and flags lock, its statements named only when the library's
 * are (BENCH_FLOOR_BARE=1 leaves out the bounds and lock).
 */
const floorEnd = floorEarlyEnd(floorPool, { now: clock.now, named, bare: process.env.BENCH_FLOOR_BARE === '1' })

async function libraryEnd(id, actorId, reason) {
  const r = await closures.initiateEarlyEnd(id, UserType.MITRA, { actorId, reason })
  if (r.closure === null) throw new Error('no closure written')
}

/** Ends `sessions` ([id, mitra] pairs) with `callers` concurrent callers; the latency of each call, in ms. */
async function run(side, sessions, callers) {
  const end = side === 'library' ? libraryEnd : floorEnd
  const latencies = []
  let next = 0
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < sessions.length) {
        const [id, mitra] = sessions[next++]
        const t0 = performance.now()
        await end(id, mitra, 'customer_left')
        latencies.push(performance.now() - t0)
      }
    }),
  )
  return latencies
}

process.on('message', (msg) => {
  if (msg.op === 'exit') {
    void Promise.all([handle.close(), floorPool.end()]).then(() => process.exit(0))
    return
  }
  const cpu = process.cpuUsage()
  run(msg.side, msg.sessions, msg.callers).then(
    (latencies) => {
      const used = process.cpuUsage(cpu)
      process.send({ latencies, cpuMs: (used.user + used.system) / 1000 })
    },
    (e) => process.send({ error: e instanceof Error ? e.stack : String(e) }),
  )
})
process.send({ ready: true })
