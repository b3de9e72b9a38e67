/**
 * Sequential `initiateEarlyEnd` throughput on a SQLite file, as ratios to two
 * hand-written better-sqlite3 transactions (the floors), rounds interleaved,
 * medians compared:
 * - `same schema`: the same checks and writes on a file of the library's own
 *   schema: what the library's code costs. Target >= 0.9.
 * - `minimum`: the same facts (the session's status, the closure, the cap
 *   counter, one audit event) on the least schema that holds them: primary
 *   keys and the one-closure-per-session key, no other index, no rollup
 *   trigger: what the library's code and its schema cost. Target >= 0.5.
 *
 *   npm run bench                                  (everything)
 *   node bench/run-all.js early-end-sqlite         (this one)
 *   BENCH_ROUNDS=9 BENCH_OPS=3000 node bench/run-all.js early-end-sqlite
 */
import Database from 'better-sqlite3'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClosureService, createConfigStore, migrateToLatest, openDatabase, UserType, type HaloDatabase } from '../src/index.js'
import { NOW as FIXED_NOW } from './support/fixed-time.mjs'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7)
const OPS = Number(process.env.BENCH_OPS ?? 2000)
const MITRAS = 50
const TARGET = 0.9
const MINIMUM_TARGET = 0.5
const NOW = new Date(FIXED_NOW)
const clock = { now: () => NOW }

const dir = mkdtempSync(join(tmpdir(), 'halo-bench-'))
process.on('exit', () => rmSync(dir, { recursive: true, force: true }))

/** A migrated file with the flags of the run: mitra early end on, a cap no mitra reaches. */
async function prepare(name: string): Promise<{ handle: HaloDatabase; file: string }> {
  const file = join(dir, name)
  const handle = await openDatabase(file)
  await migrateToLatest(handle)
  const config = createConfigStore(handle, { clock })
  await config.set('early_end_mitra_enabled', true, { actor: 'bench' })
  await config.set('early_end_mitra_daily_cap', 1_000_000, { actor: 'bench' })
  return { handle, file }
}

/** Opens `n` active sessions straight in SQL (not timed); returns [id, mitra] pairs. */
function openSessions(raw: Database.Database, n: number): Array<[number, string]> {
  const insert = raw.prepare(
    `insert into sessions (customer_id, mitra_id, status, started_at, ends_at) values (?, ?, 'active', '2026-11-24T02:00:00.000Z', '2026-11-24T05:00:00.000Z')`,
  )
  const out: Array<[number, string]> = []
  raw.transaction(() => {
    for (let i = 0; i < n; i++) {
      const mitra = `m-${i % MITRAS}`
      out.push([Number(insert.run(`c-${i}`, mitra).lastInsertRowid), mitra])
    }
  })()
  return out
}

/**
 * The floor: one hand-written transaction per early end, statements prepared once. Its closure insert
 * fires the same trigger as the library's (migration 0003 keeps closure_daily_counts, the reports'
 * rollup, in the database), so the floor pays for the rollup upsert too; the check after the rounds
 * shows it.
 */
