import { z } from 'zod'
import { HaloError } from '../errors.js'
import { addDays, businessDay } from '../core/business-day.js'
import { fixedClock, systemClock, type Clock } from '../core/clock.js'
import { UserType } from '../core/user-type.js'
import { parseInput } from '../core/validation.js'
import { createClosureService, type ClosureService } from '../closure/closure-service.js'
import { loadFlags } from '../config/config-repository.js'
import type { HaloDatabase } from '../store/database.js'
import { checkDay } from '../report/day-range.js'
import { localInstant } from './local-time.js'
import { seededRandom, type Random } from './prng.js'

/**
 * The workload `simulate` plays; every field has a default.
 *
 * ```ts
 * await simulate(handle, { mitras: 5, sessions: 50, days: 3, seed: 'demo', mitraRate: 0.3 })
 * ```
 */
export interface SimulateOptions {
  /** Synthetic mitras `sim-m-001…` (default 20). Sessions favour low numbers, so a few mitras get busy. */
  readonly mitras?: number
  /** Synthetic customers `sim-c-0001…` (default 10 per mitra). */
  readonly customers?: number
  /** Sessions opened per business day, between 08:00 and 20:00 local time (default 200). */
  readonly sessions?: number
  /** Business days simulated (default 7). */
  readonly days?: number
  /** The last simulated business day (default today in `business_timezone`). */
  readonly endDay?: string
  /** The same seed on the same starting database gives the same summary (default 1). */
  readonly seed?: string | number
  /** Share of sessions whose mitra tries to end them early (default 0.15). */
  readonly mitraRate?: number
  /** Share of sessions whose customer tries to end them early (default 0.05). */
  readonly customerRate?: number
  /**
   * Events (session opens, early-end attempts, sweeps) per database transaction (default 500): each
   * call is a savepoint in it, so refusals roll back alone. 1 gives every call its own transaction.
   */
  readonly batch?: number
  /** Called after each committed batch with sessions opened so far, for a progress bar. */
  readonly onProgress?: (done: number, total: number) => void
}

/**
 * What `simulate` prints at the end (`--json`).
 *
 * ```ts
 * const { attempts, succeeded, refused, reviewsOpened }: SimulationSummary = await simulate(handle, { seed: 7 })
 * ```
 */
export interface SimulationSummary {
  readonly seed: string
  readonly from: string
  readonly to: string
  readonly days: number
  readonly mitras: number
  readonly customers: number
  readonly sessions: number
  /** Early-end attempts, all through `initiateEarlyEnd`. */
  readonly attempts: number
  readonly succeeded: number
  /** Refused attempts by error code, codes sorted. */
  readonly refused: Readonly<Record<string, number>>
  readonly overCap: number
  readonly reviewsOpened: number
  readonly byInitiator: Readonly<Record<'mitra' | 'customer', { attempts: number; succeeded: number }>>
  /** Sessions the sweeps moved to closing at their scheduled end, and closings they finalized. */
  readonly expired: number
  readonly finalized: number
  /** Set when the database failed part-way; the counts say what was done before. */
  readonly error?: { readonly code: string; readonly message: string }
}

const OptionsSchema = z
  .object({
    mitras: z.number().int().min(1).max(100_000).optional(),
    customers: z.number().int().min(1).max(10_000_000).optional(),
    sessions: z.number().int().min(0).max(1_000_000).optional(),
    days: z.number().int().min(1).max(366).optional(),
    endDay: z.string().optional(),
    seed: z.union([z.string().min(1).max(100), z.number()]).optional(),
    mitraRate: z.number().min(0).max(1).optional(),
    customerRate: z.number().min(0).max(1).optional(),
    batch: z.number().int().min(1).max(100_000).optional(),
    onProgress: z.custom<(done: number, total: number) => void>((v) => typeof v === 'function', 'onProgress must be a function').optional(),
  })
  .strict()
  .refine((o) => (o.mitraRate ?? 0.15) + (o.customerRate ?? 0.05) <= 1, 'mitraRate + customerRate must be at most 1')

/** One synthetic session: when it opens, for how long, and who (if anyone) tries to end it early, when. */
export interface PlannedSession {
  readonly start: number
  readonly minutes: number
  readonly mitraId: string
  readonly customerId: string
  readonly endBy: 'mitra' | 'customer' | null
  readonly endAt: number
  readonly reason: string
}

export interface DayEvent {
  readonly at: number
  readonly kind: 'open' | 'end' | 'sweep'
  /** The session's index in the day's plan (-1 for sweeps). */
  readonly i: number
}

interface Tally {
  sessions: number
  overCap: number
  reviewsOpened: number
  expired: number
  finalized: number
  refused: Record<string, number>
  byInitiator: Record<'mitra' | 'customer', { attempts: number; succeeded: number }>
}

function newTally(): Tally {
  return {
    sessions: 0,
    overCap: 0,
    reviewsOpened: 0,
    expired: 0,
    finalized: 0,
    refused: {},
    byInitiator: { mitra: { attempts: 0, succeeded: 0 }, customer: { attempts: 0, succeeded: 0 } },
  }
}

