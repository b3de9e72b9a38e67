/**
 * `initiateEarlyEnd` throughput on PostgreSQL with 8 concurrent callers over
 * an 8-connection pool, as a ratio to a hand-written `pg` transaction doing
 * the same work (same row locks, checks and writes, same 9 statements, named prepared statements)
 * with 8 concurrent callers on its own 8-connection pool. Both run against one
 * throwaway cluster (bench/support/pg-cluster.mjs) in separate databases of the
 * same schema and flags; rounds interleave the two and the medians give the
 * ratio. Target: >= 0.7.
 *
 *   npm run bench                                   (everything; builds first)
 *   node bench/run-all.js early-end-postgres        (this one; needs a build)
 *   BENCH_ROUNDS=9 BENCH_OPS=4000 node bench/run-all.js early-end-postgres
 *   BENCH_PG_URL=postgres://user:pass@host/postgres ...   (an existing server: creates and drops two databases)
 */
import pg from 'pg'
import { createClosureService, UserType } from '../dist/src/index.js'
import { startCluster } from './support/pg-cluster.mjs'
import { NOW as FIXED_NOW } from './support/fixed-time.mjs'
import { checkEveryFactWritten, freshDatabase, openSessions } from './support/early-end-db.mjs'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7)
const OPS = Number(process.env.BENCH_OPS ?? 2000)
const CALLERS = 8
const POOL = 8
const MITRAS = 50
const TARGET = 0.7
const NOW = new Date(FIXED_NOW)
const clock = { now: () => NOW }

// like for like on a direct connection: the floor names its statements, so the library does too
// (`preparedStatements`; its default, unnamed, is for poolers: bench/early-end-cpu-postgres.mjs measures both)
const prepare = (adminUrl, name) => freshDatabase(adminUrl, name, { poolSize: POOL, clock, preparedStatements: true })

const dayFormat = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Jakarta', year: 'numeric', month: '2-digit', day: '2-digit' })
const q = (name, text) => (values) => ({ name, text, values })
const FLOOR = {
  session: q('f_session', 'select * from sessions where id = $1 for update'),
  flags: q('f_flags', 'select key, value from app_config'),
  // create-or-lock the counter row and read the day's review in one statement, as the library does
  counter: q(
    'f_counter',
    `insert into mitra_daily_counts (mitra_id, business_day, early_end_count) values ($1, $2, 0)
     on conflict (mitra_id, business_day) do update set early_end_count = mitra_daily_counts.early_end_count
     returning early_end_count,
       (select id from cc_reviews r where r.mitra_id = mitra_daily_counts.mitra_id and r.business_day = mitra_daily_counts.business_day and r."trigger" = 'daily_cap_reached') as review_id`,
  ),
  counterSet: q('f_counter_set', 'update mitra_daily_counts set early_end_count = $1 where mitra_id = $2 and business_day = $3'),
  close: q('f_close', `update sessions set status = 'closing', grace_ends_at = $1 where id = $2 and status in ('active', 'extending')`),
  closure: q(
    'f_closure',
    `insert into session_closures (session_id, mitra_id, kind, initiated_by, actor_id, reason, reason_note, business_day, over_cap, review_id, idempotency_key, created_at, grace_ends_at, finalized_at)
     values ($1, $2, 'early_end', 'mitra', $3, $4, null, $5, false, $6, null, $7, $8, null) returning id`,
  ),
  event: q(
    'f_event',
    `insert into session_events (session_id, event, from_status, to_status, actor_type, actor_id, created_at) values ($1, 'early_end', $2, 'closing', 'mitra', $3, $4)`,
  ),
}

/**
 * The floor: one hand-written READ COMMITTED transaction per early end, the same locks, checks and writes as the library.
 * Its closure insert fires the same trigger as the library's (migration 0003 keeps closure_daily_counts, the reports'
 * rollup, in the database), so it pays for the rollup upsert and its row lock too; the check after the rounds shows it.
 */
async function floorEnd(pool, id, actorId, reason) {
  const c = await pool.connect()
  try {
    await c.query('begin')
    const s = (await c.query(FLOOR.session([id]))).rows[0]
    const flags = {
      early_end_mitra_enabled: false,
      early_end_reason_codes: ['customer_abusive', 'customer_left', 'out_of_scope', 'other'],
      early_end_mitra_daily_cap: 3,
      closing_grace_seconds: 300,
    }
    for (const r of (await c.query(FLOOR.flags([]))).rows) flags[r.key] = JSON.parse(r.value)
    if (flags.early_end_mitra_enabled !== true) throw new Error('EARLY_END_DISABLED')
    if (s === undefined) throw new Error('SESSION_NOT_FOUND')
    if (s.mitra_id !== actorId) throw new Error('FORBIDDEN')
    if (s.status !== 'active' && s.status !== 'extending') throw new Error('INVALID_STATE')
    if (!flags.early_end_reason_codes.includes(reason)) throw new Error('INVALID_INPUT')
    const day = dayFormat.format(NOW)
    const { early_end_count: count, review_id: reviewId } = (await c.query(FLOOR.counter([actorId, day]))).rows[0]
    if (count + 1 > flags.early_end_mitra_daily_cap) throw new Error('DAILY_CAP_REACHED')
    await c.query(FLOOR.counterSet([count + 1, actorId, day]))
    const at = NOW.toISOString()
    const grace = new Date(NOW.getTime() + flags.closing_grace_seconds * 1000).toISOString()
    if ((await c.query(FLOOR.close([grace, id]))).rowCount !== 1) throw new Error('INVALID_STATE')
    const closureId = (await c.query(FLOOR.closure([id, s.mitra_id, actorId, reason, day, reviewId ?? null, at, grace]))).rows[0].id
    await c.query(FLOOR.event([id, s.status, actorId, at]))
    await c.query('commit')
    return closureId
  } catch (e) {
    await c.query('rollback').catch(() => {})
    throw e
  } finally {
    c.release()
  }
}