function makeFloor(raw: Database.Database) {
  const dayFormat = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Jakarta', year: 'numeric', month: '2-digit', day: '2-digit' })
  const q = {
    begin: raw.prepare('begin immediate'),
    commit: raw.prepare('commit'),
    rollback: raw.prepare('rollback'),
    session: raw.prepare('select * from sessions where id = ?'),
    flags: raw.prepare('select key, value from app_config'),
    counterInsert: raw.prepare(
      'insert into mitra_daily_counts (mitra_id, business_day, early_end_count) values (?, ?, 0) on conflict (mitra_id, business_day) do nothing',
    ),
    counter: raw.prepare('select early_end_count from mitra_daily_counts where mitra_id = ? and business_day = ?'),
    review: raw.prepare(`select id from cc_reviews where mitra_id = ? and business_day = ? and "trigger" = 'daily_cap_reached'`),
    counterSet: raw.prepare('update mitra_daily_counts set early_end_count = ? where mitra_id = ? and business_day = ?'),
    close: raw.prepare(`update sessions set status = 'closing', grace_ends_at = ? where id = ? and status in ('active', 'extending')`),
    closure: raw.prepare(
      `insert into session_closures (session_id, mitra_id, kind, initiated_by, actor_id, reason, reason_note, business_day, over_cap, review_id, idempotency_key, created_at, grace_ends_at, finalized_at)
       values (?, ?, 'early_end', 'mitra', ?, ?, null, ?, 0, ?, null, ?, ?, null) returning id`,
    ),
    event: raw.prepare(
      `insert into session_events (session_id, event, from_status, to_status, actor_type, actor_id, created_at) values (?, 'early_end', ?, 'closing', 'mitra', ?, ?)`,
    ),
  }
  return function end(id: number, actorId: string, reason: string): number {
    q.begin.run()
    try {
      const s = q.session.get(id) as { mitra_id: string; status: string } | undefined
      const flags: Record<string, unknown> = {
        early_end_mitra_enabled: false,
        early_end_reason_codes: ['customer_abusive', 'customer_left', 'out_of_scope', 'other'],
        early_end_mitra_daily_cap: 3,
        closing_grace_seconds: 300,
      }
      for (const r of q.flags.all() as Array<{ key: string; value: string }>) flags[r.key] = JSON.parse(r.value)
      if (flags.early_end_mitra_enabled !== true) throw new Error('EARLY_END_DISABLED')
      if (s === undefined) throw new Error('SESSION_NOT_FOUND')
      if (s.mitra_id !== actorId) throw new Error('FORBIDDEN')
      if (s.status !== 'active' && s.status !== 'extending') throw new Error('INVALID_STATE')
      if (!(flags.early_end_reason_codes as string[]).includes(reason)) throw new Error('INVALID_INPUT')
      const day = dayFormat.format(NOW)
      q.counterInsert.run(actorId, day)
      const count = (q.counter.get(actorId, day) as { early_end_count: number }).early_end_count
      const review = q.review.get(actorId, day) as { id: number } | undefined
      if (count + 1 > (flags.early_end_mitra_daily_cap as number)) throw new Error('DAILY_CAP_REACHED')
      q.counterSet.run(count + 1, actorId, day)
      const at = NOW.toISOString()
      const grace = new Date(NOW.getTime() + (flags.closing_grace_seconds as number) * 1000).toISOString()
      if (q.close.run(grace, id).changes !== 1) throw new Error('INVALID_STATE')
      const closureId = (q.closure.get(id, s.mitra_id, actorId, reason, day, review?.id ?? null, at, grace) as { id: number }).id
      q.event.run(id, s.status, actorId, at)
      q.commit.run()
      return closureId
    } catch (e) {
      if (raw.inTransaction) q.rollback.run()
      throw e
    }
  }
}

/** The least schema that holds an early end's facts. */
const MINIMUM_SCHEMA = `
  create table sessions (id integer primary key, customer_id text not null, mitra_id text not null, status text not null,
    started_at text not null, ends_at text not null, grace_ends_at text, closed_at text);
  create table session_closures (id integer primary key, session_id integer not null unique, mitra_id text not null, kind text not null,
    initiated_by text not null, actor_id text, reason text, business_day text not null, created_at text not null, grace_ends_at text not null);
  create table mitra_daily_counts (mitra_id text not null, business_day text not null, early_end_count integer not null,
    primary key (mitra_id, business_day)) without rowid;
  create table session_events (id integer primary key, session_id integer not null, event text not null, from_status text,
    to_status text not null, actor_type text not null, actor_id text, created_at text not null);
  create table app_config (key text primary key, value text not null);
  insert into app_config values ('early_end_mitra_enabled', 'true'), ('early_end_mitra_daily_cap', '1000000');`

