/**
 * What the PostgreSQL early-end benches share: a fresh migrated database with the flags of a run
 * (mitra early end on, a cap no mitra reaches), and active sessions opened in one statement.
 */
import pg from 'pg'
import { createConfigStore, migrateToLatest, openDatabase } from '../../dist/src/index.js'

/** `url` with its database replaced by `name`. */
export function withDatabase(url, name) {
  return Object.assign(new URL(url), { pathname: `/${name}` }).toString()
}

/**
 * Drops and creates `name` on the server of `adminUrl`, migrates it and sets the run's flags; the handle
 * stays open (with `preparedStatements`, naming its statements: a direct connection's setting).
 */
export async function freshDatabase(adminUrl, name, { poolSize, clock, preparedStatements = false }) {
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  await admin.query(`drop database if exists ${name} with (force)`)
  await admin.query(`create database ${name}`)
  await admin.end()
  const url = withDatabase(adminUrl, name)
  const handle = await openDatabase(url, { poolSize, preparedStatements })
  await migrateToLatest(handle)
  const config = createConfigStore(handle, { clock })
  await config.set('early_end_mitra_enabled', true, { actor: 'bench' })
  await config.set('early_end_mitra_daily_cap', 1_000_000, { actor: 'bench' })
  return { handle, url }
}

/** Opens `n` active sessions, `mitras` mitras in turn, in one statement (not timed); returns [id, mitra] pairs. */
export async function openSessions(pool, n, { mitras, started = '2026-11-24T02:00:00.000Z', ends = '2026-11-24T05:00:00.000Z' }) {
  const mitraIds = Array.from({ length: n }, (_, i) => `m-${i % mitras}`)
  const customers = Array.from({ length: n }, (_, i) => `c-${i}`)
  const { rows } = await pool.query(
    `insert into sessions (customer_id, mitra_id, status, started_at, ends_at)
     select c, m, 'active', $3, $4 from unnest($1::text[], $2::text[]) as t(c, m)
     returning id, mitra_id`,
    [customers, mitraIds, started, ends],
  )
  return rows.map((r) => [Number(r.id), r.mitra_id])
}

/** Throws unless the early ends on `pool`'s database wrote every fact: one closure, closing session, count, early_end event and rollup count each. */
export async function checkEveryFactWritten(name, pool) {
  const one = async (sql) => Number((await pool.query(sql)).rows[0].n)
  const c = await one('select count(*) as n from session_closures')
  const s = await one(`select count(*) as n from sessions where status = 'closing'`)
  const k = await one('select sum(early_end_count) as n from mitra_daily_counts')
  const e = await one(`select count(*) as n from session_events where event = 'early_end'`)
  const r = await one('select sum(closure_count) as n from closure_daily_counts')
  if (c !== s || c !== k || c !== e || c !== r) throw new Error(`${name}: closures ${c}, closing ${s}, counted ${k}, events ${e}, rollup ${r} disagree`)
}