/** Runs `work` over every session with CALLERS concurrent callers; returns ops/s. */
async function concurrently(sessions, work) {
  let next = 0
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: CALLERS }, async () => {
      while (next < sessions.length) {
        const [id, mitra] = sessions[next++]
        await work(id, mitra)
      }
    }),
  )
  return (sessions.length * 1000) / (performance.now() - t0)
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

async function main() {
  let cluster
  let adminUrl = process.env.BENCH_PG_URL
  if (!adminUrl) {
    cluster = await startCluster()
    adminUrl = cluster.url
  }
  try {
    const lib = await prepare(adminUrl, 'halo_bench_library')
    const closures = createClosureService(lib.handle, { clock })
    const libSeed = new pg.Pool({ connectionString: lib.url, max: 2 })
    const flo = await prepare(adminUrl, 'halo_bench_floor')
    await flo.handle.close()
    const floorPool = new pg.Pool({ connectionString: flo.url, max: POOL })

    const libraryRound = async (n) => {
      const sessions = await openSessions(libSeed, n, { mitras: MITRAS })
      return concurrently(sessions, async (id, mitra) => {
        const r = await closures.initiateEarlyEnd(id, UserType.MITRA, { actorId: mitra, reason: 'customer_left' })
        if (r.closure === null) throw new Error('no closure written')
      })
    }
    const floorRound = async (n) => {
      const sessions = await openSessions(floorPool, n, { mitras: MITRAS })
      return concurrently(sessions, (id, mitra) => floorEnd(floorPool, id, mitra, 'customer_left'))
    }

    // warm-up: JIT, connections, prepared statements, caches
    await libraryRound(Math.min(500, OPS))
    await floorRound(Math.min(500, OPS))

    const libRates = []
    const floorRates = []
    const ratios = []
    for (let round = 0; round < ROUNDS; round++) {
      // alternate who goes first, so drift on a shared machine hits both sides alike
      let l, f
      if (round % 2 === 0) {
        l = await libraryRound(OPS)
        f = await floorRound(OPS)
      } else {
        f = await floorRound(OPS)
        l = await libraryRound(OPS)
      }
      libRates.push(l)
      floorRates.push(f)
      ratios.push(l / f)
      process.stdout.write(`round ${round + 1}/${ROUNDS}: library ${l.toFixed(0)} ops/s, floor ${f.toFixed(0)} ops/s, ratio ${(l / f).toFixed(3)}\n`)
    }

    // both sides did every write: one closure and one early_end event per session, counters and the rollup add up
    for (const [name, pool] of [
      ['library', libSeed],
      ['floor', floorPool],
    ]) {
      await checkEveryFactWritten(name, pool)
    }

    const libOps = median(libRates)
    const floorOps = median(floorRates)
    const ratio = median(ratios)
    process.stdout.write(
      [
        `early end on PostgreSQL, ${CALLERS} concurrent callers, pools of ${POOL}, ${ROUNDS} rounds x ${OPS} ops, ${MITRAS} mitras, medians:`,
        `  library ${libOps.toFixed(0)} ops/s`,
        `  floor   ${floorOps.toFixed(0)} ops/s (hand-written pg transaction, prepared statements)`,
        `  ratio   ${ratio.toFixed(3)} (target >= ${TARGET}): ${ratio >= TARGET ? 'ok' : 'BELOW TARGET'}`,
        '',
      ].join('\n'),
    )
    process.stdout.write(
      JSON.stringify({
        bench: 'early-end-postgres',
        rounds: ROUNDS,
        ops: OPS,
        callers: CALLERS,
        libraryOpsPerSec: Math.round(libOps),
        floorOpsPerSec: Math.round(floorOps),
        ratio: Number(ratio.toFixed(3)),
        target: TARGET,
      }) + '\n',
    )
    await libSeed.end()
    await floorPool.end()
    await lib.handle.close()
    if (!cluster) {
      const admin = new pg.Client({ connectionString: adminUrl })
      await admin.connect()
      await admin.query('drop database if exists halo_bench_library with (force)')
      await admin.query('drop database if exists halo_bench_floor with (force)')
      await admin.end()
    }
  } finally {
    cluster?.stop()
  }
}

main().catch((e) => {
  process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`)
  process.exit(1)
})
