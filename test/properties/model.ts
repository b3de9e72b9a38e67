/**
 * A deliberately plain model of contract §2-§4: sessions, early ends, goodbyes,
 * sweeps, flags and the daily cap, kept in memory. It is written from the
 * contract, not from `src/`: the property tests run the library and this model
 * side by side and compare them after every step. Where the contract is silent
 * the model states the library's documented choice, marked "(choice)".
 */

import { isDeepStrictEqual } from 'node:util'

export type Who = 'MITRA' | 'CUSTOMER' | 'SUPPORT'
export type Status = 'active' | 'extending' | 'closing' | 'closed'
export type Side = 'mitra' | 'customer'

export const ZONES = ['Asia/Jakarta', 'UTC', 'America/New_York'] as const
export type Zone = (typeof ZONES)[number]

export const REASON_CODES = ['customer_abusive', 'customer_left', 'out_of_scope', 'other'] as const
export const NOTE_MAX = 500

export interface ModelFlags {
  early_end_mitra_enabled: boolean
  early_end_customer_enabled: boolean
  early_end_reason_required: boolean
  early_end_reason_codes: readonly string[]
  early_end_mitra_daily_cap: number
  early_end_mitra_over_cap_action: 'block' | 'allow'
  closing_grace_seconds: number
  business_timezone: string
}

/** Contract §3 defaults. */
export const DEFAULT_FLAGS: Readonly<ModelFlags> = Object.freeze({
  early_end_mitra_enabled: false,
  early_end_customer_enabled: false,
  early_end_reason_required: true,
  early_end_reason_codes: REASON_CODES,
  early_end_mitra_daily_cap: 3,
  early_end_mitra_over_cap_action: 'block',
  closing_grace_seconds: 300,
  business_timezone: 'Asia/Jakarta',
})

const HOUR = 3_600_000

/** The `n`th Sunday of a month (0-based month), at 00:00Z. */
function nthSunday(year: number, month: number, n: number): number {
  const first = new Date(Date.UTC(year, month, 1)).getUTCDay()
  return Date.UTC(year, month, 1 + ((7 - first) % 7) + 7 * (n - 1))
}

/**
 * Hours ahead of UTC. Jakarta is UTC+7 all year; New York is UTC-5, and UTC-4
 * from the second Sunday of March 02:00 EST (07:00Z) to the first Sunday of
 * November 02:00 EDT (06:00Z), the US rule since 2007. No Intl here, on purpose.
 */
export function utcOffsetHours(zone: Zone, t: number): number {
  if (zone === 'UTC') return 0
  if (zone === 'Asia/Jakarta') return 7
  const year = new Date(t).getUTCFullYear()
  const summerFrom = nthSunday(year, 2, 2) + 7 * HOUR
  const summerUntil = nthSunday(year, 10, 1) + 6 * HOUR
  return t >= summerFrom && t < summerUntil ? -4 : -5
}

/** The business day (`YYYY-MM-DD`) of instant `t` in `zone`. */
export function dayIn(zone: Zone, t: number): string {
  return new Date(t + utcOffsetHours(zone, t) * HOUR).toISOString().slice(0, 10)
}

export interface ModelClosure {
  readonly kind: 'early_end' | 'expired'
  readonly initiatedBy: 'mitra' | 'customer' | 'support' | 'system'
  readonly actorId: string | null
  readonly reason: string | null
  readonly note: string | null
  readonly day: string
  readonly overCap: boolean
  /** `mitra|day` of the review this closure is attached to. */
  readonly review: string | null
  readonly key: string | null
  readonly createdAt: number
  readonly graceEndsAt: number
  finalizedAt: number | null
}

export interface ModelSession {
  readonly mitra: string
  readonly customer: string
  status: Status
  readonly endsAt: number
  graceEndsAt: number | null
  closedAt: number | null
  closure: ModelClosure | null
  readonly goodbyes: Side[]
}

export interface ModelReview {
  readonly mitra: string
  readonly day: string
  status: 'open' | 'resolved'
  /** Sessions whose closures are attached, in the order they were ended. */
  readonly sessions: number[]
}

export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly code: string }

/**
 * Text the library stores (notes, idempotency keys, goodbye messages) must be
 * storable verbatim on both engines: PostgreSQL text cannot hold U+0000, and a
 * lone UTF-16 surrogate has no UTF-8 form. Such text is malformed input (rule 1).
 */
export function storable(text: string): boolean {
  return !/[\u0000\p{Cs}]/u.test(text)
}

/** "Characters" are Unicode code points, as PostgreSQL's varchar(n) counts them. */
export const characters = (text: string) => [...text].length

const fail = (code: string): Outcome<never> => ({ ok: false, code })
const ok = <T>(value: T): Outcome<T> => ({ ok: true, value })

