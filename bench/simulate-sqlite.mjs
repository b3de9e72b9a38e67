/**
 * `simulate` throughput on a SQLite file (attempts per second of the whole
 * simulated workload: session opens, early-end attempts, sweeps), as a ratio
 * to a hand-written better-sqlite3 floor that replays the very same workload
 * (the simulator's own plan) with one transaction per open, per attempt and
 * per sweep batch, doing the same checks and writes. Both start from
 * identical fresh files; the bench checks they end with the same rows.
 * Rounds alternate who goes first; the ratio is the median. Target: >= 1.0.
 *
 *   npm run bench                              (everything)
 *   node bench/run-all.js simulate-sqlite      (this one, after npm run build)
 *   BENCH_ROUNDS=5 BENCH_DAYS=5 BENCH_SESSIONS=1000 node bench/run-all.js simulate-sqlite
 */
import Database from 'better-sqlite3'
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createConfigStore, fixedClock, migrateToLatest, openDatabase, simulate } from '../dist/src/index.js'
import { planWorkload } from '../dist/src/simulate/simulator.js'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const DAYS = Number(process.env.BENCH_DAYS ?? 4)
const PER_DAY = Number(process.env.BENCH_SESSIONS ?? 1000)
const TARGET = 1.0
const BATCH = Number(process.env.BENCH_BATCH ?? 500)
const OPTIONS = {
  batch: BATCH,
  days: DAYS,
  sessions: PER_DAY,
  mitras: 100,
  customers: 2000,
  seed: 'bench',
  endDay: '2026-11-24',
  mitraRate: 0.5,
  customerRate: 0.2,
}
const TZ = 'Asia/Jakarta'

const dir = mkdtempSync(join(tmpdir(), 'halo-bench-sim-'))
process.on('exit', () => rmSync(dir, { recursive: true, force: true }))

/** A migrated template file with the run's flags: both early ends on, cap 3, block. */
async function template() {
  const file = join(dir, 'template.db')
  const h = await openDatabase(file)
  await migrateToLatest(h)
  const config = createConfigStore(h, { clock: fixedClock('2026-11-01T00:00:00Z') })
  await config.set('early_end_mitra_enabled', true, { actor: 'bench' })
  await config.set('early_end_customer_enabled', true, { actor: 'bench' })
  await h.close()
  return file
}

function copyOf(tpl, name) {
  const file = join(dir, name)
  copyFileSync(tpl, file)
  return file
}

async function libraryRun(file) {
  const h = await openDatabase(file)
  const t0 = performance.now()
  const s = await simulate(h, OPTIONS)
  const ms = performance.now() - t0
  await h.close()
  if (s.error) throw new Error(`simulate failed: ${s.error.message}`)
  return { ms, attempts: s.attempts, refused: s.refused, succeeded: s.succeeded }
}

