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
import { NOW } from './fixed-time.mjs'

const { libraryUrl, floorUrl, pool } = JSON.parse(process.env.BENCH_WORKER)
const clock = { now: () => new Date(NOW) }
const handle = await openDatabase(libraryUrl, { poolSize: pool })
const closures = createClosureService(handle, { clock })
const floorPool = new pg.Pool({ connectionString: floorUrl, max: pool })

const dayFormat = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Jakarta', year: 'numeric', month: '2-digit', day: '2-digit' })
const DEFAULTS = {
  early_end_mitra_enabled: false,
  early_end_reason_codes: ['customer_abusive', 'customer_left', 'out_of_scope', 'other'],
  early_end_mitra_daily_cap: 3,
  closing_grace_seconds: 300,
}

/**
 * The floor: a hand-written READ COMMITTED transaction writing the same facts as the library's early
 * end, in as few round trips as a person would write it: BEGIN; one statement that locks the session,
 * creates-or-locks its mitra's counter for the day with the day's review, and reads the flags; the
 * rules in JavaScript; one statement that writes the counter, the session's move, its closure and its
 * event; COMMIT. Named prepared statements. The closure insert fires the same rollup trigger.
 *
 * Its BEGIN carries what contract §4 items 9-10 ask of every early end, as the library's does, in the
 * same round trip: the transaction's own timeouts (no stopped process holds a lock without bound) and
 * `lock table app_config in share mode` (no early end that read the old flags commits after a flag
 * change). BENCH_FLOOR_BARE=1 measures a floor without them: faster, and without the kill switch.
 */
const BEGIN =
  process.env.BENCH_FLOOR_BARE === '1'
    ? 'begin'
    : 'begin; set local lock_timeout = 5000; set local statement_timeout = 30000; set local idle_in_transaction_session_timeout = 3000; lock table app_config in share mode'
const FACTS = {
  name: 'floor_facts',
  text: `with s as (select id, mitra_id, status from sessions where id = $1 for update),
    claimed as (
      insert into mitra_daily_counts as m (mitra_id, business_day, early_end_count)
      select s.mitra_id, $2::varchar, 0 from s
      on conflict (mitra_id, business_day) do update set early_end_count = m.early_end_count
      returning m.early_end_count,
        (select r.id from cc_reviews r where r.mitra_id = m.mitra_id and r.business_day = m.business_day and r."trigger" = 'daily_cap_reached') as review_id
    )
    select s.mitra_id, s.status, c.early_end_count, c.review_id,
      (select coalesce(json_agg(json_build_array(a.key, a.value)), '[]') from app_config a) as flags
    from (select 1) one left join s on true left join claimed c on true`,
}
const WRITE = {
  name: 'floor_write',
  text: `with counted as (
      update mitra_daily_counts set early_end_count = $1::int where mitra_id = $2::varchar and business_day = $3::varchar
    ),
    moved as (
      update sessions set status = 'closing', grace_ends_at = $4::timestamptz where id = $5::int and status in ('active', 'extending') returning id
    ),
    closure as (
      insert into session_closures (session_id, mitra_id, kind, initiated_by, actor_id, reason, reason_note, business_day, over_cap, review_id, idempotency_key, created_at, grace_ends_at, finalized_at)
      select moved.id, $2::varchar, 'early_end', 'mitra', $2::varchar, $6::varchar, null, $3::varchar, false, $7::int, null, $8::timestamptz, $4::timestamptz, null from moved
      returning id
    ),
    event as (
      insert into session_events (session_id, event, from_status, to_status, actor_type, actor_id, created_at)
      select moved.id, 'early_end', $9::varchar, 'closing', 'mitra', $2::varchar, $8::timestamptz from moved
    )
    select (select id from closure) as closure_id`,
}

async function floorEnd(id, actorId, reason) {
  const c = await floorPool.connect()
  try {
    await c.query(BEGIN)
    const now = clock.now()
    const day = dayFormat.format(now)
    const f = (await c.query({ ...FACTS, values: [id, day] })).rows[0]
    const flags = { ...DEFAULTS }
    for (const [key, value] of typeof f.flags === 'string' ? JSON.parse(f.flags) : f.flags) flags[key] = JSON.parse(value)
    if (flags.early_end_mitra_enabled !== true) throw new Error('EARLY_END_DISABLED')
    if (f.mitra_id === null) throw new Error('SESSION_NOT_FOUND')
    if (f.mitra_id !== actorId) throw new Error('FORBIDDEN')
    if (f.status !== 'active' && f.status !== 'extending') throw new Error('INVALID_STATE')
    if (!flags.early_end_reason_codes.includes(reason)) throw new Error('INVALID_INPUT')
    if (f.early_end_count + 1 > flags.early_end_mitra_daily_cap) throw new Error('DAILY_CAP_REACHED')
    const at = now.toISOString()
    const grace = new Date(now.getTime() + flags.closing_grace_seconds * 1000).toISOString()
    const w = await c.query({ ...WRITE, values: [f.early_end_count + 1, actorId, day, grace, id, reason, f.review_id ?? null, at, f.status] })
    if (w.rows[0].closure_id === null) throw new Error('INVALID_STATE')
    await c.query('commit')
  } catch (e) {
    await c.query('rollback').catch(() => {})
    throw e
  } finally {
    c.release()
  }
}

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
