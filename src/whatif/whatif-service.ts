import { z } from 'zod'
import { systemClock, type Clock } from '../core/clock.js'
import { parseInput } from '../core/validation.js'
import { loadFlags } from '../config/config-repository.js'
import type { HaloDatabase } from '../store/database.js'
import { addDays, businessDayStart } from '../core/business-day.js'
import { capsInForce } from '../report/caps-in-force.js'
import { resolveRange, type DayRange } from '../report/day-range.js'
import { mitraEarlyEnds } from '../report/report-repository.js'
import { HaloError } from '../errors.js'
import { guardProblem, type GuardSetting } from '../core/guard-rules.js'
import type { CohortMode } from '../core/rollout.js'
import { PartyId } from '../core/validation.js'
import { allMembers } from '../rollout/rollout-repository.js'
import { closuresOfRange } from './whatif-repository.js'
import { replayRollout, type RecordedClosure, type RolloutReplay } from './rollout-replay.js'
import { proposalFlags, replayCap, sameOutcome, type CapProposal, type RecordedEarlyEnd, type ReplayedEarlyEnd } from './cap-replay.js'

/**
 * The outcome of the replayed early ends on one side: what the rules in force did (each early end
 * judged by the cap and action in force when it committed), or what the proposal would do.
 *
 * ```ts
 * const { actual, whatif } = await whatIf.cap({ cap: 2 })
 * whatif.refused - actual.refused // early ends a cap of 2 would have refused
 * ```
 */
export interface WhatIfSide {
  /** Early ends that go through (all of them, for what actually happened, unless `unexplained`). */
  readonly allowed: number
  /** Early ends refused with `DAILY_CAP_REACHED` (0 for what actually happened, unless `unexplained`: refusals are not recorded). */
  readonly refused: number
  readonly overCap: number
  readonly reviewsOpened: number
  /** Mitras with at least one review opened, sorted. */
  readonly reviewMitras: readonly string[]
}

/**
 * One mitra whose outcome the proposal changes, or who had or would have a review.
 *
 * ```ts
 * for (const m of (await whatIf.cap({ cap: 2 })).mitras) console.log(m.mitraId, m.actual.reviewDays, m.whatif.reviewDays)
 * ```
 */
export interface WhatIfMitra {
  readonly mitraId: string
  readonly earlyEnds: number
  readonly actual: {
    /** The caps in force when the mitra's early ends committed, in order: what each was judged by (`[4, 3]`: 4, then 3). */
    readonly capsInForce: readonly number[]
    readonly overCap: number
    readonly reviewDays: readonly string[]
  }
  readonly whatif: { readonly refused: number; readonly overCap: number; readonly reviewDays: readonly string[] }
}

/**
 * The shape of `whatif cap --json`.
 *
 * ```ts
 * const r: WhatIfCapReport = await createWhatIfService(handle).cap({ cap: 2, overCapAction: 'allow' })
 * ```
 */
export interface WhatIfCapReport {
  readonly from: string
  readonly to: string
  /** The cap and action in force now. */
  readonly current: CapProposal
  /** What actually happened was judged by these, each early end by the ones in force when it committed: each cap and action in force during the range, oldest first. */
  readonly inForce: {
    readonly caps: readonly { readonly value: number; readonly from: string | null; readonly until: string | null }[]
    readonly actions: readonly { readonly value: 'block' | 'allow'; readonly from: string | null; readonly until: string | null }[]
  }
  /**
   * The proposal: the cap, and the over-cap action proposed, or null when none was: then each early
   * end keeps the action in force when it committed (`inForce.actions`).
   */
  readonly proposed: { readonly cap: number; readonly overCapAction: 'block' | 'allow' | null }
  /** Recorded mitra early ends replayed. */
  readonly replayed: number
  /** Each early end judged by the cap and action in force when it committed. */
  readonly actual: WhatIfSide
  /** Each early end judged by the proposed cap, and the proposed action or else the one in force then. */
  readonly whatif: WhatIfSide
  /** Early ends whose outcome (refused, over cap, review opened) under the proposal differs from under the rules in force then. */
  readonly differences: number
  /**
   * Early ends whose recorded outcome (over cap, review opened) is not what the rules in force then
   * give: the audit history misses a change (a value written into `app_config` by hand). 0 normally.
   */
  readonly unexplained: number
  /** Mitras whose outcome differs, or who had or would have a review; most early ends first. */
  readonly mitras: readonly WhatIfMitra[]
}