/** The floor: prepared statements, one transaction per open, per attempt and per sweep batch. */
function floorRun(file) {
  const raw = new Database(file)
  raw.pragma('journal_mode = WAL')
  raw.pragma('synchronous = NORMAL')
  raw.pragma('foreign_keys = ON')
  const dayFormat = new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' })
  const q = {
    begin: raw.prepare('begin immediate'),
    commit: raw.prepare('commit'),
    rollback: raw.prepare('rollback'),
    openSession: raw.prepare(
      `insert into sessions (customer_id, mitra_id, status, started_at, ends_at, grace_ends_at, closed_at) values (?, ?, 'active', ?, ?, null, null) returning id`,
    ),
    session: raw.prepare('select * from sessions where id = ?'),
    flags: raw.prepare('select key, value from app_config'),
    counterInsert: raw.prepare(
      'insert into mitra_daily_counts (mitra_id, business_day, early_end_count) values (?, ?, 0) on conflict (mitra_id, business_day) do nothing',
    ),
    counter: raw.prepare('select early_end_count from mitra_daily_counts where mitra_id = ? and business_day = ?'),
    review: raw.prepare(`select id from cc_reviews where mitra_id = ? and business_day = ? and "trigger" = 'daily_cap_reached'`),
    reviewInsert: raw.prepare(
      `insert into cc_reviews (mitra_id, business_day, "trigger", status, opened_at) values (?, ?, 'daily_cap_reached', 'open', ?) returning id`,
    ),
    counterSet: raw.prepare('update mitra_daily_counts set early_end_count = ? where mitra_id = ? and business_day = ?'),
    close: raw.prepare(`update sessions set status = 'closing', grace_ends_at = ? where id = ? and status in ('active', 'extending')`),
    closure: raw.prepare(
      `insert into session_closures (session_id, mitra_id, kind, initiated_by, actor_id, reason, reason_note, business_day, over_cap, review_id, idempotency_key, created_at, grace_ends_at, finalized_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, null, ?, ?, null)`,
    ),
    event: raw.prepare(`insert into session_events (session_id, event, from_status, to_status, actor_type, actor_id, created_at) values (?, ?, ?, ?, ?, ?, ?)`),
    dueExpiry: raw.prepare(`select id, mitra_id, status from sessions where status in ('active', 'extending') and ends_at <= ? order by ends_at limit 500`),
    dueFinal: raw.prepare(`select id from sessions where status = 'closing' and grace_ends_at <= ? order by grace_ends_at limit 500`),
    closed: raw.prepare(`update sessions set status = 'closed', closed_at = ? where id = ? and status = 'closing'`),
    finalized: raw.prepare('update session_closures set finalized_at = ? where session_id = ?'),
  }
  const DEFAULTS = {
    early_end_mitra_enabled: false,
    early_end_customer_enabled: false,
    early_end_reason_required: true,
    early_end_reason_codes: ['customer_abusive', 'customer_left', 'out_of_scope', 'other'],
    early_end_mitra_daily_cap: 3,
    early_end_mitra_over_cap_action: 'block',
    closing_grace_seconds: 300,
    business_timezone: TZ,
  }
  const loadFlags = () => {
    const f = { ...DEFAULTS }
    for (const r of q.flags.all()) f[r.key] = JSON.parse(r.value)
    return f
  }
  const tx = (fn) => {
    q.begin.run()
    try {
      const r = fn()
      q.commit.run()
      return r
    } catch (e) {
      if (raw.inTransaction) q.rollback.run()
      throw e
    }
  }

  function open(s, now) {
    return tx(() => {
      const at = new Date(now).toISOString()
      const id = q.openSession.get(s.customerId, s.mitraId, at, new Date(now + s.minutes * 60_000).toISOString()).id
      q.event.run(id, 'opened', null, 'active', 'system', null, at)
      return id
    })
  }

  function attempt(id, s, now) {
    const side = s.endBy
    const actorId = side === 'mitra' ? s.mitraId : s.customerId
    const reason = side === 'mitra' ? s.reason : null
    const note = side === 'mitra' && reason === 'other' ? 'simulated' : null
    return tx(() => {
      const row = q.session.get(id)
      const flags = loadFlags()
      if (!(side === 'mitra' ? flags.early_end_mitra_enabled : flags.early_end_customer_enabled)) throw code('EARLY_END_DISABLED')
      if (row === undefined) throw code('SESSION_NOT_FOUND')
      if ((side === 'mitra' ? row.mitra_id : row.customer_id) !== actorId) throw code('FORBIDDEN')
      if (row.status !== 'active' && row.status !== 'extending') throw code('INVALID_STATE')
      if (side === 'mitra') {
        if (reason === null && flags.early_end_reason_required) throw code('REASON_REQUIRED')
        if (reason !== null && !flags.early_end_reason_codes.includes(reason)) throw code('INVALID_INPUT')
        if (reason === 'other' && !note) throw code('INVALID_INPUT')
      }
      const day = dayFormat.format(new Date(now))
      const at = new Date(now).toISOString()
      const grace = new Date(now + flags.closing_grace_seconds * 1000).toISOString()
      let overCap = 0
      let reviewId = null
      let opened = false
      if (side === 'mitra') {
        q.counterInsert.run(actorId, day)
        const count = q.counter.get(actorId, day).early_end_count
        const review = q.review.get(actorId, day)
        const after = count + 1
        const limit = flags.early_end_mitra_daily_cap
        if (after > limit && flags.early_end_mitra_over_cap_action === 'block') throw code('DAILY_CAP_REACHED')
        overCap = after > limit ? 1 : 0
        if (after >= limit) {
          if (review === undefined) {
            reviewId = q.reviewInsert.get(actorId, day, at).id
            opened = true
          } else reviewId = review.id
        }
        q.counterSet.run(after, actorId, day)
      }
      if (q.close.run(grace, id).changes !== 1) throw code('INVALID_STATE')
      q.closure.run(id, row.mitra_id, 'early_end', side, actorId, reason, note, day, overCap, reviewId, at, grace)
      q.event.run(id, 'early_end', row.status, 'closing', side, actorId, at)
      return opened
    })
  }

  function sweep(now) {
    const at = new Date(now).toISOString()
    for (;;) {
      const n = tx(() => {
        const due = q.dueExpiry.all(at)
        if (due.length === 0) return 0
        const flags = loadFlags()
        const day = dayFormat.format(new Date(now))
        const grace = new Date(now + flags.closing_grace_seconds * 1000).toISOString()
        for (const d of due) {
          q.close.run(grace, d.id)
          q.closure.run(d.id, d.mitra_id, 'expired', 'system', null, null, null, day, 0, null, at, grace)
          q.event.run(d.id, 'expired', d.status, 'closing', 'system', null, at)
        }
        return due.length
      })
      if (n < 500) break
    }
    for (;;) {
      const n = tx(() => {
        const due = q.dueFinal.all(at)
        for (const d of due) {
          q.closed.run(at, d.id)
          q.finalized.run(at, d.id)
          q.event.run(d.id, 'finalized', 'closing', 'closed', 'system', null, at)
        }
        return due.length
      })
      if (n < 500) break
    }
  }

  const flags = loadFlags()
  const workload = planWorkload(
    {
      seed: OPTIONS.seed,
      days: DAYS,
      endDay: OPTIONS.endDay,
      perDay: PER_DAY,
      mitras: OPTIONS.mitras,
      customers: OPTIONS.customers,
      mitraRate: OPTIONS.mitraRate,
      customerRate: OPTIONS.customerRate,
      reasons: flags.early_end_reason_codes,
    },
    flags.business_timezone,
  )
  const refused = {}
  let attempts = 0
  let succeeded = 0
  const t0 = performance.now()
  for (const { plan, events } of workload) {
    const ids = []
    for (const ev of events) {
      if (ev.kind === 'sweep') sweep(ev.at)
      else if (ev.kind === 'open') ids[ev.i] = open(plan[ev.i], ev.at)
      else {
        attempts++
        try {
          attempt(ids[ev.i], plan[ev.i], ev.at)
          succeeded++
        } catch (e) {
          if (e.haloCode === undefined) throw e
          refused[e.haloCode] = (refused[e.haloCode] ?? 0) + 1
        }
      }
    }
  }
  const ms = performance.now() - t0
  raw.close()
  return { ms, attempts, refused, succeeded }
}

