/**
 * The what-if replay: the recorded mitra early ends, in the order they
 * happened, put through the real rule (`decideEarlyEnd`) again, each under the
 * cap and over-cap action in force when it committed, or under a proposed
 * cap or action instead. Pure: recorded rows and flags in, outcomes out; no
 * database.
 */
import { decideEarlyEnd, type CapFacts } from '../core/early-end-rules.js'
import { UserType } from '../core/user-type.js'
import type { Flags } from '../config/flag-registry.js'

/**
 * A mitra early end as it was recorded in `session_closures`.
 *
 * ```ts
 * const out = replayCap(recorded as RecordedEarlyEnd[], proposalFlags(flags, { cap: 2, overCapAction: 'block' }, recorded))
 * ```
 */
export interface RecordedEarlyEnd {
  readonly closureId: number
  readonly sessionId: number
  readonly mitraId: string
  readonly actorId: string
  readonly reason: string | null
  readonly note: string | null
  readonly businessDay: string
  readonly createdAt: string
  /** What actually happened: marked over the cap. */
  readonly overCap: boolean
  /** What actually happened: this early end opened the day's review. */
  readonly openedReview: boolean
  /** The cap and over-cap action in force when it committed (from `config_audit`); absent: the flags'. */
  readonly inForce?: CapProposal
}

/**
 * A cap and over-cap action to replay the record under.
 *
 * ```ts
 * const proposal: CapProposal = { cap: 2, overCapAction: 'block' }
 * ```
 */
export interface CapProposal {
  readonly cap: number
  readonly overCapAction: 'block' | 'allow'
}

/**
 * One recorded early end and what the proposal makes of it.
 *
 * ```ts
 * const changed = replayCap(recorded, flags).filter((o: ReplayedEarlyEnd) => o.differs)
 * ```
 */
export interface ReplayedEarlyEnd {
  readonly recorded: RecordedEarlyEnd
  /** The cap and action it was decided under: the proposal's where it names them, else the ones in force then. */
  readonly rule: CapProposal
  /** Null when the proposed rules allow it, else the code they refuse it with (`DAILY_CAP_REACHED`). */
  readonly refusedWith: string | null
  readonly overCap: boolean
  readonly openedReview: boolean
  /** True when the outcome under the proposal is not what happened. */
  readonly differs: boolean
}

/**
 * The flags the replay decides under: today's flags with the given cap and
 * over-cap action (which stand for any early end that carries no `inForce`).
 * The switch and the reason list are set so that what was accepted then is
 * accepted now: the replay varies the cap and action and nothing else.
 *
 * ```ts
 * const flags = proposalFlags(await config.all(), { cap: 2, overCapAction: 'block' }, recorded)
 * ```
 */
export function proposalFlags(current: Flags, proposal: CapProposal, recorded: readonly RecordedEarlyEnd[]): Flags {
  const reasons = new Set(current.early_end_reason_codes)
  for (const r of recorded) if (r.reason !== null) reasons.add(r.reason)
  return {
    ...current,
    early_end_mitra_enabled: true,
    early_end_reason_required: false,
    early_end_reason_codes: [...reasons],
    early_end_mitra_daily_cap: proposal.cap,
    early_end_mitra_over_cap_action: proposal.overCapAction,
  }
}

/**
 * Replays `recorded` (oldest first), keeping each mitra's count and review per
 * business day as the closure service would. Each early end is decided under
 * the proposal's cap and action where it names them, else under the ones in
 * force when it committed (`inForce`), else under `flags`'. With no proposal,
 * this is the record judged by the rules in force at the time.
 *
 * ```ts
 * const out = replayCap(recorded, proposalFlags(flags, { cap: 2, overCapAction: 'block' }, recorded), { cap: 2 })
 * out.filter((o) => o.refusedWith !== null).length // early ends a cap of 2 would have refused, each under the action in force then
 * ```
 */
export function replayCap(recorded: readonly RecordedEarlyEnd[], flags: Flags, proposal: Partial<CapProposal> = {}): ReplayedEarlyEnd[] {
  const state = new Map<string, { countToday: number; reviewId: number | null }>()
  // one flags object per distinct rule, not one per early end
  const flagsOf = new Map<string, Flags>()
  let nextReview = 1
  return recorded.map((r) => {
    const rule: CapProposal = {
      cap: proposal.cap ?? r.inForce?.cap ?? flags.early_end_mitra_daily_cap,
      overCapAction: proposal.overCapAction ?? r.inForce?.overCapAction ?? flags.early_end_mitra_over_cap_action,
    }
    const ruleKey = `${rule.cap} ${rule.overCapAction}`
    let ruled = flagsOf.get(ruleKey)
    if (ruled === undefined) {
      ruled = { ...flags, early_end_mitra_daily_cap: rule.cap, early_end_mitra_over_cap_action: rule.overCapAction }
      flagsOf.set(ruleKey, ruled)
    }
    const key = `${r.mitraId}\u0000${r.businessDay}`
    const cap: CapFacts = state.get(key) ?? { countToday: 0, reviewId: null }
    const session = { id: r.sessionId, customerId: '', mitraId: r.mitraId, status: 'active' as const, graceEndsAt: null }
    const ask = { userType: UserType.MITRA, actorId: r.actorId, reason: r.reason ?? undefined, note: r.note ?? undefined }
    const d = decideEarlyEnd(session, ask, ruled, cap, r.businessDay, new Date(r.createdAt))
    if (!d.allowed) {
      return { recorded: r, rule, refusedWith: d.error.code, overCap: false, openedReview: false, differs: true }
    }
    const plan = d.plan
    const reviewId = plan.review === 'open' ? nextReview++ : cap.reviewId
    state.set(key, { countToday: plan.countAfter, reviewId })
    const openedReview = plan.review === 'open'
    return {
      recorded: r,
      rule,
      refusedWith: null,
      overCap: plan.overCap,
      openedReview,
      differs: plan.overCap !== r.overCap || openedReview !== r.openedReview,
    }
  })
}

/**
 * Whether two replays of the same early end came out the same (refused, over cap, review opened).
 *
 * ```ts
 * const changed = whatif.filter((o, i) => !sameOutcome(o, baseline[i]!)).length
 * ```
 */
export function sameOutcome(a: ReplayedEarlyEnd, b: ReplayedEarlyEnd): boolean {
  return a.refusedWith === b.refusedWith && a.overCap === b.overCap && a.openedReview === b.openedReview
}
