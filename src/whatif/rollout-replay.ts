/**
 * The rehearsal of a staged re-enable (contract §4b): the recorded closures of a range replayed under
 * a proposed rollout percent, cohort and guard, through the real rules (`inRollout`, `guardTrip`).
 * Pure: the what-if service reads the closures, this decides, nothing is written.
 *
 * A mitra early end by a mitra outside the proposed rollout is taken as not having happened (the app
 * would not have shown Akhiri); every other closure (expiries, customers, support) happens as
 * recorded. The guard is measured as the early end path measures it, after each early end that would
 * have happened; once it trips, the switch stays off for the rest of the range (turning it back on is
 * a person's act), so every later mitra early end would have been refused.
 */
import { GUARD_WINDOW_MS, guardTrip, type GuardReading, type GuardSetting } from '../core/guard-rules.js'
import { inRollout, type CohortMode } from '../core/rollout.js'

/**
 * One recorded closure, as the rehearsal reads it.
 *
 * ```ts
 * const c: RecordedClosure = { closureId: 9, sessionId: 8, mitraId: 'm-1', byMitra: true, openedReview: false, businessDay: '2026-11-24', createdAt: '2026-11-24T03:00:00.000Z' }
 * ```
 */
export interface RecordedClosure {
  readonly closureId: number
  readonly sessionId: number
  readonly mitraId: string
  /** A mitra early end (the only closures the rollout and the guard decide). */
  readonly byMitra: boolean
  /** The mitra early end that opened its day's CC review. */
  readonly openedReview: boolean
  readonly businessDay: string
  readonly createdAt: string
}

/**
 * A proposed staged re-enable.
 *
 * ```ts
 * const p: RolloutProposal = { percent: 25, cohort: new Map([['mitra-ayu', 'always']]), guard: { mitraEarlyEndsPerHour: 5 } }
 * ```
 */
export interface RolloutProposal {
  readonly percent: number
  readonly cohort: ReadonlyMap<string, CohortMode>
  readonly guard: GuardSetting
}

/**
 * When the guard would have tripped: the early end that reached the threshold, and the audit note.
 *
 * ```ts
 * const t: GuardTripReplay = { at: '2026-11-24T03:40:00.000Z', businessDay: '2026-11-24', closureId: 9, sessionId: 8, mitraId: 'm-1', reading, note: 'guard: …' }
 * ```
 */
export interface GuardTripReplay {
  readonly at: string
  readonly businessDay: string
  readonly closureId: number
  readonly sessionId: number
  readonly mitraId: string
  readonly reading: GuardReading
  readonly note: string
}

/**
 * What the proposal would have made of the range's mitra early ends, in all and per business day.
 *
 * ```ts
 * const r: RolloutReplay = replayRollout(closures, proposal)
 * r.wouldHappen // mitra early ends in the rollout before the guard tripped
 * ```
 */
export interface RolloutReplay {
  /** Mitra early ends recorded. */
  readonly recorded: number
  /** Mitra early ends the proposal would have let through: in the rollout, before the guard tripped. */
  readonly wouldHappen: number
  /** Mitra early ends by mitras outside the proposed rollout (the app would not have shown Akhiri). */
  readonly outsideRollout: number
  /** Mitra early ends in the rollout refused because the guard had switched mitra early ends off. */
  readonly afterGuard: number
  /** Distinct mitras with recorded early ends, and how many of them the proposal puts in the rollout. */
  readonly mitras: number
  readonly mitrasInRollout: number
  readonly guardTrip: GuardTripReplay | null
  readonly days: readonly { readonly day: string; readonly recorded: number; readonly wouldHappen: number }[]
}

/**
 * Replays `closures` (oldest first) under `proposal`.
 *
 * ```ts
 * replayRollout(closures, { percent: 10, cohort: new Map(), guard: { mitraEarlyEndsPerHour: 3 } }).guardTrip?.at
 * ```
 */
export function replayRollout(closures: readonly RecordedClosure[], proposal: RolloutProposal): RolloutReplay {
  const mitraTimes: number[] = [] // mitra early ends that would have happened, in the window
  const endedTimes: number[] = [] // every closure that would have happened, in the window
  let mitraFrom = 0
  let endedFrom = 0
  const reviewsByDay = new Map<string, number>()
  const days = new Map<string, { recorded: number; wouldHappen: number }>()
  const mitras = new Map<string, boolean>()
  let wouldHappen = 0
  let outsideRollout = 0
  let afterGuard = 0
  let trip: GuardTripReplay | null = null
  for (const c of closures) {
    const at = Date.parse(c.createdAt)
    if (!c.byMitra) {
      endedTimes.push(at)
      continue
    }
    const day = days.get(c.businessDay) ?? { recorded: 0, wouldHappen: 0 }
    days.set(c.businessDay, day)
    day.recorded++
    const rolledOut = inRollout(c.mitraId, proposal.percent, proposal.cohort.get(c.mitraId) ?? null)
    mitras.set(c.mitraId, rolledOut)
    if (!rolledOut) {
      outsideRollout++
      continue
    }
    if (trip !== null) {
      afterGuard++
      continue
    }
    wouldHappen++
    day.wouldHappen++
    mitraTimes.push(at)
    endedTimes.push(at)
    if (c.openedReview) reviewsByDay.set(c.businessDay, (reviewsByDay.get(c.businessDay) ?? 0) + 1)
    const since = at - GUARD_WINDOW_MS
    while (mitraFrom < mitraTimes.length && mitraTimes[mitraFrom]! <= since) mitraFrom++
    while (endedFrom < endedTimes.length && endedTimes[endedFrom]! <= since) endedFrom++
    const reached = guardTrip(proposal.guard, {
      mitraEarlyEndsLastHour: mitraTimes.length - mitraFrom,
      endedLastHour: endedTimes.length - endedFrom,
      reviewsOpenedToday: reviewsByDay.get(c.businessDay) ?? 0,
    })
    if (reached !== null) {
      trip = { at: c.createdAt, businessDay: c.businessDay, closureId: c.closureId, sessionId: c.sessionId, mitraId: c.mitraId, ...reached }
    }
  }
  return {
    recorded: wouldHappen + outsideRollout + afterGuard,
    wouldHappen,
    outsideRollout,
    afterGuard,
    mitras: mitras.size,
    mitrasInRollout: [...mitras.values()].filter(Boolean).length,
    guardTrip: trip,
    days: [...days.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([d, v]) => ({ day: d, ...v })),
  }
}
