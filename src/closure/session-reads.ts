import { z } from 'zod'
import { HaloError } from '../errors.js'
import { businessDay, businessDayStart, isCalendarDay } from '../core/business-day.js'
import { parseInstant, type Clock } from '../core/clock.js'
import { earlyEndEnabledFor, reasonRequiredFor, remainingToday } from '../core/early-end-rules.js'
import type { CohortMode } from '../core/rollout.js'
import { UserType } from '../core/user-type.js'
import { SESSION_STATUSES, type GoodbyeSide, type SessionStatus } from '../core/vocabulary.js'
import { PartyId, RowId, UserTypeSchema, parseInput } from '../core/validation.js'
import { loadFlags } from '../config/config-repository.js'
import type { HaloDatabase } from '../store/database.js'
import type { ClosureService } from './closure-service.js'
import * as repo from './closure-repository.js'
import * as statements from './early-end-statements.js'
import { toClosure, toEvent, toSession } from './session-view.js'

// The closure service's reads (closure-service.ts): one session with its history, pages of sessions,
// and what a mitra's or customer's app reads at start-up. They write nothing.

/**
 * Which sessions `listSessions` returns.
 *
 * ```ts
 * await closures.listSessions({ status: ['active', 'extending'], mitraId: 'm-7', limit: 50 })
 * ```
 */
export interface SessionFilter {
  readonly status?: SessionStatus | readonly SessionStatus[]
  readonly mitraId?: string
  readonly customerId?: string
  /**
   * Only sessions started at or after this: an ISO-8601 instant with its zone
   * (`2026-11-24T10:00:00+07:00`), or a business day `YYYY-MM-DD`, meaning
   * from the start of that day in `business_timezone`.
   */
  readonly since?: string
  /**
   * `oldest` first (the default) or `newest` first, by id (ids grow as sessions open). Oldest first on
   * purpose: code walks sessions to process them (a sync, an export), and paging forward with `after`
   * never misses a session opened meanwhile, which lands at the end. People read `newest` first: the
   * CLI's `session list` and the TUI's lists ask for it; the default status filter is none (every status).
   */
  readonly order?: 'oldest' | 'newest'
  /**
   * A cursor, as Stripe's `starting_after`: only the sessions after this id in
   * the list's order (older ones when newest first). Pass the last id of a page
   * to get the next one.
   */
  readonly after?: number
  /** A cursor, as Stripe's `ending_before`: only the sessions before this id in the list's order (the page before it). */
  readonly before?: number
  /** At most this many (default 100, at most 100000). */
  readonly limit?: number
}

/**
 * What the mitra (or customer) app reads at start-up.
 *
 * ```ts
 * const { earlyEndEnabled, reasonRequired, reasons, remainingToday } = await closures.clientConfig(UserType.MITRA, 'm-7')
 * ```
 */
export interface ClientConfig {
  readonly earlyEndEnabled: boolean
  readonly reasonRequired: boolean
  readonly reasons: readonly string[]
  /** Mitra early ends left today before the cap; null for customers and support. */
  readonly remainingToday: number | null
}

const FilterSchema = z
  .object({
    status: z.union([z.enum(SESSION_STATUSES), z.array(z.enum(SESSION_STATUSES)).min(1)]).optional(),
    mitraId: PartyId.optional(),
    customerId: PartyId.optional(),
    since: z
      .string()
      .refine((t) => isCalendarDay(t) || parseInstant(t) !== null, 'expected a business day YYYY-MM-DD or an ISO-8601 instant with its zone')
      .optional(),
    order: z.enum(['oldest', 'newest']).optional(),
    after: RowId.optional(),
    before: RowId.optional(),
    limit: z.number().int().min(1).max(100_000).optional(),
  })
  .strict()

/** The reads of `ClosureService`, documented there. */
export type SessionReads = Pick<ClosureService, 'getSession' | 'listSessions' | 'clientConfig'>

/** The reads of `createClosureService`, over `handle`, with "today" by `clock`. */
export function createSessionReads(handle: HaloDatabase, clock: Clock): SessionReads {
  const engine = handle.engine
  return {
    async getSession(sessionId) {
      const id = parseInput(RowId, sessionId, 'session id')
      return handle.read(async (db) => {
        const row = await repo.findSession(db, id)
        if (row === undefined) throw new HaloError('SESSION_NOT_FOUND', `no session ${id}`)
        const closure = await repo.findClosureBySession(db, id)
        const goodbyes = await repo.goodbyesOf(db, id)
        const events = await repo.eventsOf(db, id)
        return {
          ...toSession(row),
          closure: closure === undefined ? null : toClosure(closure),
          goodbyes: goodbyes.map((g) => ({ side: g.side as GoodbyeSide, actorId: g.actor_id, message: g.message, at: g.created_at })),
          events: events.map(toEvent),
        }
      })
    },

    async listSessions(filter = {}) {
      const f = parseInput(FilterSchema, filter, 'session filter')
      const statuses = f.status === undefined ? undefined : Array.isArray(f.status) ? f.status : [f.status]
      const newest = f.order === 'newest'
      // the cursors in id terms: after X is below X newest first, above it oldest first
      const idBelow = newest ? f.after : f.before
      const idAbove = newest ? f.before : f.after
      // the page just before a cursor is read towards it, then turned round
      const backwards = f.before !== undefined && f.after === undefined
      const rows = await handle.read(async (db) =>
        repo.listSessions(db, {
          ...(statuses === undefined ? {} : { statuses: statuses as SessionStatus[] }),
          ...(f.mitraId === undefined ? {} : { mitraId: f.mitraId }),
          ...(f.customerId === undefined ? {} : { customerId: f.customerId }),
          ...(f.since === undefined ? {} : { startedSince: await sinceInstant(db, f.since) }),
          ...(idBelow === undefined ? {} : { idBelow }),
          ...(idAbove === undefined ? {} : { idAbove }),
          order: newest !== backwards ? 'desc' : 'asc',
          limit: f.limit ?? 100,
        }),
      )
      if (backwards) rows.reverse()
      return rows.map(toSession)
    },

    async clientConfig(userType, actorId) {
      const type = parseInput(UserTypeSchema, userType, 'user type')
      const actor = parseInput(PartyId, actorId, 'actor id')
      return handle.read(async (db) => {
        const flags = await loadFlags(db, engine)
        let remaining: number | null = null
        let cohort: CohortMode | null = null
        if (type === UserType.MITRA) {
          remaining = remainingToday(flags, await repo.countOn(db, actor, businessDay(clock.now(), flags.business_timezone)))
          cohort = await statements.cohortOf(db, actor)
        }
        return {
          // the rule initiateEarlyEnd decides with: the flag, the percent by the mitra's bucket, the cohort
          earlyEndEnabled: earlyEndEnabledFor(type, flags, actor, cohort),
          reasonRequired: reasonRequiredFor(type, flags),
          reasons: flags.early_end_reason_codes,
          remainingToday: remaining,
        }
      })
    },
  }

  /** `since` as an instant: a business day from its start in `business_timezone`. */
  async function sinceInstant(db: Parameters<Parameters<HaloDatabase['read']>[0]>[0], since: string): Promise<string> {
    if (!isCalendarDay(since)) return parseInstant(since)!.toISOString()
    const flags = await loadFlags(db, engine)
    return businessDayStart(since, flags.business_timezone).toISOString()
  }
}
