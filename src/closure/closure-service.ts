import { z } from 'zod'
import { HaloError } from '../errors.js'
import { businessDay } from '../core/business-day.js'
import { systemClock, type Clock } from '../core/clock.js'
import { decideEarlyEnd, decideGoodbye, selfSessionProblem, type CapFacts, type EarlyEndPlan, type SessionFacts } from '../core/early-end-rules.js'
import { NEEDS } from '../access/needed-role.js'
import { UserType } from '../core/user-type.js'
import { guardTrip } from '../core/guard-rules.js'
import { measureGuard, switchOffByGuard } from '../guard/guard-repository.js'
import type { GoodbyeSide, SessionStatus } from '../core/vocabulary.js'
import { EarlyEndInput, GoodbyeInput, PartyId, RowId, UserTypeSchema, parseInput } from '../core/validation.js'
import { defaultFlags, type Flags } from '../config/flag-registry.js'
import type { HaloDatabase } from '../store/database.js'
import type { StatementRunner } from '../store/engine.js'
import { retryOnUniqueViolation } from '../store/retry.js'
import * as repo from './closure-repository.js'
import * as statements from './early-end-statements.js'
import { createSessionReads, type ClientConfig, type SessionFilter } from './session-reads.js'
import { createSweep, type SweepOptions, type SweepResult } from './sweep.js'
import { toClosure, toSession, type Closure, type Goodbye, type Session, type SessionDetail } from './session-view.js'

export type { ClientConfig, SessionFilter }

/**
 * What `initiateEarlyEnd` answers (and the HTTP core's 200 body).
 *
 * ```ts
 * const r: EarlyEndResult = await closures.initiateEarlyEnd(42, UserType.MITRA, { actorId: 'm-7', reason: 'customer_left' })
 * if (r.reviewOpened) notifyControlCentre(r.reviewId)
 * ```
 */
export interface EarlyEndResult {
  readonly sessionId: number
  readonly status: 'closing'
  /** The closure written (or replayed); null on a dry run. */
  readonly closure: Closure | null
  readonly graceEndsAt: string
  readonly businessDay: string
  readonly overCap: boolean
  readonly reviewId: number | null
  /** True when this early end reached the cap and opened the day's CC review (on a dry run: would open it). */
  readonly reviewOpened: boolean
  /** The mitra's early ends on `businessDay` after this one; null when it does not count or is a replay. */
  readonly mitraCountToday: number | null
  readonly cap: number
  /** True when an idempotency key was replayed: nothing changed. */
  readonly replayed: boolean
  readonly dryRun: boolean
}

/**
 * What `openSession` takes.
 *
 * ```ts
 * await closures.openSession({ customerId: 'c-1', mitraId: 'm-7', durationMinutes: 30 })
 * ```
 */
export interface OpenSessionInput {
  readonly customerId: string
  readonly mitraId: string
  /** Scheduled length, 1..1440 minutes (default 60). */
  readonly durationMinutes?: number
  readonly status?: 'active' | 'extending'
}

/**
 * The closure core of contract §2 and §4. Every method validates its input first (`INVALID_INPUT`)
 * and turns database failures into `DB_ERROR`.
 *
 * ```ts
 * const closures: ClosureService = createClosureService(handle)
 * ```
 */