/**
 * What-if questions over recorded data (`createWhatIfService`); reads only.
 *
 * ```ts
 * const whatIf: WhatIfService = createWhatIfService(handle)
 * ```
 */
export interface WhatIfService {
  /**
   * Replays the range's recorded mitra early ends against a proposed cap (and over-cap action; without
   * one, each early end keeps the action in force when it committed), beside the same early ends
   * judged by the cap and action in force when each committed. Reads only.
   * @throws HaloError `INVALID_INPUT` (a proposal or range it cannot take), `DB_ERROR`
   */
  cap(proposal: { cap: number; overCapAction?: 'block' | 'allow' }, range?: DayRange): Promise<WhatIfCapReport>
  /**
   * Replays the range's recorded closures under a proposed rollout percent, cohort and guard (each
   * defaulting to the one in force): how many mitra early ends would have happened, and when the guard
   * would have tripped. Reads only.
   * @throws HaloError `INVALID_INPUT` (a proposal or range it cannot take), `DB_ERROR`
   */
  rollout(proposal: RolloutWhatIf, range?: DayRange): Promise<WhatIfRolloutReport>
}

/**
 * A proposed staged re-enable for `whatif rollout`: each part defaults to the one in force.
 *
 * ```ts
 * await whatIf.rollout({ percent: 25, always: ['mitra-ayu'], guard: { mitraEarlyEndsPerHour: 5 } })
 * ```
 */
export interface RolloutWhatIf {
  readonly percent?: number
  /** Mitras added to the cohort as always in (over the current cohort). */
  readonly always?: readonly string[]
  /** Mitras added to the cohort as never in. */
  readonly never?: readonly string[]
  readonly guard?: GuardSetting
}

/**
 * The shape of `whatif rollout --json`.
 *
 * ```ts
 * const r: WhatIfRolloutReport = await createWhatIfService(handle).rollout({ percent: 10 })
 * r.replay.guardTrip?.at // when the guard would have switched mitra early ends off
 * ```
 */
export interface WhatIfRolloutReport {
  readonly from: string
  readonly to: string
  readonly current: { readonly percent: number; readonly always: number; readonly never: number; readonly guard: GuardSetting }
  readonly proposed: { readonly percent: number; readonly always: number; readonly never: number; readonly guard: GuardSetting }
  readonly replay: RolloutReplay
}

const RolloutWhatIfSchema = z
  .object({
    percent: z.number().int().min(0).max(100).optional(),
    always: z.array(PartyId).max(10_000).optional(),
    never: z.array(PartyId).max(10_000).optional(),
    guard: z
      .unknown()
      .superRefine((g, ctx) => {
        const problem = g === undefined ? null : guardProblem(g)
        if (problem !== null) ctx.addIssue({ code: 'custom', message: problem })
      })
      .optional(),
  })
  .strict()
const RangeSchema = z.object({ from: z.string().optional(), to: z.string().optional() }).strict()

const ProposalSchema = z.object({ cap: z.number().int().min(1).max(1_000_000), overCapAction: z.enum(['block', 'allow']).optional() }).strict()

/** The closure that opened each review: the first (by id) attached to it. */
function reviewOpeners(rows: readonly { id: number; review_id: number | null }[]): Map<number, number> {
  const first = new Map<number, number>()
  for (const c of rows) if (c.review_id !== null && (first.get(c.review_id) ?? Infinity) > c.id) first.set(c.review_id, c.id)
  return first
}