export interface EndRequest {
  /** Index into `sessions`; null asks for a session id that does not exist. */
  readonly session: number | null
  readonly who: Who
  readonly actorId: string
  readonly reason?: string
  readonly note?: string
  readonly key?: string
  readonly dryRun: boolean
}

export interface EndAnswer {
  readonly session: number
  readonly replayed: boolean
  readonly dryRun: boolean
  readonly day: string
  readonly graceEndsAt: number
  readonly overCap: boolean
  /** `mitra|day` of the review opened or attached to; null when none (or when a dry run would open one). */
  readonly review: string | null
  readonly reviewOpened: boolean
  /** The mitra's count after this early end; null when it does not count, and on a replay (choice). */
  readonly countAfter: number | null
}

interface KeyUse {
  readonly session: number
  readonly who: Who
  readonly actorId: string
  readonly answer: EndAnswer
}

const capKey = (mitra: string, day: string) => `${mitra}|${day}`

export class LifecycleModel {
  now: number
  flags: ModelFlags
  readonly sessions: ModelSession[] = []
  /** Mitra early ends per `mitra|day`. */
  readonly counts = new Map<string, number>()
  /** `mitra|day` → the cap in force when the mitra's last early end that day committed (what `report cap` judges by). */
  readonly capThen = new Map<string, number>()
  /** `mitra|day` → when the mitra's last early end that day committed. */
  readonly lastEndAt = new Map<string, number>()
  /** `daily_cap_reached` reviews per `mitra|day`. */
  readonly reviews = new Map<string, ModelReview>()
  readonly keys = new Map<string, KeyUse>()
  /**
   * Flag changes, oldest first. Setting a flag to the value it has records
   * nothing, except the first time a flag still at its default is set: that
   * pins it (it no longer follows the default), recorded as old = new (choice).
   */
  readonly audit: { key: string; oldValue: unknown; newValue: unknown }[] = []
  readonly #pinned = new Set<string>()

  constructor(now: number, flags: ModelFlags = { ...DEFAULT_FLAGS }) {
    this.now = now
    this.flags = { ...flags }
  }

  /** A deep copy, to try one order of concurrent requests on. */
  copy(): LifecycleModel {
    const c = new LifecycleModel(this.now, this.flags)
    c.restore(this)
    return c
  }

