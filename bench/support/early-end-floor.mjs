/**
 * The floor of the PostgreSQL early-end benches: a hand-written READ COMMITTED transaction writing the
 * same facts as the library's `initiateEarlyEnd`, in as few round trips as a person would write it, and
 * the same as the library's: BEGIN with the transaction's bounds and the flags lock; one statement that
 * locks the session, creates-or-locks its mitra's counter for the day with the day's review, and reads
 * the flags; the rules in JavaScript; one statement that writes the counter, the session's move, its
 * closure and its event; COMMIT. The closure insert fires the same rollup trigger as the library's.
 *
 * Its BEGIN carries what contract §4 items 9-10 ask of every early end, as the library's does, in the
 * same round trip: the transaction's own timeouts (no stopped process holds a lock without bound) and
 * `lock table app_config in share mode` (no early end that read the old flags commits after a flag
 * change). `bare: true` measures a floor without them: faster, and without the kill switch.
 *
 * `named: true` names its two statements (prepared once per connection); the default sends them
 * unnamed, as the library does by default (a name prepared through PgBouncer in transaction mode is
 * missing on the next server connection). Compare the library with `preparedStatements` to a named floor.
 */
const dayFormat = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Jakarta', year: 'numeric', month: '2-digit', day: '2-digit' })
const DEFAULTS = {
  early_end_mitra_enabled: false,
  early_end_reason_codes: ['customer_abusive', 'customer_left', 'out_of_scope', 'other'],
  early_end_mitra_daily_cap: 3,
  closing_grace_seconds: 300,
}
const BOUNDED_BEGIN =
  'begin; set local lock_timeout = 5000; set local statement_timeout = 30000; set local idle_in_transaction_session_timeout = 3000; lock table app_config in share mode'
const FACTS = `with s as (select id, mitra_id, status from sessions where id = $1 for update),
    claimed as (
      insert into mitra_daily_counts as m (mitra_id, business_day, early_end_count)
      select s.mitra_id, $2::varchar, 0 from s
      on conflict (mitra_id, business_day) do update set early_end_count = m.early_end_count
      returning m.early_end_count,
        (select r.id from cc_reviews r where r.mitra_id = m.mitra_id and r.business_day = m.business_day and r."trigger" = 'daily_cap_reached') as review_id
    )
    select s.mitra_id, s.status, c.early_end_count, c.review_id,
      (select coalesce(json_agg(json_build_array(a.key, a.value)), '[]') from app_config a) as flags
    from (select 1) one left join s on true left join claimed c on true`
const WRITE = `with counted as (
      update mitra_daily_counts set early_end_count = $1::int where mitra_id = $2::varchar and business_day = $3::varchar
    ),
    moved as (
      update sessions set status = 'closing', grace_ends_at = $4::timestamptz where id = $5::bigint and status in ('active', 'extending') returning id
    ),
    closure as (
      insert into session_closures (session_id, mitra_id, kind, initiated_by, actor_id, reason, reason_note, business_day, over_cap, review_id, idempotency_key, created_at, grace_ends_at, finalized_at)
      select moved.id, $2::varchar, 'early_end', 'mitra', $2::varchar, $6::varchar, null, $3::varchar, false, $7::bigint, null, $8::timestamptz, $4::timestamptz, null from moved
      returning id
    ),
    event as (
      insert into session_events (session_id, event, from_status, to_status, actor_type, actor_id, created_at)
      select moved.id, 'early_end', $9::varchar, 'closing', 'mitra', $2::varchar, $8::timestamptz from moved
    )
    select (select id from closure) as closure_id`

/** An early end function over `pool` (a `pg.Pool`), the clock fixed by `now()`. */
export function floorEarlyEnd(pool, { now, named = false, bare = false }) {
  const begin = bare ? 'begin' : BOUNDED_BEGIN
  const facts = named ? { name: 'floor_facts', text: FACTS } : { text: FACTS }
  const write = named ? { name: 'floor_write', text: WRITE } : { text: WRITE }
  return async function floorEnd(id, actorId, reason) {
    const c = await pool.connect()
    try {
      await c.query(begin)
      const at = now()
      const day = dayFormat.format(at)
      const f = (await c.query({ ...facts, values: [id, day] })).rows[0]
      const flags = { ...DEFAULTS }
      for (const [key, value] of typeof f.flags === 'string' ? JSON.parse(f.flags) : f.flags) flags[key] = JSON.parse(value)
      if (flags.early_end_mitra_enabled !== true) throw new Error('EARLY_END_DISABLED')
      if (f.mitra_id === null) throw new Error('SESSION_NOT_FOUND')
      if (f.mitra_id !== actorId) throw new Error('FORBIDDEN')
      if (f.status !== 'active' && f.status !== 'extending') throw new Error('INVALID_STATE')
      if (!flags.early_end_reason_codes.includes(reason)) throw new Error('INVALID_INPUT')
      if (f.early_end_count + 1 > flags.early_end_mitra_daily_cap) throw new Error('DAILY_CAP_REACHED')
      const grace = new Date(at.getTime() + flags.closing_grace_seconds * 1000).toISOString()
      const values = [f.early_end_count + 1, actorId, day, grace, id, reason, f.review_id ?? null, at.toISOString(), f.status]
      const w = await c.query({ ...write, values })
      if (w.rows[0].closure_id === null) throw new Error('INVALID_STATE')
      await c.query('commit')
      return w.rows[0].closure_id
    } catch (e) {
      await c.query('rollback').catch(() => {})
      throw e
    } finally {
      c.release()
    }
  }
}
