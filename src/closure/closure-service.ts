import { z } from 'zod'
import { HaloError } from '../errors.js'
import { businessDay } from '../core/business-day.js'
import { systemClock, type Clock } from '../core/clock.js'
import {
  decideEarlyEnd,
  decideGoodbye,
  earlyEndEnabledFor,
  reasonRequiredFor,
  remainingToday,
  type EarlyEndPlan,
  type SessionFacts,
} from '../core/early-end-rules.js'
import { SESSION_STATUSES, UserType, type SessionStatus } from '../core/user-type.js'
import { EarlyEndInput, GoodbyeInput, PartyId, RowId, parseInput } from '../core/validation.js'
import { loadFlags } from '../config/config-repository.js'
import type { HaloDatabase } from '../store/database.js'
import * as repo from './closure-repository.js'
import { toClosure, toSession, toSessionEvent, type Closure, type Goodbye, type Session, type SessionDetail } from './session-view.js'

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

export interface OpenSessionInput {
  readonly customerId: string
  readonly mitraId: string
  /** Scheduled length, 1..1440 minutes (default 60). */
  readonly durationMinutes?: number
  readonly status?: 'active' | 'extending'
}

export interface SessionFilter {
  readonly status?: SessionStatus | readonly SessionStatus[]
  readonly mitraId?: string
  readonly customerId?: string
  /** At most this many, oldest first (default 100, at most 100000). */
  readonly limit?: number
}

export interface SweepResult {
  /** Active or extending sessions past their end, moved to closing (kind `expired`). */
  readonly expired: number
  /** Closing sessions past their grace window, moved to closed. */
  readonly finalized: number
  /** Set when a batch failed; the counts say what was done before it. */
  readonly error?: HaloError
}

export interface ClientConfig {
  readonly earlyEndEnabled: boolean
  readonly reasonRequired: boolean
  readonly reasons: readonly string[]
  /** Mitra early ends left today before the cap; null for customers and support. */
  readonly remainingToday: number | null
}

export interface ClosureService {
  openSession(input: OpenSessionInput): Promise<Session>
  initiateEarlyEnd(sessionId: number, userType: UserType, input: EarlyEndInput): Promise<EarlyEndResult>
  postGoodbye(sessionId: number, userType: UserType, input: GoodbyeInput): Promise<Goodbye>
  sweep(options?: { batchSize?: number }): Promise<SweepResult>
  getSession(id: number): Promise<SessionDetail>
  listSessions(filter?: SessionFilter): Promise<Session[]>
  clientConfig(userType: UserType, actorId: string): Promise<ClientConfig>
}

const UserTypeSchema = z.enum([UserType.MITRA, UserType.CUSTOMER, UserType.SUPPORT])
const OpenSessionSchema = z
  .object({
    customerId: PartyId,
    mitraId: PartyId,
    durationMinutes: z.number().int().min(1).max(1440).optional(),
    status: z.enum(['active', 'extending']).optional(),
  })
  .strict()
const FilterSchema = z
  .object({
    status: z.union([z.enum(SESSION_STATUSES), z.array(z.enum(SESSION_STATUSES)).min(1)]).optional(),
    mitraId: PartyId.optional(),
    customerId: PartyId.optional(),
    limit: z.number().int().min(1).max(100_000).optional(),
  })
  .strict()