function merge(into: Tally, t: Tally): void {
  for (const k of ['sessions', 'overCap', 'reviewsOpened', 'expired', 'finalized'] as const) into[k] += t[k]
  for (const [code, n] of Object.entries(t.refused)) into.refused[code] = (into.refused[code] ?? 0) + n
  for (const side of ['mitra', 'customer'] as const) {
    into.byInitiator[side].attempts += t.byInitiator[side].attempts
    into.byInitiator[side].succeeded += t.byInitiator[side].succeeded
  }
}

/** Opens, attempts and sweeps (every hour 09:00-23:00 local, and 23:30) of one day, in time order. */
function dayEvents(plan: readonly PlannedSession[], day: string, tz: string): DayEvent[] {
  const events: DayEvent[] = []
  plan.forEach((s, i) => {
    events.push({ at: s.start, i, kind: 'open' })
    if (s.endBy !== null) events.push({ at: s.endAt, i, kind: 'end' })
  })
  for (let h = 9; h <= 23; h++) events.push({ at: localInstant(day, h * 60, tz).getTime(), i: -1, kind: 'sweep' })
  events.push({ at: localInstant(day, 23 * 60 + 30, tz).getTime(), i: -1, kind: 'sweep' })
  const order = { sweep: 0, open: 1, end: 2 }
  return events.sort((a, b) => a.at - b.at || order[a.kind] - order[b.kind] || a.i - b.i)
}

const pad = (n: number, w: number) => String(n).padStart(w, '0')

/**
 * Fills the database with a synthetic workload: sessions over `days` business
 * days, early ends by mitras and customers at the given rates, natural expiry
 * and sweeps. Every attempt goes through the closure service's
 * `initiateEarlyEnd` with a clock walking through simulated time, so flags,
 * reasons, the cap and reviews apply exactly as in production. Writes into
 * `handle` (the database as it is: turn `early_end_mitra_enabled` on first,
 * or every mitra attempt is refused with `EARLY_END_DISABLED`).
 *
 * It touches only what it creates: its sweeps move only the sessions it
 * opened, and nothing is played after the clock's now (the last day stops
 * there, its sessions still running stay live), so a simulation in a
 * database with real traffic neither closes a live chat nor writes a time
 * that has not come yet.
 *
 * ```ts
 * const summary = await simulate(handle, { days: 5, sessions: 100, seed: 'demo' })
 * summary.refused.DAILY_CAP_REACHED // attempts the cap refused
 * ```
 *
 * @throws HaloError `INVALID_INPUT` (options); `DB_ERROR` when the database fails before the first
 *   batch (a failure part-way is returned in `error`, with what was done before it)
 */