  /** Takes over all of `other`'s state. */
  restore(other: LifecycleModel): void {
    this.now = other.now
    this.flags = { ...other.flags }
    this.sessions.splice(0, Infinity, ...other.sessions.map((s) => ({ ...s, goodbyes: [...s.goodbyes], closure: s.closure && { ...s.closure } })))
    this.counts.clear()
    for (const [k, n] of other.counts) this.counts.set(k, n)
    this.capThen.clear()
    for (const [k, n] of other.capThen) this.capThen.set(k, n)
    this.lastEndAt.clear()
    for (const [k, n] of other.lastEndAt) this.lastEndAt.set(k, n)
    this.reviews.clear()
    for (const [k, r] of other.reviews) this.reviews.set(k, { ...r, sessions: [...r.sessions] })
    this.keys.clear()
    for (const [k, use] of other.keys) this.keys.set(k, use)
    this.audit.splice(0, Infinity, ...other.audit)
    this.#pinned.clear()
    for (const k of other.#pinned) this.#pinned.add(k)
  }

  today(): string {
    return dayIn(this.flags.business_timezone as Zone, this.now)
  }

  open(mitra: string, customer: string, minutes: number, status: 'active' | 'extending'): number {
    this.sessions.push({ mitra, customer, status, endsAt: this.now + minutes * 60_000, graceEndsAt: null, closedAt: null, closure: null, goodbyes: [] })
    return this.sessions.length - 1
  }

  /** Contract §4, rules 1-8, in that order. */
  earlyEnd(req: EndRequest): Outcome<EndAnswer> {
    // 1. malformed input (a reason code is 1-40 of a-z, 0-9, _: one that is not cannot name a configured reason)
    if (req.reason !== undefined && !/^[a-z0-9_]{1,40}$/.test(req.reason)) return fail('INVALID_INPUT')
    if (req.note !== undefined && (characters(req.note) > NOTE_MAX || !storable(req.note))) return fail('INVALID_INPUT')
    if (req.key !== undefined && (req.key === '' || characters(req.key) > 128 || !storable(req.key))) return fail('INVALID_INPUT')

    // 7. a key seen before returns the first result, whatever happened since;
    //    a key used for another session or actor is refused (choice)
    if (req.key !== undefined) {
      const used = this.keys.get(req.key)
      if (used !== undefined) {
        if (used.session !== req.session || used.who !== req.who || used.actorId !== req.actorId) return fail('INVALID_INPUT')
        return ok({ ...used.answer, replayed: true, dryRun: req.dryRun, countAfter: null })
      }
    }

    // 2. the gates
    if (req.who === 'MITRA' && !this.flags.early_end_mitra_enabled) return fail('EARLY_END_DISABLED')
    if (req.who === 'CUSTOMER' && !this.flags.early_end_customer_enabled) return fail('EARLY_END_DISABLED')

    // 4 (existence), 3, 4 (state)
    if (req.session === null) return fail('SESSION_NOT_FOUND')
    const s = this.sessions[req.session]!
    if (req.who === 'MITRA' && req.actorId !== s.mitra) return fail('FORBIDDEN')
    if (req.who === 'CUSTOMER' && req.actorId !== s.customer) return fail('FORBIDDEN')
    if (s.status !== 'active' && s.status !== 'extending') return fail('INVALID_STATE')

    // 5. the reason
    const needsReason = req.who === 'SUPPORT' || (req.who === 'MITRA' && this.flags.early_end_reason_required)
    if (req.reason === undefined) {
      if (needsReason) return fail('REASON_REQUIRED')
      if (req.note !== undefined) return fail('INVALID_INPUT') // a note on its own (choice)
    } else {
      if (!this.flags.early_end_reason_codes.includes(req.reason)) return fail('INVALID_INPUT')
      if (req.reason === 'other' && (req.note ?? '').trim() === '') return fail('INVALID_INPUT') // blank counts as empty (choice)
    }

    // 6. the daily cap, mitras only
    const day = this.today()
    const k = capKey(s.mitra, day)
    let countAfter: number | null = null
    let overCap = false
    let review: string | null = null
    let reviewOpened = false
    if (req.who === 'MITRA') {
      countAfter = (this.counts.get(k) ?? 0) + 1
      const cap = this.flags.early_end_mitra_daily_cap
      overCap = countAfter > cap
      if (overCap && this.flags.early_end_mitra_over_cap_action === 'block') return fail('DAILY_CAP_REACHED')
      if (countAfter >= cap) {
        // reaching the cap opens the day's review; past it, the early end joins it, even once
        // resolved (one review per mitra and day), and opens it when the cap was lowered
        // below the count meanwhile (choice)
        reviewOpened = !this.reviews.has(k)
        review = reviewOpened && req.dryRun ? null : k
      }
    }

    const graceEndsAt = this.now + this.flags.closing_grace_seconds * 1000
    const answer: EndAnswer = { session: req.session, replayed: false, dryRun: req.dryRun, day, graceEndsAt, overCap, review, reviewOpened, countAfter }
    // 8. a dry run writes nothing
    if (req.dryRun) return ok(answer)

    if (countAfter !== null) {
      this.counts.set(k, countAfter)
      this.capThen.set(k, this.flags.early_end_mitra_daily_cap)
      this.lastEndAt.set(k, this.now)
    }
    if (review !== null) {
      if (!this.reviews.has(k)) this.reviews.set(k, { mitra: s.mitra, day, status: 'open', sessions: [] })
      this.reviews.get(k)!.sessions.push(req.session)
    }
    s.status = 'closing'
    s.graceEndsAt = graceEndsAt
    s.closure = {
      kind: 'early_end',
      initiatedBy: req.who === 'MITRA' ? 'mitra' : req.who === 'CUSTOMER' ? 'customer' : 'support',
      actorId: req.actorId,
      reason: req.reason ?? null,
      note: req.note ?? null,
      day,
      overCap,
      review,
      key: req.key ?? null,
      createdAt: this.now,
      graceEndsAt,
      finalizedAt: null,
    }
    if (req.key !== undefined) this.keys.set(req.key, { session: req.session, who: req.who, actorId: req.actorId, answer })
    return ok(answer)
  }

  /** One goodbye per side, by the session's own mitra or customer, while its closing window is open. */
  goodbye(session: number | null, who: Who, actorId: string, message: string): Outcome<Side> {
    if (message === '' || characters(message) > 1000 || !storable(message) || who === 'SUPPORT') return fail('INVALID_INPUT')
    if (session === null) return fail('SESSION_NOT_FOUND')
    const s = this.sessions[session]!
    const side: Side = who === 'MITRA' ? 'mitra' : 'customer'
    if (actorId !== (side === 'mitra' ? s.mitra : s.customer)) return fail('FORBIDDEN')
    if (s.status !== 'closing' || s.graceEndsAt! <= this.now) return fail('INVALID_STATE')
    if (s.goodbyes.includes(side)) return fail('INVALID_STATE')
    s.goodbyes.push(side)
    return ok(side)
  }

  /** Expire what is due, then finalize what is due (a grace of 0 does both in one sweep); the sessions moved, by index. */
  sweep(): { expired: number; finalized: number; expiredIds: number[]; finalizedIds: number[] } {
    const expiredIds = this.expireDue()
    const finalizedIds = this.finalizeDue()
    return { expired: expiredIds.length, finalized: finalizedIds.length, expiredIds, finalizedIds }
  }

  /**
   * A sweep's first step: active and extending sessions past their end go to
   * closing (kind `expired`, by `system`). `skip`: sessions another request
   * holds locked at that moment, which a sweep passes over and the next one
   * takes (choice: PostgreSQL's SKIP LOCKED, so sweepers never wait on each other).
   */
  expireDue(skip: ReadonlySet<number> = new Set()): number[] {
    const grace = this.flags.closing_grace_seconds * 1000
    const expired: number[] = []
    this.sessions.forEach((s, i) => {
      if (skip.has(i) || (s.status !== 'active' && s.status !== 'extending') || s.endsAt > this.now) return
      s.status = 'closing'
      s.graceEndsAt = this.now + grace
      s.closure = {
        kind: 'expired',
        initiatedBy: 'system',
        actorId: null,
        reason: null,
        note: null,
        day: this.today(),
        overCap: false,
        review: null,
        key: null,
        createdAt: this.now,
        graceEndsAt: this.now + grace,
        finalizedAt: null,
      }
      expired.push(i)
    })
    return expired
  }

  /** A sweep's second step: closing sessions whose grace window has passed are closed. */
  finalizeDue(skip: ReadonlySet<number> = new Set()): number[] {
    const finalized: number[] = []
    this.sessions.forEach((s, i) => {
      if (skip.has(i) || s.status !== 'closing' || s.graceEndsAt! > this.now) return
      s.status = 'closed'
      s.closedAt = this.now
      s.closure!.finalizedAt = this.now
      finalized.push(i)
    })
    return finalized
  }

  /** What the mitra app reads at start-up (contract §5). */
  clientConfig(who: Who, actorId: string) {
    const remaining = Math.max(0, this.flags.early_end_mitra_daily_cap - (this.counts.get(capKey(actorId, this.today())) ?? 0))
    return {
      earlyEndEnabled: who === 'SUPPORT' || (who === 'MITRA' ? this.flags.early_end_mitra_enabled : this.flags.early_end_customer_enabled),
      reasonRequired: who === 'SUPPORT' || (who === 'MITRA' && this.flags.early_end_reason_required),
      reasons: [...this.flags.early_end_reason_codes],
      remainingToday: who === 'MITRA' ? remaining : null, // (choice)
    }
  }

  /** A CC review is resolved once. `key` is `mitra|day`, or null for a review that does not exist. */
  resolveReview(key: string | null): Outcome<null> {
    const r = key === null ? undefined : this.reviews.get(key)
    if (r === undefined) return fail('REVIEW_NOT_FOUND')
    if (r.status !== 'open') return fail('INVALID_STATE')
    r.status = 'resolved'
    return ok(null)
  }

  /** Contract §3: typed flags; unknown keys and ill-typed values change nothing. */
  setFlag(key: string, value: unknown): Outcome<null> {
    const valid: Record<keyof ModelFlags, (v: unknown) => boolean> = {
      early_end_mitra_enabled: (v) => typeof v === 'boolean',
      early_end_customer_enabled: (v) => typeof v === 'boolean',
      early_end_reason_required: (v) => typeof v === 'boolean',
      early_end_reason_codes: (v) =>
        Array.isArray(v) && v.length > 0 && new Set(v).size === v.length && v.every((c) => typeof c === 'string' && /^[a-z0-9_]{1,40}$/.test(c)),
      early_end_mitra_daily_cap: (v) => Number.isInteger(v) && (v as number) >= 1,
      early_end_mitra_over_cap_action: (v) => v === 'block' || v === 'allow',
      closing_grace_seconds: (v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 3600,
      business_timezone: (v) => (ZONES as readonly unknown[]).includes(v),
    }
    if (!(key in valid)) return fail('UNKNOWN_FLAG')
    if (!valid[key as keyof ModelFlags](value)) return fail('INVALID_INPUT')
    const flags = this.flags as unknown as Record<string, unknown>
    if (!isDeepStrictEqual(flags[key], value) || !this.#pinned.has(key)) this.audit.push({ key, oldValue: flags[key], newValue: value })
    this.#pinned.add(key)
    flags[key] = value
    // the audit history has times, not commit order: a cap set at the very instant of an early end reads as in force for it
    if (key === 'early_end_mitra_daily_cap') for (const [k, at] of this.lastEndAt) if (at === this.now) this.capThen.set(k, value as number)
    return ok(null)
  }
}
