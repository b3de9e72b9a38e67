/**
 * What must hold in the stored data after any sequence of library calls,
 * whatever the flags were along the way (contract §2, §4, §8). Read straight
 * from the tables, independent of the model.
 */
import type { HaloDatabase } from '../../src/index.js'

const iso = (t: string | null) => (t === null ? null : new Date(t).toISOString())

/** Every broken invariant, as one line each; empty when all hold. */
export async function dataInvariantViolations(handle: HaloDatabase): Promise<string[]> {
  const db = handle.db
  const sessions = await db.selectFrom('sessions').selectAll().orderBy('id').execute()
  const closures = await db.selectFrom('session_closures').selectAll().orderBy('id').execute()
  const reviews = await db.selectFrom('cc_reviews').selectAll().orderBy('id').execute()
  const counts = await db.selectFrom('mitra_daily_counts').selectAll().execute()
  const goodbyes = await db.selectFrom('session_goodbyes').selectAll().orderBy('id').execute()
  const events = await db.selectFrom('session_events').selectAll().orderBy('id').execute()

  const out: string[] = []
  const closuresOf = new Map<number, typeof closures>()
  for (const c of closures) closuresOf.set(c.session_id, [...(closuresOf.get(c.session_id) ?? []), c])
  const reviewById = new Map(reviews.map((r) => [r.id, r]))

  for (const s of sessions) {
    const mine = closuresOf.get(s.id) ?? []
    const ending = s.status === 'closing' || s.status === 'closed'
    if (mine.length !== (ending ? 1 : 0)) out.push(`session ${s.id} is ${s.status} with ${mine.length} closures`)
    if (ending !== (s.grace_ends_at !== null)) out.push(`session ${s.id} is ${s.status} with grace_ends_at ${s.grace_ends_at}`)
    if ((s.status === 'closed') !== (s.closed_at !== null)) out.push(`session ${s.id} is ${s.status} with closed_at ${s.closed_at}`)
    const c = mine[0]
    if (c === undefined) continue
    if (c.mitra_id !== s.mitra_id) out.push(`closure ${c.id} names mitra ${c.mitra_id}, its session ${s.mitra_id}`)
    if (iso(c.grace_ends_at) !== iso(s.grace_ends_at)) out.push(`closure ${c.id} grace ${c.grace_ends_at} differs from its session's ${s.grace_ends_at}`)
    if (iso(c.finalized_at) !== iso(s.closed_at)) out.push(`closure ${c.id} finalized_at ${c.finalized_at}, session closed_at ${s.closed_at}`)
    if (Date.parse(c.grace_ends_at) < Date.parse(c.created_at)) out.push(`closure ${c.id} grace window ends before it began`)
  }

  for (const c of closures) {
    if (c.kind === 'expired') {
      if (c.initiated_by !== 'system' || c.actor_id !== null || c.reason !== null || c.review_id !== null || Boolean(c.over_cap)) {
        out.push(`expired closure ${c.id} carries early-end data`)
      }
    } else if (c.initiated_by === 'system' || c.actor_id === null) out.push(`early-end closure ${c.id} has no actor`)
    if (Boolean(c.over_cap) && (c.initiated_by !== 'mitra' || c.review_id === null)) out.push(`over-cap closure ${c.id} is not a mitra's attached to a review`)
    if (c.review_id !== null) {
      const r = reviewById.get(c.review_id)
      if (r === undefined || r.mitra_id !== c.mitra_id || r.business_day !== c.business_day || c.initiated_by !== 'mitra') {
        out.push(`closure ${c.id} is attached to review ${c.review_id} of another mitra, day or initiator`)
      }
    }
  }

  const reviewKeys = new Set<string>()
  for (const r of reviews) {
    const k = `${r.mitra_id}|${r.business_day}|${r.trigger}`
    if (reviewKeys.has(k)) out.push(`second review for ${k}`)
    reviewKeys.add(k)
    if (!closures.some((c) => c.review_id === r.id)) out.push(`review ${r.id} has no early end attached`)
  }

  // the counter is the number of the mitra's early ends that day, nothing else
  const counted = new Map<string, number>()
  for (const c of closures) {
    if (c.kind === 'early_end' && c.initiated_by === 'mitra')
      counted.set(`${c.mitra_id}|${c.business_day}`, (counted.get(`${c.mitra_id}|${c.business_day}`) ?? 0) + 1)
  }
  for (const row of counts) {
    const k = `${row.mitra_id}|${row.business_day}`
    if (Number(row.early_end_count) !== (counted.get(k) ?? 0)) out.push(`counter ${k} is ${row.early_end_count}, closures say ${counted.get(k) ?? 0}`)
    counted.delete(k)
  }
  for (const k of counted.keys()) out.push(`no counter for ${k}`)

  const byId = new Map(sessions.map((s) => [s.id, s]))
  const sides = new Set<string>()
  for (const g of goodbyes) {
    const s = byId.get(g.session_id)
    const c = closuresOf.get(g.session_id)?.[0]
    if (s === undefined || c === undefined) {
      out.push(`goodbye ${g.id} on a session that never closed`)
      continue
    }
    if (sides.has(`${g.session_id}|${g.side}`)) out.push(`second ${g.side} goodbye on session ${g.session_id}`)
    sides.add(`${g.session_id}|${g.side}`)
    const at = Date.parse(g.created_at)
    if (at < Date.parse(c.created_at) || at >= Date.parse(c.grace_ends_at)) out.push(`goodbye ${g.id} outside its closing window`)
    if (g.actor_id !== (g.side === 'mitra' ? s.mitra_id : s.customer_id)) out.push(`goodbye ${g.id} by ${g.actor_id}, not the session's ${g.side}`)
  }

  // each session's event log walks the lifecycle: opened, (goodbyes within) closing, closed, and ends where the row is
  const walk = new Map<number, string>()
  for (const e of events) {
    const from = walk.get(e.session_id) ?? null
    const step = `${e.event}:${from}->${e.to_status}`
    const fine =
      (e.event === 'opened' && from === null && (e.to_status === 'active' || e.to_status === 'extending')) ||
      ((e.event === 'early_end' || e.event === 'expired') && (from === 'active' || from === 'extending') && e.to_status === 'closing') ||
      (e.event === 'goodbye' && from === 'closing' && e.to_status === 'closing') ||
      (e.event === 'finalized' && from === 'closing' && e.to_status === 'closed')
    if (!fine || e.from_status !== from) out.push(`session ${e.session_id} event ${e.id} ${step} (from_status ${e.from_status})`)
    walk.set(e.session_id, e.to_status)
  }
  for (const s of sessions) if (walk.get(s.id) !== s.status) out.push(`session ${s.id} is ${s.status}, its events end at ${walk.get(s.id)}`)
  return out
}