export async function simulate(handle: HaloDatabase, options: SimulateOptions = {}, deps: { clock?: Clock } = {}): Promise<SimulationSummary> {
  const o = parseInput(OptionsSchema, options, 'simulate')
  const mitras = o.mitras ?? 20
  const customers = o.customers ?? mitras * 10
  const perDay = o.sessions ?? 200
  const days = o.days ?? 7
  const seed = String(o.seed ?? 1)
  const mitraRate = o.mitraRate ?? 0.15
  const customerRate = o.customerRate ?? 0.05
  const flags = await handle.read(loadFlags)
  const tz = flags.business_timezone
  // nothing is played after now: the last day stops here, and its sessions still running stay live
  const now = (deps.clock ?? systemClock).now().getTime()
  const to = o.endDay === undefined ? businessDay(new Date(now), tz) : checkDay(o.endDay, 'end day')
  const from = addDays(to, -(days - 1))
  const rnd = seededRandom(seed)
  const clock = fixedClock(localInstant(from, 0, tz))
  const closures = createClosureService(handle, { clock })

  const batch = o.batch ?? 500
  const tally = newTally()
  /** The sessions this run opened and has not seen closed: the only ones its sweeps may move. */
  const ours = new Set<number>()
  let error: HaloError | undefined
  const total = perDay * days

  try {
    for (let d = 0; d < days; d++) {
      const day = addDays(from, d)
      const planned = planWorkloadDay(rnd, day, tz, { perDay, mitras, customers, mitraRate, customerRate, reasons: flags.early_end_reason_codes })
      const plan = planned.plan
      const events = planned.events.filter((ev) => ev.at <= now)
      const ids: number[] = []
      for (let at = 0; at < events.length; at += batch) {
        const chunk = events.slice(at, at + batch)
        // A chunk's counts join the summary only once its transaction committed.
        const t = newTally()
        if (batch === 1) {
          await run(closures, chunk, plan, ids, t)
        } else {
          // every service call inside joins this transaction as a savepoint: a refusal undoes only its own writes
          await handle.write(() => run(closures, chunk, plan, ids, t))
        }
        merge(tally, t)
        o.onProgress?.(tally.sessions, total)
      }
    }
  } catch (e) {
    if (!(e instanceof HaloError)) throw e
    error = e
  }

  async function run(service: ClosureService, chunk: readonly DayEvent[], plan: readonly PlannedSession[], ids: number[], t: Tally): Promise<void> {
    for (const ev of chunk) {
      clock.set(new Date(ev.at))
      if (ev.kind === 'sweep') {
        // never anyone else's sessions: a live chat in the same database is not the simulation's to expire
        const r = await service.sweep({ sessionIds: [...ours] })
        t.expired += r.expired
        t.finalized += r.finalized
        for (const id of r.finalizedIds) ours.delete(id)
        if (r.error !== undefined) throw r.error
        continue
      }
      const s = plan[ev.i]!
      if (ev.kind === 'open') {
        ids[ev.i] = (await service.openSession({ mitraId: s.mitraId, customerId: s.customerId, durationMinutes: s.minutes })).id
        ours.add(ids[ev.i]!)
        t.sessions++
      } else if (ids[ev.i] !== undefined) {
        await attempt(service, ids[ev.i]!, s, t)
      }
    }
  }

  async function attempt(service: ClosureService, id: number, s: PlannedSession, t: Tally): Promise<void> {
    const side = s.endBy!
    t.byInitiator[side].attempts++
    try {
      const r =
        side === 'mitra'
          ? await service.initiateEarlyEnd(id, UserType.MITRA, { actorId: s.mitraId, reason: s.reason, ...(s.reason === 'other' ? { note: 'simulated' } : {}) })
          : await service.initiateEarlyEnd(id, UserType.CUSTOMER, { actorId: s.customerId })
      t.byInitiator[side].succeeded++
      if (r.overCap) t.overCap++
      if (r.reviewOpened) t.reviewsOpened++
    } catch (e) {
      if (!(e instanceof HaloError) || e.code === 'DB_ERROR') throw e
      t.refused[e.code] = (t.refused[e.code] ?? 0) + 1
    }
  }

  const { byInitiator, refused, sessions, overCap, reviewsOpened, expired, finalized } = tally
  const attempts = byInitiator.mitra.attempts + byInitiator.customer.attempts
  const summary: SimulationSummary = {
    seed,
    from,
    to,
    days,
    mitras,
    customers,
    sessions,
    attempts,
    succeeded: byInitiator.mitra.succeeded + byInitiator.customer.succeeded,
    refused: Object.fromEntries(Object.entries(refused).sort(([a], [b]) => a.localeCompare(b))),
    overCap,
    reviewsOpened,
    byInitiator,
    expired,
    finalized,
  }
  return error === undefined ? summary : { ...summary, error: { code: error.code, message: error.message } }
}

/**
 * The workload `simulate` runs for `days` days ending `endDay` (all options resolved), as data: the
 * same seed gives the same plan. Exported for the benchmark's hand-written floor, which replays it.
 */
export function planWorkload(
  o: {
    seed: string
    days: number
    endDay: string
    perDay: number
    mitras: number
    customers: number
    mitraRate: number
    customerRate: number
    reasons: readonly string[]
  },
  tz: string,
): { day: string; plan: PlannedSession[]; events: DayEvent[] }[] {
  const rnd = seededRandom(o.seed)
  const from = addDays(o.endDay, -(o.days - 1))
  return Array.from({ length: o.days }, (_, d) => {
    const day = addDays(from, d)
    return { day, ...planWorkloadDay(rnd, day, tz, o) }
  })
}

function planWorkloadDay(
  rnd: Random,
  day: string,
  tz: string,
  o: { perDay: number; mitras: number; customers: number; mitraRate: number; customerRate: number; reasons: readonly string[] },
): { plan: PlannedSession[]; events: DayEvent[] } {
  const plan = planDay(rnd, day, tz, o.perDay, o.mitras, o.customers, o.mitraRate, o.customerRate, o.reasons)
  return { plan, events: dayEvents(plan, day, tz) }
}

function planDay(
  rnd: Random,
  day: string,
  tz: string,
  n: number,
  mitras: number,
  customers: number,
  mitraRate: number,
  customerRate: number,
  reasons: readonly string[],
): PlannedSession[] {
  const opens = localInstant(day, 8 * 60, tz).getTime()
  const out: PlannedSession[] = []
  for (let i = 0; i < n; i++) {
    const start = opens + rnd.int(0, 12 * 60 * 60) * 1000
    const minutes = rnd.int(30, 60)
    // rnd^2 skews sessions toward the first mitras, so some of them reach the cap
    const mitraId = `sim-m-${pad(1 + Math.floor(rnd.next() ** 2 * mitras), 3)}`
    const customerId = `sim-c-${pad(rnd.int(1, customers), 4)}`
    const roll = rnd.next()
    const endBy = roll < mitraRate ? 'mitra' : roll < mitraRate + customerRate ? 'customer' : null
    const endAt = start + Math.floor(rnd.next() * minutes * 60) * 1000
    const reason = reasons.length === 0 ? 'other' : rnd.pick(reasons)
    out.push({ start, minutes, mitraId, customerId, endBy, endAt, reason })
  }
  return out.sort((a, b) => a.start - b.start)
}