/**
 * What-if questions over recorded data; never writes. The range defaults
 * like the reports' (the 14 business days ending today). Each early end is
 * judged by the cap and over-cap action in force when it committed (from
 * `config_audit`); the proposal replaces the cap, and the action when it
 * names one.
 *
 * ```ts
 * const r = await createWhatIfService(handle).cap({ cap: 2 }, { from: '2026-11-01', to: '2026-11-24' })
 * r.whatif.refused // early ends a cap of 2 would have refused
 * r.whatif.reviewMitras // the mitras who would have been sent to review
 * ```
 */
export function createWhatIfService(handle: HaloDatabase, options: { clock?: Clock } = {}): WhatIfService {
  const clock = options.clock ?? systemClock
  const service: WhatIfService = {
    async cap(proposal, range = {}) {
      const p = parseInput(ProposalSchema, proposal, 'proposal')
      const rangeIn = parseInput(RangeSchema, range, 'range')
      const { flags, rows, resolved, caps } = await handle.read(async (db) => {
        const flags = await loadFlags(db)
        const resolved = resolveRange(rangeIn, clock.now(), flags.business_timezone)
        const start = businessDayStart(resolved.from, flags.business_timezone).toISOString()
        return { flags, rows: await mitraEarlyEnds(db, resolved), resolved, caps: await capsInForce(db, start, flags) }
      })
      const firstOfReview = reviewOpeners(rows)
      const recorded: RecordedEarlyEnd[] = rows.map((c) => ({
        closureId: c.id,
        sessionId: c.session_id,
        mitraId: c.mitra_id,
        actorId: c.actor_id ?? c.mitra_id,
        reason: c.reason,
        note: c.reason_note,
        businessDay: c.business_day,
        createdAt: c.created_at,
        overCap: Boolean(c.over_cap),
        openedReview: c.review_id !== null && firstOfReview.get(c.review_id) === c.id,
        // the rule that judged it when it committed, from the audit history
        inForce: { cap: caps.capAt(c.created_at), overCapAction: caps.actionAt(c.created_at) },
      }))
      const current: CapProposal = { cap: flags.early_end_mitra_daily_cap, overCapAction: flags.early_end_mitra_over_cap_action }
      const replayFlags = proposalFlags(flags, current, recorded)
      // the baseline: each early end under the cap and action in force when it committed
      const baseline = replayCap(recorded, replayFlags)
      // the proposal: its cap, and its action or else each early end's action in force then
      const outcomes = replayCap(recorded, replayFlags, { cap: p.cap, ...(p.overCapAction === undefined ? {} : { overCapAction: p.overCapAction }) })
      const end = businessDayStart(addDays(resolved.to, 1), flags.business_timezone).toISOString()
      const period = <T>(x: { value: T; from: string | null; until: string | null }) => ({ value: x.value, from: x.from, until: x.until })
      const inRange = (x: { from: string | null }) => x.from === null || x.from < end
      const inForce = { caps: caps.caps.filter(inRange).map(period), actions: caps.actions.filter(inRange).map(period) }

      const perMitra = new Map<
        string,
        { earlyEnds: number; caps: number[]; aOver: number; aDays: string[]; wRefused: number; wOver: number; wDays: string[]; differs: boolean }
      >()
      outcomes.forEach((o, i) => {
        const b = baseline[i]!
        const r = o.recorded
        let m = perMitra.get(r.mitraId)
        if (m === undefined) perMitra.set(r.mitraId, (m = { earlyEnds: 0, caps: [], aOver: 0, aDays: [], wRefused: 0, wOver: 0, wDays: [], differs: false }))
        m.earlyEnds++
        if (m.caps.at(-1) !== b.rule.cap) m.caps.push(b.rule.cap)
        if (b.overCap) m.aOver++
        if (b.openedReview) m.aDays.push(r.businessDay)
        if (o.refusedWith !== null) m.wRefused++
        if (o.overCap) m.wOver++
        if (o.openedReview) m.wDays.push(r.businessDay)
        if (!sameOutcome(o, b)) m.differs = true
      })
      const mitras = [...perMitra.entries()]
        .filter(([, m]) => m.differs || m.aDays.length > 0 || m.wDays.length > 0)
        .map(([mitraId, m]) => ({
          mitraId,
          earlyEnds: m.earlyEnds,
          actual: { capsInForce: m.caps, overCap: m.aOver, reviewDays: m.aDays },
          whatif: { refused: m.wRefused, overCap: m.wOver, reviewDays: m.wDays },
        }))
        .sort((a, b) => b.earlyEnds - a.earlyEnds || a.mitraId.localeCompare(b.mitraId))
      const mitrasWith = (pick: (m: WhatIfMitra) => readonly string[]) =>
        mitras
          .filter((m) => pick(m).length > 0)
          .map((m) => m.mitraId)
          .sort()
      const side = (replayed: readonly ReplayedEarlyEnd[], reviewMitras: readonly string[]): WhatIfSide => {
        const refused = replayed.filter((o) => o.refusedWith !== null).length
        return {
          allowed: replayed.length - refused,
          refused,
          overCap: replayed.filter((o) => o.overCap).length,
          reviewsOpened: replayed.filter((o) => o.openedReview).length,
          reviewMitras,
        }
      }
      return {
        from: resolved.from,
        to: resolved.to,
        current,
        inForce,
        proposed: { cap: p.cap, overCapAction: p.overCapAction ?? null },
        replayed: outcomes.length,
        actual: side(
          baseline,
          mitrasWith((m) => m.actual.reviewDays),
        ),
        whatif: side(
          outcomes,
          mitrasWith((m) => m.whatif.reviewDays),
        ),
        differences: outcomes.filter((o, i) => !sameOutcome(o, baseline[i]!)).length,
        unexplained: baseline.filter((b) => b.differs).length,
        mitras,
      }
    },

    async rollout(proposal, range = {}) {
      const p = parseInput(RolloutWhatIfSchema, proposal, 'proposal')
      const rangeIn = parseInput(RangeSchema, range, 'range')
      const both = (p.always ?? []).filter((id) => (p.never ?? []).includes(id))
      if (both.length > 0) throw new HaloError('INVALID_INPUT', `proposal: ${both.join(', ')} both always and never in the rollout`)
      const { flags, rows, members, resolved } = await handle.read(async (db) => {
        const flags = await loadFlags(db)
        const resolved = resolveRange(rangeIn, clock.now(), flags.business_timezone)
        return { flags, rows: await closuresOfRange(db, resolved), members: await allMembers(db), resolved }
      })
      const current = new Map(members.map((m) => [m.mitra_id, m.mode as CohortMode]))
      const cohort = new Map(current)
      for (const id of p.always ?? []) cohort.set(id, 'always')
      for (const id of p.never ?? []) cohort.set(id, 'never')
      const firstOfReview = reviewOpeners(rows)
      const closures: RecordedClosure[] = rows.map((c) => ({
        closureId: c.id,
        sessionId: c.session_id,
        mitraId: c.mitra_id,
        byMitra: c.initiated_by === 'mitra',
        openedReview: c.review_id !== null && firstOfReview.get(c.review_id) === c.id,
        businessDay: c.business_day,
        createdAt: new Date(c.created_at).toISOString(),
      }))
      const count = (m: ReadonlyMap<string, CohortMode>, mode: CohortMode) => [...m.values()].filter((v) => v === mode).length
      const guard = (p.guard as GuardSetting | undefined) ?? flags.early_end_guard
      const percent = p.percent ?? flags.early_end_mitra_rollout_percent
      return {
        from: resolved.from,
        to: resolved.to,
        current: {
          percent: flags.early_end_mitra_rollout_percent,
          always: count(current, 'always'),
          never: count(current, 'never'),
          guard: flags.early_end_guard,
        },
        proposed: { percent, always: count(cohort, 'always'), never: count(cohort, 'never'), guard },
        replay: replayRollout(closures, { percent, cohort, guard }),
      }
    },
  }
  return Object.freeze(service)
}

export type { CapProposal } from './cap-replay.js'