function code(c) {
  return Object.assign(new Error(c), { haloCode: c })
}

/** Table contents both sides must agree on (ids and times included). */
function fingerprint(file) {
  const raw = new Database(file, { readonly: true })
  const out = {}
  for (const [name, sql] of Object.entries({
    sessions: 'select id, customer_id, mitra_id, status, started_at, ends_at, grace_ends_at, closed_at from sessions order by id',
    closures:
      'select session_id, kind, initiated_by, actor_id, reason, reason_note, business_day, over_cap, review_id, created_at, grace_ends_at, finalized_at from session_closures order by session_id',
    reviews: 'select id, mitra_id, business_day, status, opened_at from cc_reviews order by id',
    counts: 'select * from mitra_daily_counts order by mitra_id, business_day',
    events: 'select count(*) as n from session_events',
  }))
    out[name] = JSON.stringify(raw.prepare(sql).all())
  raw.close()
  return out
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

async function main() {
  const tpl = await template()
  const ratios = []
  const libRates = []
  const floorRates = []
  for (let round = 0; round < ROUNDS; round++) {
    const libFile = copyOf(tpl, `lib-${round}.db`)
    const floorFile = copyOf(tpl, `floor-${round}.db`)
    let l, f
    if (round % 2 === 0) {
      l = await libraryRun(libFile)
      f = floorRun(floorFile)
    } else {
      f = floorRun(floorFile)
      l = await libraryRun(libFile)
    }
    if (round === 0) {
      if (JSON.stringify(l.refused) !== JSON.stringify(Object.fromEntries(Object.entries(f.refused).sort())))
        throw new Error(`refusals differ: library ${JSON.stringify(l.refused)}, floor ${JSON.stringify(f.refused)}`)
      const a = fingerprint(libFile)
      const b = fingerprint(floorFile)
      for (const k of Object.keys(a)) if (a[k] !== b[k]) throw new Error(`library and floor wrote different ${k}`)
    }
    const lr = (l.attempts * 1000) / l.ms
    const fr = (f.attempts * 1000) / f.ms
    libRates.push(lr)
    floorRates.push(fr)
    ratios.push(lr / fr)
    process.stdout.write(
      `round ${round + 1}/${ROUNDS}: simulate ${lr.toFixed(0)} attempts/s, floor ${fr.toFixed(0)} attempts/s, ratio ${(lr / fr).toFixed(3)} (${l.attempts} attempts, ${DAYS * PER_DAY} sessions)\n`,
    )
  }
  const ratio = median(ratios)
  process.stdout.write(
    [
      `simulate on SQLite (batch path, ${BATCH} events per transaction) vs a per-transaction hand-written floor, ${ROUNDS} rounds, medians:`,
      `  simulate ${median(libRates).toFixed(0)} attempts/s`,
      `  floor    ${median(floorRates).toFixed(0)} attempts/s`,
      `  ratio    ${ratio.toFixed(3)} (target >= ${TARGET}): ${ratio >= TARGET ? 'ok' : 'BELOW TARGET'}`,
      '',
    ].join('\n'),
  )
  process.stdout.write(
    JSON.stringify({
      bench: 'simulate-sqlite',
      rounds: ROUNDS,
      days: DAYS,
      sessionsPerDay: PER_DAY,
      simulateAttemptsPerSec: Math.round(median(libRates)),
      floorAttemptsPerSec: Math.round(median(floorRates)),
      ratio: Number(ratio.toFixed(3)),
      target: TARGET,
    }) + '\n',
  )
}

main().catch((e) => {
  process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`)
  process.exit(1)
})