const facts = (r: repo.SessionRow): SessionFacts => ({
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

  async function endOnce(id: number, userType: UserType, ask: EarlyEndInput): Promise<EarlyEndResult> {
    const now = clock.now()
    const at = now.toISOString()
    const dryRun = ask.dryRun === true
    try {
      return await handle.write(async (trx) => {
        // The session lock comes first: requests for one session queue here, so a
        // replayed key always finds the closure its first request wrote. A dry run
        // takes the same locks as the real thing (its transaction rolls back, so it
        // writes nothing): its answer is that of one moment, not the session and
        // count from before a concurrent early end's commit and the review from after.
        const row = await repo.findSession(trx, engine, id, true)
        if (ask.idempotencyKey !== undefined) {
          const prior = await repo.findClosureByKey(trx, engine, ask.idempotencyKey)
          if (prior !== undefined) return replayOf(trx, prior, id, userType, ask.actorId, dryRun)
        }
        const flags = await loadFlags(trx, engine)
        const day = businessDay(now, flags.business_timezone)
        const session = row === undefined ? null : facts(row)
        const askFacts = { userType, actorId: ask.actorId, reason: ask.reason, note: ask.note }
        let decision = decideEarlyEnd(session, askFacts, flags, { countToday: 0, reviewId: null }, day, now)
        if (decision.allowed && decision.plan.countsTowardCap) {
          const cap = await repo.readCap(trx, engine, session!.mitraId, day, true)
          decision = decideEarlyEnd(session, askFacts, flags, cap, day, now)
        }
        // A refusal throws, so the transaction rolls back and nothing it touched stays.
        if (!decision.allowed) throw decision.error
        const plan = decision.plan
        const result = await writeEarlyEnd(trx, row!, plan, ask.idempotencyKey ?? null, at)
        // A dry run makes every write too, so every constraint checks it (an idempotency key a
        // concurrent request just took fails here, as the real request would), then rolls back.
        if (dryRun) throw new DryRunAnswer({ ...result, closure: null, reviewId: plan.existingReviewId, dryRun: true })
        return result
      })
    } catch (e) {
      if (e instanceof DryRunAnswer) return e.result
      throw e
    }
  }

  async function writeEarlyEnd(trx: Trx, row: repo.SessionRow, plan: EarlyEndPlan, idempotencyKey: string | null, at: string): Promise<EarlyEndResult> {
    const graceEndsAt = plan.graceEndsAt.toISOString()
    const reviewId = plan.review === 'open' ? await repo.insertReview(trx, row.mitra_id, plan.businessDay, at) : plan.existingReviewId
    if (plan.countsTowardCap) await repo.setCount(trx, engine, row.mitra_id, plan.businessDay, plan.countAfter)
    if ((await repo.markClosing(trx, engine, [row.id], graceEndsAt)) !== 1) {
      throw new HaloError('INVALID_STATE', `session ${row.id} changed state while it was being ended`)
    }
    const closure = {
      session_id: row.id,
      mitra_id: row.mitra_id,
      kind: 'early_end',
      initiated_by: plan.initiatedBy,
      actor_id: plan.actorId,
      reason: plan.reason,
      reason_note: plan.note,
      business_day: plan.businessDay,
      over_cap: plan.overCap ? 1 : 0,
      review_id: reviewId,
      idempotency_key: idempotencyKey,
      created_at: at,
      grace_ends_at: graceEndsAt,
      finalized_at: null,
    }
    const [closureId] = await repo.insertClosures(trx, engine, [closure])
    await repo.insertEvents(trx, engine, [
      {
        session_id: row.id,
        event: 'early_end',
        from_status: row.status,
        to_status: 'closing',
        actor_type: plan.initiatedBy,
        actor_id: plan.actorId,
        created_at: at,
      },
    ])
    return resultOf(row.id, plan, toClosure({ ...closure, id: closureId! }), reviewId, plan.review === 'open', false)
  }

  async function replayOf(trx: Trx, prior: repo.ClosureRow, id: number, userType: UserType, actorId: string, dryRun: boolean): Promise<EarlyEndResult> {
    const closure = toClosure(prior)
    const sameRequest = closure.sessionId === id && closure.initiatedBy === userType.toLowerCase() && closure.actorId === actorId
    if (!sameRequest) {
      throw new HaloError('INVALID_INPUT', `idempotency key already used for another request (session ${closure.sessionId})`)
    }
    const flags = await loadFlags(trx, engine)
    return {
      sessionId: id,
      status: 'closing',
      closure,
      graceEndsAt: closure.graceEndsAt,
      businessDay: closure.businessDay,
      overCap: closure.overCap,
      reviewId: closure.reviewId,
      reviewOpened: await repo.openedReview(trx, prior),
      mitraCountToday: null,
      cap: flags.early_end_mitra_daily_cap,
      replayed: true,
      dryRun,
    }
  }

  const service: ClosureService = {
    async openSession(input: OpenSessionInput): Promise<Session> {
      const { customerId, mitraId, durationMinutes = 60, status = 'active' } = parseInput(OpenSessionSchema, input, 'session')
      const now = clock.now()
      const startedAt = now.toISOString()
      const endsAt = new Date(now.getTime() + durationMinutes * 60_000).toISOString()
      return handle.write(async (trx) => {
        const row = await trx
          .insertInto('sessions')
          .values({ customer_id: customerId, mitra_id: mitraId, status, started_at: startedAt, ends_at: endsAt, grace_ends_at: null, closed_at: null })
          .returningAll()
          .executeTakeFirstOrThrow()
        await repo.insertEvents(trx, engine, [
          { session_id: row.id, event: 'opened', from_status: null, to_status: status, actor_type: 'system', actor_id: null, created_at: startedAt },
        ])
        return toSession(row)
      })
    },

    async initiateEarlyEnd(sessionId, userType, input) {
      const id = parseInput(RowId, sessionId, 'session id')
      const type = parseInput(UserTypeSchema, userType, 'user type')
      const ask = parseInput(EarlyEndInput, input, 'early end')
      for (let attempt = 1; ; attempt++) {
        try {
          return await endOnce(id, type, ask)
        } catch (e) {
          // Two requests raced on one idempotency key for different sessions: the
          // loser runs again and sees the winner's closure.
          const cause = e instanceof HaloError ? e.cause : e
          if (attempt < 3 && engine.isUniqueViolation(cause ?? e)) continue
          throw e
        }
      }
    },

    async postGoodbye(sessionId, userType, input) {
      const id = parseInput(RowId, sessionId, 'session id')
      const type = parseInput(UserTypeSchema, userType, 'user type')
      const { actorId, message } = parseInput(GoodbyeInput, input, 'goodbye')
      const now = clock.now()
      return handle.write(async (trx) => {
        const row = await repo.findSession(trx, engine, id, true)
        const sides = row === undefined ? [] : (await repo.goodbyeSides(trx, id)).map((r) => r.side as 'mitra' | 'customer')
        const d = decideGoodbye(row === undefined ? null : facts(row), type, actorId, sides, now)
        if (!d.allowed) throw d.error
        const at = now.toISOString()
        await trx.insertInto('session_goodbyes').values({ session_id: id, side: d.side, actor_id: actorId, message, created_at: at }).execute()
        await repo.insertEvents(trx, engine, [
          { session_id: id, event: 'goodbye', from_status: 'closing', to_status: 'closing', actor_type: d.side, actor_id: actorId, created_at: at },
        ])
        return { side: d.side, actorId, message, at }
      })
    },

    async sweep(opts = {}): Promise<SweepResult> {
      const batchSize = parseInput(z.number().int().min(1).max(5000), opts.batchSize ?? 500, 'batch size')
      let expired = 0
      let finalized = 0
      try {
        for (;;) {
          const n = await handle.write(async (trx) => {
            const now = clock.now()
            const at = now.toISOString()
            const due = await repo.dueForExpiry(trx, engine, at, batchSize)
            if (due.length === 0) return 0
            const flags = await loadFlags(trx, engine)
            const day = businessDay(now, flags.business_timezone)
            const grace = new Date(now.getTime() + flags.closing_grace_seconds * 1000).toISOString()
            const ids = due.map((d) => d.id)
            await repo.markClosing(trx, engine, ids, grace)
            await repo.insertClosures(
              trx,
              engine,
              due.map((d) => ({
                session_id: d.id,
                mitra_id: d.mitra_id,
                kind: 'expired',
                initiated_by: 'system',
                actor_id: null,
                reason: null,
                reason_note: null,
                business_day: day,
                over_cap: 0,
                review_id: null,
                idempotency_key: null,
                created_at: at,
                grace_ends_at: grace,
                finalized_at: null,
              })),
            )
            await repo.insertEvents(
              trx,
              engine,
              due.map((d) => ({
                session_id: d.id,
                event: 'expired',
                from_status: d.status,
                to_status: 'closing' as const,
                actor_type: 'system',
                actor_id: null,
                created_at: at,
              })),
            )
            return due.length
          })
          expired += n
          if (n < batchSize) break
        }
        for (;;) {
          const n = await handle.write(async (trx) => {
            const at = clock.now().toISOString()
            const due = await repo.dueForFinalize(trx, engine, at, batchSize)
            const ids = due.map((d) => d.id)
            await repo.markClosed(trx, ids, at)
            await repo.insertEvents(
              trx,
              engine,
              ids.map((id) => ({
                session_id: id,
                event: 'finalized',
                from_status: 'closing',
                to_status: 'closed' as const,
                actor_type: 'system',
                actor_id: null,
                created_at: at,
              })),
            )
            return ids.length
          })
          finalized += n
          if (n < batchSize) break
        }
      } catch (e) {
        if (e instanceof HaloError) return { expired, finalized, error: e }
        throw e
      }
      return { expired, finalized }
    },

    async getSession(sessionId) {
      const id = parseInput(RowId, sessionId, 'session id')
      return handle.read(async (db) => {
        const row = await db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst()
        if (row === undefined) throw new HaloError('SESSION_NOT_FOUND', `no session ${id}`)
        const closure = await repo.findClosureBySession(db, id)
        const goodbyes = await db.selectFrom('session_goodbyes').selectAll().where('session_id', '=', id).orderBy('id').execute()
        const events = await repo.sessionEvents(db, id)
        return {
          ...toSession(row),
          closure: closure === undefined ? null : toClosure(closure),
          goodbyes: goodbyes.map((g) => ({ side: g.side as Goodbye['side'], actorId: g.actor_id, message: g.message, at: g.created_at })),
          events: events.map(toSessionEvent),
        }
      })
    },

    async listSessions(filter = {}) {
      const f = parseInput(FilterSchema, filter, 'session filter')
      const statuses = f.status === undefined ? undefined : Array.isArray(f.status) ? f.status : [f.status]
      const rows = await handle.read((db) => {
        let q = db
          .selectFrom('sessions')
          .selectAll()
          .orderBy('id')
          .limit(f.limit ?? 100)
        if (statuses !== undefined) q = q.where('status', 'in', statuses as SessionStatus[])
        if (f.mitraId !== undefined) q = q.where('mitra_id', '=', f.mitraId)
        if (f.customerId !== undefined) q = q.where('customer_id', '=', f.customerId)
        return q.execute()
      })
      return rows.map(toSession)
    },

    async clientConfig(userType, actorId) {
      const type = parseInput(UserTypeSchema, userType, 'user type')
      const actor = parseInput(PartyId, actorId, 'actor id')
      return handle.read(async (db) => {
        const flags = await loadFlags(db)
        let remaining: number | null = null
        if (type === UserType.MITRA) {
          const { countToday } = await repo.readCap(db, engine, actor, businessDay(clock.now(), flags.business_timezone), false)
          remaining = remainingToday(flags, countToday)
        }
        return {
          earlyEndEnabled: earlyEndEnabledFor(type, flags),
          reasonRequired: reasonRequiredFor(type, flags),
          reasons: flags.early_end_reason_codes,
          remainingToday: remaining,
        }
      })
    },
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