export interface ClosureService {
  /**
   * Opens a session (the backend opens the real ones; this serves trials, demos and replays).
   * @throws HaloError `INVALID_INPUT` (bad ids or length, a mitra as their own customer), `DB_ERROR`
   */
  openSession(input: OpenSessionInput): Promise<Session>
  /**
   * Ends an active or extending session early, by its mitra, its customer or support (contract §4).
   * @throws HaloError `INVALID_INPUT`, `REASON_REQUIRED` (422); `EARLY_END_DISABLED`, `FORBIDDEN` (403);
   *   `SESSION_NOT_FOUND` (404); `INVALID_STATE` (409); `DAILY_CAP_REACHED` (429); `DB_ERROR` (503)
   */
  initiateEarlyEnd(sessionId: number, userType: UserType, input: EarlyEndInput): Promise<EarlyEndResult>
  /**
   * One goodbye per side while the session is closing.
   * @throws HaloError `INVALID_INPUT`, `FORBIDDEN`, `SESSION_NOT_FOUND`, `INVALID_STATE`, `DB_ERROR`
   */
  postGoodbye(sessionId: number, userType: UserType, input: GoodbyeInput): Promise<Goodbye>
  /**
   * Moves due sessions on: expired ones to closing, closings past their grace window to closed.
   * Never throws for the database: a failed batch is in `error`, with what was done before it.
   * @throws HaloError `INVALID_INPUT` for bad options
   */
  sweep(options?: SweepOptions | null): Promise<SweepResult>
  /** @throws HaloError `INVALID_INPUT`, `SESSION_NOT_FOUND`, `DB_ERROR` */
  getSession(id: number): Promise<SessionDetail>
  /**
   * Sessions matching `filter`, a page at a time: oldest first unless `order: 'newest'`, paged with
   * the `after` (or `before`) cursor.
   *
   * ```ts
   * const page = await closures.listSessions({ status: ['active', 'extending'], order: 'newest', limit: 50 })
   * const next = await closures.listSessions({ status: ['active', 'extending'], order: 'newest', limit: 50, after: page.at(-1)!.id })
   * ```
   * @throws HaloError `INVALID_INPUT`, `DB_ERROR`
   */
  listSessions(filter?: SessionFilter): Promise<Session[]>
  /**
   * What the mitra (or customer) app reads at start-up: may it show "Akhiri", must it ask a reason, which.
   * @throws HaloError `INVALID_INPUT`, `DB_ERROR`
   */
  clientConfig(userType: UserType, actorId: string): Promise<ClientConfig>
}

const OpenSessionSchema = z
  .object({
    customerId: PartyId,
    mitraId: PartyId,
    durationMinutes: z.number().int().min(1).max(1440).optional(),
    status: z.enum(['active', 'extending']).optional(),
  })
  .strict()
const facts = (r: statements.EarlyEndSession): SessionFacts => ({
  id: r.id,
  customerId: r.customer_id,
  mitraId: r.mitra_id,
  status: r.status as SessionStatus,
  graceEndsAt: r.grace_ends_at,
})

/** Thrown out of a dry run's transaction so it rolls back, carrying the answer. */
class DryRunAnswer {
  constructor(readonly result: EarlyEndResult) {}
}

/**
 * Thrown out of an early end that would bring a guard measure to its threshold while it holds the flags
 * only to read them: it rolls back and runs again holding them to write (see `initiateEarlyEnd`).
 */
class GuardReached {}

type Trx = Parameters<Parameters<HaloDatabase['write']>[0]>[0]

/**
 * The closure core of contract §2 and §4. Every decision comes from
 * `core/early-end-rules.ts`; this service loads the facts, asks, and writes
 * the answer in one transaction.
 *
 * ```ts
 * const closures = createClosureService(handle)
 * const s = await closures.openSession({ customerId: 'c-1', mitraId: 'm-1', durationMinutes: 30 })
 * const r = await closures.initiateEarlyEnd(s.id, UserType.MITRA, { actorId: 'm-1', reason: 'customer_left' })
 * r.graceEndsAt // five minutes from now: goodbyes until then, then `sweep()` closes it
 * ```
 */