/** The minimum floor: one transaction per early end on MINIMUM_SCHEMA, the same facts read and written. */
function makeMinimumFloor(raw: Database.Database) {
  const dayFormat = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Jakarta', year: 'numeric', month: '2-digit', day: '2-digit' })
  const q = {
    begin: raw.prepare('begin immediate'),
    commit: raw.prepare('commit'),
    session: raw.prepare('select mitra_id, status from sessions where id = ?'),
    flags: raw.prepare('select key, value from app_config'),
    counter: raw.prepare(
      `insert into mitra_daily_counts (mitra_id, business_day, early_end_count) values (?, ?, 1)
       on conflict (mitra_id, business_day) do update set early_end_count = early_end_count + 1 returning early_end_count`,
    ),
    close: raw.prepare(`update sessions set status = 'closing', grace_ends_at = ? where id = ?`),
    closure: raw.prepare(
      `insert into session_closures (session_id, mitra_id, kind, initiated_by, actor_id, reason, business_day, created_at, grace_ends_at)
       values (?, ?, 'early_end', 'mitra', ?, ?, ?, ?, ?)`,
    ),
    event: raw.prepare(
      `insert into session_events (session_id, event, from_status, to_status, actor_type, actor_id, created_at) values (?, 'early_end', ?, 'closing', 'mitra', ?, ?)`,
    ),
  }
  return function end(id: number, actorId: string, reason: string): void {
    q.begin.run()
    const s = q.session.get(id) as { mitra_id: string; status: string }
    const flags = Object.fromEntries((q.flags.all() as Array<{ key: string; value: string }>).map((r) => [r.key, JSON.parse(r.value)]))
    if (flags.early_end_mitra_enabled !== true || s.mitra_id !== actorId || s.status !== 'active') throw new Error('refused')
    const day = dayFormat.format(NOW)
    const count = (q.counter.get(actorId, day) as { early_end_count: number }).early_end_count
    if (count > flags.early_end_mitra_daily_cap) throw new Error('DAILY_CAP_REACHED')
    const at = NOW.toISOString()
    const grace = new Date(NOW.getTime() + 300_000).toISOString()
    q.close.run(grace, id)
    q.closure.run(id, s.mitra_id, actorId, reason, day, at, grace)
    q.event.run(id, s.status, actorId, at)
    q.commit.run()
  }
}

/** Ops per second, by the wall clock and by CPU time. */
interface Rate {
  readonly wall: number
  readonly cpu: number
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

async function main(): Promise<void> {
  const lib = await prepare('library.db')
  const closures = createClosureService(lib.handle, { clock })
  const libRaw = new Database(lib.file)
  const flo = await prepare('floor.db')
  await flo.handle.close()
  const floRaw = new Database(flo.file)
  floRaw.pragma('journal_mode = WAL')
  floRaw.pragma('synchronous = NORMAL')
  floRaw.pragma('foreign_keys = ON')
  const floorEnd = makeFloor(floRaw)
  const minRaw = new Database(join(dir, 'minimum.db'))
  minRaw.pragma('journal_mode = WAL')
  minRaw.pragma('synchronous = NORMAL')
  minRaw.exec(MINIMUM_SCHEMA)
  const minimumEnd = makeMinimumFloor(minRaw)

  /** Ops per second of `run` over `n` ops: by the wall clock, and by this process's CPU time (steadier on a shared machine). */
  async function timed(n: number, run: () => Promise<void> | void): Promise<Rate> {
    const t0 = performance.now()
    const c0 = process.cpuUsage()
    await run()
    const cpu = process.cpuUsage(c0)
    return { wall: (n * 1000) / (performance.now() - t0), cpu: (n * 1e6) / (cpu.user + cpu.system) }
  }
  async function libraryRound(n: number): Promise<Rate> {
    const sessions = openSessions(libRaw, n)
    return timed(n, async () => {
      for (const [id, mitra] of sessions) {
        const r = await closures.initiateEarlyEnd(id, UserType.MITRA, { actorId: mitra, reason: 'customer_left' })
        if (r.closure === null) throw new Error('no closure written')
      }
    })
  }
  function floorRound(n: number): Promise<Rate> {
    const sessions = openSessions(floRaw, n)
    return timed(n, () => {
      for (const [id, mitra] of sessions) floorEnd(id, mitra, 'customer_left')
    })
  }
  function minimumRound(n: number): Promise<Rate> {
    const sessions = openSessions(minRaw, n)
    return timed(n, () => {
      for (const [id, mitra] of sessions) minimumEnd(id, mitra, 'customer_left')
    })
  }

  // warm-up: JIT, statement caches, page cache
  await libraryRound(Math.min(500, OPS))
  await floorRound(Math.min(500, OPS))
  await minimumRound(Math.min(500, OPS))

  const libRates: Rate[] = []
  const floorRates: Rate[] = []
  const minimumRates: Rate[] = []
  for (let round = 0; round < ROUNDS; round++) {
    // rotate who goes first, so drift on a shared machine hits every side alike
    const sides = [
      async () => libRates.push(await libraryRound(OPS)),
      async () => floorRates.push(await floorRound(OPS)),
      async () => minimumRates.push(await minimumRound(OPS)),
    ]
    for (let k = 0; k < sides.length; k++) await sides[(round + k) % sides.length]!()
    const [l, f, m] = [libRates.at(-1)!, floorRates.at(-1)!, minimumRates.at(-1)!]
    process.stdout.write(
      `round ${round + 1}/${ROUNDS}: library ${l.wall.toFixed(0)} ops/s, same-schema floor ${f.wall.toFixed(0)} (${(l.wall / f.wall).toFixed(3)}), minimum floor ${m.wall.toFixed(0)} (${(l.wall / m.wall).toFixed(3)}); by CPU time ${(l.cpu / f.cpu).toFixed(3)}, ${(l.cpu / m.cpu).toFixed(3)}\n`,
    )
  }

  // both sides did every write: one closure and one early_end event per session, counters and the rollup add up
  for (const [name, raw] of [
    ['library', libRaw],
    ['floor', floRaw],
  ] as const) {
    const c = raw.prepare('select count(*) as n from session_closures').get() as { n: number }
    const s = raw.prepare(`select count(*) as n from sessions where status = 'closing'`).get() as { n: number }
    const k = raw.prepare('select sum(early_end_count) as n from mitra_daily_counts').get() as { n: number }
    const e = raw.prepare(`select count(*) as n from session_events where event = 'early_end'`).get() as { n: number }
    const r = raw.prepare('select sum(closure_count) as n from closure_daily_counts').get() as { n: number }
    if (c.n !== s.n || c.n !== k.n || c.n !== e.n || c.n !== r.n)
      throw new Error(`${name}: closures ${c.n}, closing ${s.n}, counted ${k.n}, events ${e.n}, rollup ${r.n} disagree`)
  }

  const ratioOf = (xs: Rate[], ys: Rate[], k: keyof Rate) => median(xs.map((x, i) => x[k] / ys[i]![k]))
  const libOps = median(libRates.map((r) => r.wall))
  const floorOps = median(floorRates.map((r) => r.wall))
  const minimumOps = median(minimumRates.map((r) => r.wall))
  const ratio = ratioOf(libRates, floorRates, 'wall')
  const minimumRatio = ratioOf(libRates, minimumRates, 'wall')
  const cpuRatio = ratioOf(libRates, floorRates, 'cpu')
  const cpuMinimumRatio = ratioOf(libRates, minimumRates, 'cpu')
  process.stdout.write(
    [
      `early end on SQLite, sequential, ${ROUNDS} rounds x ${OPS} ops, ${MITRAS} mitras, medians:`,
      `  library        ${libOps.toFixed(0)} ops/s`,
      `  same schema    ${floorOps.toFixed(0)} ops/s (hand-written transaction, the library's schema)`,
      `  minimum        ${minimumOps.toFixed(0)} ops/s (hand-written transaction, the least schema for the same facts)`,
      `  ratio          ${ratio.toFixed(3)} to the same schema (target >= ${TARGET}): ${ratio >= TARGET ? 'ok' : 'BELOW TARGET'}; by CPU time ${cpuRatio.toFixed(3)}`,
      `  ratio          ${minimumRatio.toFixed(3)} to the minimum (target >= ${MINIMUM_TARGET}): ${minimumRatio >= MINIMUM_TARGET ? 'ok' : 'BELOW TARGET'}; by CPU time ${cpuMinimumRatio.toFixed(3)}`,
      '',
    ].join('\n'),
  )
  process.stdout.write(
    JSON.stringify({
      bench: 'early-end-sqlite',
      rounds: ROUNDS,
      ops: OPS,
      libraryOpsPerSec: Math.round(libOps),
      floorOpsPerSec: Math.round(floorOps),
      ratio: Number(ratio.toFixed(3)),
      target: TARGET,
      minimumOpsPerSec: Math.round(minimumOps),
      minimumRatio: Number(minimumRatio.toFixed(3)),
      cpuRatio: Number(cpuRatio.toFixed(3)),
      cpuMinimumRatio: Number(cpuMinimumRatio.toFixed(3)),
      minimumTarget: MINIMUM_TARGET,
    }) + '\n',
  )
  libRaw.close()
  floRaw.close()
  minRaw.close()
  await lib.handle.close()
}

main().catch((e) => {
  process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`)
  process.exit(1)
})