export function createClosureService(handle: HaloDatabase, options: { clock?: Clock } = {}): ClosureService {
  const clock = options.clock ?? systemClock
  const engine = handle.engine
  /**
   * The business time zone last read (at first the flag's default): a mitra's counter is claimed for
   * the day in it in the same round trip that reads the flags (PostgreSQL); when the flags say another
   * zone, it is claimed again.
   */
  let lastTimeZone: string = defaultFlags().business_timezone

  async function endOnce(id: number, userType: UserType, ask: EarlyEndInput, config: 'read' | 'write'): Promise<EarlyEndResult> {
    const now = clock.now()
    const at = now.toISOString()
    const dryRun = ask.dryRun === true
    const key = ask.idempotencyKey ?? null
    try {
      // config 'read': no flag change commits while this runs, and the flags read are those of the commit
      return await handle.hotWrite(
        async (tx) => {
          // The session lock comes first: requests for one session queue here. A dry run takes the same
          // locks as the real thing (its transaction rolls back, so it writes nothing): its answer is that
          // of one moment, not the session and count from before a concurrent early end's commit.
          const guessedZone = lastTimeZone
          const guess = userType === UserType.MITRA ? businessDay(now, guessedZone) : null
          const loaded = await statements.loadEarlyEndFacts(tx, engine, id, key, guess, userType === UserType.MITRA ? ask.actorId : null)
          const flags = loaded.flags
          lastTimeZone = flags.business_timezone
          const row = loaded.session
          let prior = loaded.prior
          // the key's first request may have committed while this one waited for the session: read it again
          if (prior === undefined && key !== null && row !== undefined && row.status !== 'active' && row.status !== 'extending')
            prior = await statements.findPrior(tx, engine, key)
          if (prior !== undefined) return replayOf(prior, id, userType, ask.actorId, flags, dryRun)

          const day = guess !== null && flags.business_timezone === guessedZone ? guess : businessDay(now, flags.business_timezone)
          const session = row === undefined ? null : facts(row)
          const askFacts = { userType, actorId: ask.actorId, reason: ask.reason, note: ask.note, cohort: loaded.cohort }
          // the counter claimed with the facts, when it was claimed for the day that holds (one decision, no round trip)
          const claimedWithFacts: CapFacts | null = loaded.cap?.day === day ? { countToday: loaded.cap.countToday, reviewId: loaded.cap.reviewId } : null
          let decision = decideEarlyEnd(session, askFacts, flags, claimedWithFacts ?? { countToday: 0, reviewId: null }, day, now)
          if (claimedWithFacts === null && decision.allowed && decision.plan.countsTowardCap) {
            const claimed = await statements.claimCap(tx, engine, session!.mitraId, day)
            decision = decideEarlyEnd(session, askFacts, flags, { countToday: claimed.countToday, reviewId: claimed.reviewId }, day, now)
          }
          // A refusal throws, so the transaction rolls back and nothing it touched stays.
          if (!decision.allowed) throw decision.error
          const result = await writeEarlyEnd(tx, row!, decision.plan, key, at)
          // The guard (§4b): a mitra early end that brings a measure to its threshold commits with the switch-off.
          if (!dryRun && userType === UserType.MITRA && flags.early_end_guard !== 'off') await guardAfter(tx.builder(), flags, row!.id, now, day, config)
          // A dry run makes every write too, so every constraint checks it (an idempotency key a
          // concurrent request just took fails here, as the real request would), then rolls back.
          if (dryRun) throw new DryRunAnswer({ ...result, closure: null, reviewId: decision.plan.existingReviewId, dryRun: true })
          return result
        },
        { config, role: userType === UserType.SUPPORT ? NEEDS.endAsSupport : NEEDS.endAsParty },
      )
    } catch (e) {
      if (e instanceof DryRunAnswer) return e.result
      throw e
    }
  }

  async function writeEarlyEnd(
    tx: StatementRunner,
    row: statements.EarlyEndSession,
    plan: EarlyEndPlan,
    idempotencyKey: string | null,
    at: string,
  ): Promise<EarlyEndResult> {
    const graceEndsAt = plan.graceEndsAt.toISOString()
    const closure = repo.closureRow({
      sessionId: row.id,
      mitraId: row.mitra_id,
      kind: 'early_end',
      initiatedBy: plan.initiatedBy,
      actorId: plan.actorId,
      reason: plan.reason,
      note: plan.note,
      businessDay: plan.businessDay,
      overCap: plan.overCap,
      reviewId: plan.existingReviewId,
      idempotencyKey,
      at,
      graceEndsAt,
    })
    const written = await statements.writeEarlyEnd(tx, engine, {
      session: row,
      counter: plan.countsTowardCap ? { day: plan.businessDay, countAfter: plan.countAfter } : null,
      openReview: plan.review === 'open',
      closure,
      event: repo.eventRow(row.id, 'early_end', row.status as SessionStatus, 'closing', plan.initiatedBy, plan.actorId, at),
    })
    if (written === null) throw new HaloError('INVALID_STATE', `session ${row.id} changed state while it was being ended`)
    const closureView = toClosure({ ...closure, review_id: written.reviewId, id: written.closureId, authenticated_as: written.authenticatedAs })
    return resultOf(row.id, plan, closureView, written.reviewId, plan.review === 'open', false)
  }

  /**
   * Measures the guard with this early end counted; when a threshold is reached, switches mitra early
   * ends off in this transaction. Holding the flags only to read them (as every early end does, many at
   * once), it cannot write them: on PostgreSQL two such early ends upgrading their SHARE lock on
   * app_config would deadlock. So it gives up (`GuardReached`) and runs again holding the flags to write
   * them, as a flag change does: after every early end under way has committed, with new ones held back,
   * and one such run at a time; the first switches off, the rest then read the switch off.
   */
  async function guardAfter(trx: Trx, flags: Flags, sessionId: number, now: Date, day: string, config: 'read' | 'write'): Promise<void> {
    const trip = guardTrip(flags.early_end_guard, await measureGuard(trx, now, day))
    if (trip === null) return
    if (config === 'read') throw new GuardReached()
    await switchOffByGuard(trx, engine, { sessionId, threshold: trip.reading.threshold, note: trip.note, at: now.toISOString() })
  }

  function replayOf(prior: statements.PriorClosure, id: number, userType: UserType, actorId: string, flags: Flags, dryRun: boolean): EarlyEndResult {
    const closure = toClosure(prior)
    const sameRequest = closure.sessionId === id && closure.initiatedBy === userType.toLowerCase() && closure.actorId === actorId
    if (!sameRequest) {
      throw new HaloError('INVALID_INPUT', `idempotency key already used for another request (session ${closure.sessionId})`)
    }
    return {
      sessionId: id,
      status: 'closing',
      closure,
      graceEndsAt: closure.graceEndsAt,
      businessDay: closure.businessDay,
      overCap: closure.overCap,
      reviewId: closure.reviewId,
      reviewOpened: prior.opened_review,
      mitraCountToday: null,
      cap: flags.early_end_mitra_daily_cap,
      replayed: true,
      dryRun,
    }
  }

  const service: ClosureService = {
    async openSession(input: OpenSessionInput): Promise<Session> {
      const { customerId, mitraId, durationMinutes = 60, status = 'active' } = parseInput(OpenSessionSchema, input, 'session')
      const self = selfSessionProblem(mitraId, customerId)
      if (self !== null) throw new HaloError('INVALID_INPUT', `session: ${self.message}`)
      const now = clock.now()
      const startedAt = now.toISOString()
      const endsAt = new Date(now.getTime() + durationMinutes * 60_000).toISOString()
      return handle.write(
        async (trx) => {
          const row = await repo.insertSession(trx, {
            customer_id: customerId,
            mitra_id: mitraId,
            status,
            started_at: startedAt,
            ends_at: endsAt,
            grace_ends_at: null,
            closed_at: null,
          })
          await repo.insertEvents(trx, engine, [repo.eventRow(row.id, 'opened', null, status, 'system', null, startedAt)])
          return toSession(row)
        },
        { role: NEEDS.openSession },
      )
    },

    async initiateEarlyEnd(sessionId, userType, input) {
      const id = parseInput(RowId, sessionId, 'session id')
      const type = parseInput(UserTypeSchema, userType, 'user type')
      const ask = parseInput(EarlyEndInput, input, 'early end')
      // Two requests raced on one idempotency key for different sessions, or on opening one day's review:
      // the loser runs again and sees the winner's closure or review.
      return retryOnUniqueViolation(engine, () =>
        endOnce(id, type, ask, 'read').catch((e: unknown) => {
          if (e instanceof GuardReached) return endOnce(id, type, ask, 'write')
          throw e
        }),
      )
    },

    async postGoodbye(sessionId, userType, input) {
      const id = parseInput(RowId, sessionId, 'session id')
      const type = parseInput(UserTypeSchema, userType, 'user type')
      const { actorId, message } = parseInput(GoodbyeInput, input, 'goodbye')
      const now = clock.now()
      return handle.write(
        async (trx) => {
          const row = await repo.findSessionLocked(trx, engine, id)
          const sides = row === undefined ? [] : (await repo.goodbyesOf(trx, id)).map((r) => r.side as GoodbyeSide)
          const d = decideGoodbye(row === undefined ? null : facts(row), type, actorId, sides, now)
          if (!d.allowed) throw d.error
          const at = now.toISOString()
          await repo.insertGoodbye(trx, { session_id: id, side: d.side, actor_id: actorId, message, created_at: at })
          await repo.insertEvents(trx, engine, [repo.eventRow(id, 'goodbye', 'closing', 'closing', d.side, actorId, at)])
          return { side: d.side, actorId, message, at }
        },
        { role: NEEDS.goodbye },
      )
    },

    sweep: createSweep(handle, clock),

    ...createSessionReads(handle, clock),
  }
  return Object.freeze(service)
}

function resultOf(id: number, plan: EarlyEndPlan, closure: Closure | null, reviewId: number | null, reviewOpened: boolean, dryRun: boolean): EarlyEndResult {
  return {
    sessionId: id,
    status: 'closing',
    closure,
    graceEndsAt: plan.graceEndsAt.toISOString(),
    businessDay: plan.businessDay,
    overCap: plan.overCap,
    reviewId,
    reviewOpened,
    mitraCountToday: plan.countsTowardCap ? plan.countAfter : null,
    cap: plan.cap,
    replayed: false,
    dryRun,
  }
}
