/**
 * Model-based property test of the session lifecycle and the daily cap (contract
 * §2-§4), on both engines: random sequences of session opens, early ends (right
 * and wrong actors, reasons, notes, idempotency keys and their replays, dry
 * runs), goodbyes, sweeps, review resolutions, flag changes and clock jumps
 * (Jakarta midnight, New York DST changes, grace and scheduled ends to the
 * millisecond), some of them sent at once, run against the library and against
 * the plain model in ./model.ts. After every command the answer (value or
 * HaloError code) and the stored sessions, closures, counters, reviews and flag
 * history must be the model's; after every sequence the invariants of
 * ./data-invariants.ts must hold.
 *
 * Sizes: HALO_PROP_RUNS sequences per engine (default 40) of up to
 * HALO_PROP_COMMANDS commands (default 40), a few seconds per engine. A local
 * soak: `HALO_PROP_RUNS=1000 npx vitest run test/properties/lifecycle-model.test.ts`.
 * A failure prints the seed, the path and the shrunk commands with their
 * replayPath; rerun exactly that case, on the engine that failed, with the same
 * sizes and `HALO_PROP_SEED=<seed> HALO_PROP_PATH=<path> HALO_PROP_REPLAY=<replayPath>
 * npx vitest run test/properties/lifecycle-model.test.ts -t postgres` (or `-t sqlite`).
 */
import type { FlagKey } from '../../src/config/flag-registry.js'
import { isDeepStrictEqual } from 'node:util'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  HaloError,
  UserType,
  createClosureService,
  createReportService,
  openDatabase,
  type ClosureService,
  type EarlyEndResult,
  type HaloDatabase,
  type ReportService,
} from '../../src/index.js'
import { ENGINES, setup, type Setup } from '../support/engines.js'
import { TABLES, type TableName } from '../support/fixtures.js'
import { dataInvariantViolations } from './data-invariants.js'
import {
  DEFAULT_FLAGS,
  LifecycleModel,
  NOTE_MAX,
  ZONES,
  type EndAnswer,
  type EndRequest,
  type ModelClosure,
  type ModelFlags,
  type Outcome,
  type Who,
} from './model.js'

/** An environment variable, unset when empty. */
const env = (name: string) => process.env[name] || undefined
const RUNS = Number(env('HALO_PROP_RUNS') ?? 40)
const MAX_COMMANDS = Number(env('HALO_PROP_COMMANDS') ?? 40)
const SEED = env('HALO_PROP_SEED') === undefined ? undefined : Number(env('HALO_PROP_SEED'))
const PATH = env('HALO_PROP_PATH')
const REPLAY = env('HALO_PROP_REPLAY')

const MITRAS = ['m-1', 'm-2', 'm-3'] as const
const CUSTOMERS = ['c-1', 'c-2', 'c-3'] as const
const MISSING_SESSION = 1_000_000
const HOUR = 3_600_000

interface Real {
  readonly t: Setup
  readonly report: ReportService
  /** The same database through a second handle (a second SQLite connection, a second PostgreSQL pool). */
  readonly second: ClosureService
  /** Real session id of each model session, by model index. */
  readonly ids: number[]
}

type Cmd = fc.AsyncCommand<LifecycleModel, Real, false>

/** Either the value or the HaloError code; anything else thrown is a bug and fails the run. */
async function outcomeOf<T>(p: Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await p }
  } catch (e) {
    if (e instanceof HaloError) return { ok: false, code: e.code }
    throw e
  }
}

/** Text for a counterexample: JSON, long runs cut short. */
const shown = (text: string | undefined) =>
  text === undefined ? 'undefined' : JSON.stringify(text.length > 40 ? `${text.slice(0, 6)}…(${text.length} UTF-16 units)` : text)

const iso = (t: number | string | null) => (t === null ? null : new Date(t).toISOString())

function closureView(c: ModelClosure | null) {
  if (c === null) return null
  return {
    kind: c.kind,
    initiatedBy: c.initiatedBy,
    actorId: c.actorId,
    reason: c.reason,
    note: c.note,
    day: c.day,
    overCap: c.overCap,
    review: c.review,
    key: c.key,
    createdAt: iso(c.createdAt),
    graceEndsAt: iso(c.graceEndsAt),
    finalizedAt: iso(c.finalizedAt),
  }
}

/** The model's sessions, counters and reviews in the shape `observe` reads them. */
function expected(model: LifecycleModel) {
  return {
    sessions: model.sessions.map((s) => ({
      status: s.status,
      graceEndsAt: iso(s.graceEndsAt),
      closedAt: iso(s.closedAt),
      goodbyes: [...s.goodbyes].sort(),
      closure: closureView(s.closure),
    })),
    counts: Object.fromEntries([...model.counts].filter(([, n]) => n > 0).sort()),
    reviews: Object.fromEntries(
      [...model.reviews].sort().map(([k, r]) => [k, { mitra: r.mitra, day: r.day, status: r.status, sessions: [...r.sessions].sort((a, b) => a - b) }]),
    ),
  }
}

/** The stored sessions, closures, counters and reviews, keyed like the model. */
async function observe(real: Real) {
  const db = real.t.handle.db
  const index = new Map(real.ids.map((id, i) => [id, i]))
  const sessions = await db.selectFrom('sessions').selectAll().orderBy('id').execute()
  const closures = await db.selectFrom('session_closures').selectAll().execute()
  const goodbyes = await db.selectFrom('session_goodbyes').selectAll().execute()
  const counts = await db.selectFrom('mitra_daily_counts').selectAll().execute()
  const reviews = await db.selectFrom('cc_reviews').selectAll().execute()
  const reviewKey = new Map(reviews.map((r) => [r.id, `${r.mitra_id}|${r.business_day}`]))
  const byReview = (id: number) => closures.filter((c) => c.review_id === id).map((c) => index.get(c.session_id) ?? -1)
  return {
    reviewKey,
    state: {
      sessions: sessions.map((s) => {
        const c = closures.find((x) => x.session_id === s.id)
        return {
          status: s.status,
          graceEndsAt: iso(s.grace_ends_at),
          closedAt: iso(s.closed_at),
          goodbyes: goodbyes
            .filter((g) => g.session_id === s.id)
            .map((g) => g.side)
            .sort(),
          closure:
            c === undefined
              ? null
              : {
                  kind: c.kind,
                  initiatedBy: c.initiated_by,
                  actorId: c.actor_id,
                  reason: c.reason,
                  note: c.reason_note,
                  day: c.business_day,
                  overCap: Boolean(c.over_cap),
                  review: c.review_id === null ? null : (reviewKey.get(c.review_id) ?? `missing review ${c.review_id}`),
                  key: c.idempotency_key,
                  createdAt: iso(c.created_at),
                  graceEndsAt: iso(c.grace_ends_at),
                  finalizedAt: iso(c.finalized_at),
                },
        }
      }),
      counts: Object.fromEntries(
        counts
          .filter((r) => Number(r.early_end_count) > 0)
          .map((r) => [`${r.mitra_id}|${r.business_day}`, Number(r.early_end_count)])
          .sort(),
      ),
      reviews: Object.fromEntries(
        reviews
          .map((r) => [
            `${r.mitra_id}|${r.business_day}`,
            { mitra: r.mitra_id, day: r.business_day, status: r.status, sessions: byReview(r.id).sort((a, b) => a - b) },
          ])
          .sort(),
      ),
      closuresWithoutSession: closures.filter((c) => !index.has(c.session_id)).length,
    },
  }
}

/** After every command: the stored data is what the model says. */
async function compareState(model: LifecycleModel, real: Real, after: string): Promise<Map<number, string>> {
  const seen = await observe(real)
  expect(seen.state, `stored data after ${after}`).toEqual({ ...expected(model), closuresWithoutSession: 0 })
  return seen.reviewKey
}

/** Which session a command acts on: the nth live (active or extending), closing or any session, or one that does not exist. */
interface Target {
  readonly among: 'live' | 'closing' | 'any' | 'missing'
  readonly n: number
}

const targetText = (t: Target) => (t.among === 'missing' ? 'missing' : `${t.among}#${t.n}`)

/** The model index of the target; a live or closing target falls back to any session when there is none. */
function sessionOf(model: LifecycleModel, target: Target): number | null {
  if (target.among === 'missing' || model.sessions.length === 0) return null
  const all = model.sessions.map((_, i) => i)
  const wanted = target.among === 'live' ? ['active', 'extending'] : target.among === 'closing' ? ['closing'] : null
  const some = wanted === null ? all : all.filter((i) => wanted.includes(model.sessions[i]!.status))
  const from = some.length > 0 ? some : all
  return from[target.n % from.length]!
}

function actorFor(model: LifecycleModel, session: number | null, who: Who, own: boolean): string {
  if (who === 'SUPPORT') return own ? 'ops-1' : 'ops-2'
  const list: readonly string[] = who === 'MITRA' ? MITRAS : CUSTOMERS
  if (session === null) return list[0]!
  const s = model.sessions[session]!
  const mine = who === 'MITRA' ? s.mitra : s.customer
  return own ? mine : list.find((x) => x !== mine)!
}

// ---------------------------------------------------------------- commands

class OpenSession implements Cmd {
  constructor(
    readonly mitra: string,
    readonly customer: string,
    readonly minutes: number,
    readonly status: 'active' | 'extending',
  ) {}
  check = () => true
  async run(model: LifecycleModel, real: Real) {
    const s = await real.t.closures.openSession({ mitraId: this.mitra, customerId: this.customer, durationMinutes: this.minutes, status: this.status })
    model.open(this.mitra, this.customer, this.minutes, this.status)
    real.ids.push(s.id)
    expect(s.status).toBe(this.status)
    await compareState(model, real, this.toString())
  }
  toString = () => `open(${this.mitra}, ${this.customer}, ${this.minutes}min, ${this.status})`
}

/** Sends the early end `req` describes to the library, through `via` (default: the first handle). */
function sendEnd(real: Real, req: EndRequest, via: ClosureService = real.t.closures): Promise<Outcome<EarlyEndResult>> {
  const input = {
    actorId: req.actorId,
    ...(req.reason === undefined ? {} : { reason: req.reason }),
    ...(req.note === undefined ? {} : { note: req.note }),
    ...(req.key === undefined ? {} : { idempotencyKey: req.key }),
    ...(req.dryRun ? { dryRun: true } : {}),
  }
  const id = req.session === null ? MISSING_SESSION : real.ids[req.session]!
  return outcomeOf(via.initiateEarlyEnd(id, UserType[req.who], input))
}

const requestText = (req: EndRequest) => `session #${req.session} as ${req.who} ${req.actorId}`

/**
 * The closure an early end returned is the one stored for its session (none on
 * a fresh dry run). `later`: a request sent at the same time may have finalized it since.
 */
function checkReturnedClosure(
  r: EarlyEndResult,
  model: LifecycleModel,
  real: Real,
  req: EndRequest,
  reviewKey: Map<number, string>,
  what: string,
  later = false,
) {
  expect(r.status).toBe('closing')
  expect(r.closure === null, `closure returned by ${what}`).toBe(r.dryRun && !r.replayed)
  if (r.closure === null) return
  // who the database authenticated is not the model's: test/audit and test/postgres/roles.test.ts prove it
  const { id: _id, sessionId, businessDay, reasonNote, reviewId, idempotencyKey, authenticatedAs: _who, ...rest } = r.closure
  expect(sessionId).toBe(real.ids[req.session!])
  const stored = closureView(model.sessions[req.session!]!.closure)
  expect(
    {
      ...rest,
      day: businessDay,
      note: reasonNote,
      review: reviewId === null ? null : reviewKey.get(reviewId),
      key: idempotencyKey,
      createdAt: iso(rest.createdAt),
      graceEndsAt: iso(rest.graceEndsAt),
      finalizedAt: later ? stored?.finalizedAt : iso(rest.finalizedAt),
    },
    `closure returned by ${what}`,
  ).toEqual(stored)
}

/** Runs one early end on the model and the library, and compares the answers and the stored data. */
async function endOnBoth(model: LifecycleModel, real: Real, req: EndRequest, what: string): Promise<void> {
  const want = model.earlyEnd(req)
  const got = await sendEnd(real, req)
  what = `${what} on ${requestText(req)}`
  const reviewKey = await compareState(model, real, what)
  expect(got.ok ? { ok: true, value: answerOf(got.value, real, reviewKey) } : got, what).toEqual(want)
  if (got.ok) checkReturnedClosure(got.value, model, real, req, reviewKey, what)
}

class EarlyEnd implements Cmd {
  constructor(
    readonly target: Target,
    readonly who: Who,
    readonly ownActor: boolean,
    readonly reason: string | undefined,
    readonly note: string | undefined,
    readonly key: string | undefined,
    readonly dryRun: boolean,
  ) {}
  check = () => true
  request(model: LifecycleModel): EndRequest {
    const session = sessionOf(model, this.target)
    const actorId = actorFor(model, session, this.who, this.ownActor)
    return { session, who: this.who, actorId, reason: this.reason, note: this.note, key: this.key, dryRun: this.dryRun }
  }
  async run(model: LifecycleModel, real: Real) {
    await endOnBoth(model, real, this.request(model), this.toString())
  }
  toString = () => {
    const options = `reason=${shown(this.reason)}, note=${shown(this.note)}, key=${shown(this.key)}, dryRun=${this.dryRun}`
    return `end(${targetText(this.target)}, ${this.who}, ${this.ownActor ? 'own' : 'other'}, ${options})`
  }
}

/**
 * Sends early ends (and maybe sweeps) at once. The library may interleave
 * them, but the outcome must be that of one order of atomic steps: each early
 * end is one, a sweep is two (expire, then finalize), and a sweep step may pass
 * over a session a concurrent early end holds locked, or over all it would take
 * when another sweep's step has them locked. The model searches the
 * orders for one whose answers and stored data match, and keeps it.
 */
class AtOnce implements Cmd {
  constructor(readonly parts: readonly (EarlyEnd | Sweep)[]) {}
  check = () => true
  async run(model: LifecycleModel, real: Real) {
    const reqs = this.parts.map((p) => (p instanceof EarlyEnd ? p.request(model) : null))
    // alternately through the two handles
    const via = (i: number) => (i % 2 === 0 ? real.t.closures : real.second)
    const sent = await Promise.all(reqs.map((req, i) => (req === null ? outcomeOf(via(i).sweep().then(sweepCounts)) : sendEnd(real, req, via(i)))))
    const seen = await observe(real)
    const got = sent.map((o, i) => (o.ok && reqs[i] !== null ? { ok: true, value: answerOf(o.value as EarlyEndResult, real, seen.reviewKey) } : o))
    const match = explain(
      model,
      reqs,
      (m, answers) => isDeepStrictEqual(got, answers) && isDeepStrictEqual(seen.state, { ...expected(m), closuresWithoutSession: 0 }),
    )
    if (match !== undefined) {
      model.restore(match)
      sent.forEach((o, i) => {
        if (o.ok && reqs[i] !== null) checkReturnedClosure(o.value as EarlyEndResult, model, real, reqs[i]!, seen.reviewKey, this.toString(), true)
      })
      return
    }
    // no order explains it: show the difference from the order sent
    const m = model.copy()
    const answers = reqs.map((r) => (r === null ? { ok: true, value: sweepCounts(m.sweep()) } : m.earlyEnd(r)))
    const what = `${this.toString()} on ${reqs.map((r) => (r === null ? 'sweep' : requestText(r))).join(' | ')}: no order explains it; in the order sent`
    expect({ answers: got, state: seen.state }, what).toEqual({ answers, state: { ...expected(m), closuresWithoutSession: 0 } })
  }
  toString = () => `atOnce(${this.parts.map(String).join(' | ')})`
}

type AtomicStep = { readonly part: number; readonly step: 'end' | 'expire' | 'finalize' }

/**
 * The first model state, reached by running `reqs` (null: a sweep) on a copy
 * of `model` in some order of atomic steps, that `fits` with the answers in
 * request order; undefined when none does.
 */
function explain(
  model: LifecycleModel,
  reqs: readonly (EndRequest | null)[],
  fits: (m: LifecycleModel, answers: unknown[]) => boolean,
): LifecycleModel | undefined {
  const steps: AtomicStep[] = reqs.flatMap((r, part): AtomicStep[] =>
    r === null
      ? [
          { part, step: 'expire' },
          { part, step: 'finalize' },
        ]
      : [{ part, step: 'end' }],
  )
  const contended = [...new Set(reqs.flatMap((r) => (r === null || r.session === null ? [] : [r.session])))]
  const skips = subsets(contended).map((s) => new Set(s))
  // a sweep step running beside another sweep's may find every due row locked by it
  if (reqs.filter((r) => r === null).length > 1) skips.push(new Set(model.sessions.keys()))
  for (const order of permutations(steps.length)) {
    const ordered = order.map((i) => steps[i]!)
    // a sweep finalizes after it expires
    if (ordered.some((a, i) => a.step === 'finalize' && !ordered.slice(0, i).some((b) => b.part === a.part && b.step === 'expire'))) continue
    const sweepSteps = ordered.filter((a) => a.step !== 'end').length
    for (const choice of product(skips, sweepSteps)) {
      const m = model.copy()
      const answers: unknown[] = reqs.map((r) => (r === null ? { ok: true, value: { expired: 0, finalized: 0 } } : undefined))
      let k = 0
      for (const a of ordered) {
        if (a.step === 'end') answers[a.part] = m.earlyEnd(reqs[a.part]!)
        else {
          const sweep = (answers[a.part] as { value: { expired: number; finalized: number } }).value
          if (a.step === 'expire') sweep.expired += m.expireDue(choice[k++]).length
          else sweep.finalized += m.finalizeDue(choice[k++]).length
        }
      }
      if (fits(m, answers)) return m
    }
  }
  return undefined
}

function subsets<T>(items: readonly T[]): T[][] {
  return items.reduce<T[][]>((all, x) => [...all, ...all.map((s) => [...s, x])], [[]])
}

/** Every sequence of `n` picks from `options`. */
function product<T>(options: readonly T[], n: number): T[][] {
  return n === 0 ? [[]] : product(options, n - 1).flatMap((rest) => options.map((o) => [o, ...rest]))
}

function permutations(n: number): number[][] {
  if (n === 0) return [[]]
  return permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, at) => [...p.slice(0, at), n - 1, ...p.slice(at)]))
}

/** Sends an idempotency key that an earlier early end wrote: the same request again, or the key on another session or actor. */
class ReplayEnd implements Cmd {
  constructor(
    readonly n: number,
    readonly variant: 'same' | 'same, dry run' | 'other session' | 'other actor',
  ) {}
  check = (m: Readonly<LifecycleModel>) => m.keys.size > 0
  async run(model: LifecycleModel, real: Real) {
    const used = [...model.keys]
    const [key, first] = used[this.n % used.length]!
    let { session, who, actorId }: { session: number | null; who: Who; actorId: string } = first
    if (this.variant === 'other session') session = model.sessions.length > 1 ? (first.session + 1) % model.sessions.length : null
    if (this.variant === 'other actor') [who, actorId] = who === 'SUPPORT' ? ['SUPPORT', `${actorId}-x`] : ['SUPPORT', 'ops-1']
    await endOnBoth(model, real, { session, who, actorId, reason: 'customer_left', key, dryRun: this.variant === 'same, dry run' }, this.toString())
  }
  toString = () => `replay(key #${this.n}, ${this.variant})`
}

function answerOf(r: EarlyEndResult, real: Real, reviewKey: Map<number, string>): EndAnswer {
  return {
    session: real.ids.indexOf(r.sessionId),
    replayed: r.replayed,
    dryRun: r.dryRun,
    day: r.businessDay,
    graceEndsAt: Date.parse(r.graceEndsAt),
    overCap: r.overCap,
    review: r.reviewId === null ? null : (reviewKey.get(r.reviewId) ?? `missing review ${r.reviewId}`),
    reviewOpened: r.reviewOpened,
    countAfter: r.mitraCountToday,
  }
}

class Goodbye implements Cmd {
  constructor(
    readonly target: Target,
    readonly who: Who,
    readonly ownActor: boolean,
    readonly message: string,
  ) {}
  check = () => true
  async run(model: LifecycleModel, real: Real) {
    const session = sessionOf(model, this.target)
    const actorId = actorFor(model, session, this.who, this.ownActor)
    const id = session === null ? MISSING_SESSION : real.ids[session]!
    const want = model.goodbye(session, this.who, actorId, this.message)
    const got = await outcomeOf(real.t.closures.postGoodbye(id, UserType[this.who], { actorId, message: this.message }))
    const what = `${this.toString()} on session #${session} as ${actorId}`
    expect(got.ok ? { ok: true, value: got.value.side } : got, what).toEqual(want)
    if (got.ok) expect(got.value).toMatchObject({ actorId, message: this.message, at: iso(model.now) })
    await compareState(model, real, what)
  }
  toString = () => `goodbye(${targetText(this.target)}, ${this.who}, ${this.ownActor ? 'own' : 'other'}, ${shown(this.message)})`
}

class ClientConfig implements Cmd {
  constructor(
    readonly who: Who,
    readonly actorId: string,
  ) {}
  check = () => true
  async run(model: LifecycleModel, real: Real) {
    const got = await real.t.closures.clientConfig(UserType[this.who], this.actorId)
    expect(got, this.toString()).toEqual(model.clientConfig(this.who, this.actorId))
  }
  toString = () => `clientConfig(${this.who}, ${this.actorId})`
}

class ResolveReview implements Cmd {
  constructor(
    readonly n: number,
    readonly outcome: 'cleared' | 'warned' | 'suspended',
    readonly missing: boolean,
  ) {}
  check = () => true
  async run(model: LifecycleModel, real: Real) {
    const keys = [...model.reviews.keys()].sort()
    const key = this.missing || keys.length === 0 ? null : keys[this.n % keys.length]!
    const seen = await observe(real)
    const id = key === null ? MISSING_SESSION : [...seen.reviewKey].find(([, k]) => k === key)![0]
    const want = model.resolveReview(key)
    const got = await outcomeOf(real.t.reviews.resolve(id, { outcome: this.outcome, actor: 'cc-1' }))
    expect(got.ok ? { ok: true, value: null } : got, `${this.toString()} on ${key}`).toEqual(want)
    await compareState(model, real, this.toString())
  }
  toString = () => `resolve(${this.missing ? 'missing' : `review #${this.n}`}, ${this.outcome})`
}

/**
 * What people and the backend read, against the model: one session with its
 * closure and goodbyes, the review list, and today's cap and closure reports.
 */
class Look implements Cmd {
  constructor(readonly target: Target) {}
  check = () => true
  async run(model: LifecycleModel, real: Real) {
    const what = this.toString()
    const session = sessionOf(model, this.target)
    const seen = await observe(real)
    const keyOf = (id: number | null) => (id === null ? null : (seen.reviewKey.get(id) ?? `missing review ${id}`))
    if (session !== null) {
      const s = await real.t.closures.getSession(real.ids[session]!)
      const m = model.sessions[session]!
      const c = s.closure
      expect(
        {
          status: s.status,
          graceEndsAt: iso(s.graceEndsAt),
          closedAt: iso(s.closedAt),
          goodbyes: s.goodbyes.map((g) => g.side).sort(),
          closure: c && {
            kind: c.kind,
            initiatedBy: c.initiatedBy,
            actorId: c.actorId,
            reason: c.reason,
            note: c.reasonNote,
            day: c.businessDay,
            overCap: c.overCap,
            review: keyOf(c.reviewId),
            key: c.idempotencyKey,
            createdAt: iso(c.createdAt),
            graceEndsAt: iso(c.graceEndsAt),
            finalizedAt: iso(c.finalizedAt),
          },
        },
        `getSession in ${what}`,
      ).toEqual(expected(model).sessions[session])
      expect({ mitraId: s.mitraId, customerId: s.customerId, endsAt: iso(s.endsAt) }).toEqual({
        mitraId: m.mitra,
        customerId: m.customer,
        endsAt: iso(m.endsAt),
      })
    }

    const reviews = await real.t.reviews.list({ limit: 100_000 })
    const byKey = (a: { key: string }, b: { key: string }) => a.key.localeCompare(b.key)
    expect(
      reviews.map((r) => ({ key: `${r.mitraId}|${r.businessDay}`, status: r.status, earlyEnds: r.earlyEnds, trigger: r.trigger })).sort(byKey),
      `reviews.list in ${what}`,
    ).toEqual([...model.reviews].map(([key, r]) => ({ key, status: r.status, earlyEnds: r.sessions.length, trigger: 'daily_cap_reached' })).sort(byKey))

    const today = model.today()
    const cap = model.flags.early_end_mitra_daily_cap
    const todays = [...model.counts].filter(([k, n]) => k.endsWith(`|${today}`) && n > 0)
    // each mitra judged by the cap in force at their last early end of the day (issue 19), or marked over
    const standings = todays
      .map(([k, count]) => {
        const capThen = model.capThen.get(k) ?? cap
        const mitraId = k.split('|')[0]!
        const markedOver = model.sessions.some((m) => m.mitra === mitraId && m.closure?.day === today && m.closure.overCap)
        return {
          mitraId,
          count,
          remaining: Math.max(0, cap - count),
          standing: markedOver || count > capThen ? 'over' : count === capThen ? 'at' : 'under',
          capThen,
          reviewId: model.reviews.has(k) ? k : null,
          reviewStatus: model.reviews.get(k)?.status ?? null,
        }
      })
      .sort((a, b) => a.mitraId.localeCompare(b.mitraId))
    const { capsInForce: _caps, actionsInForce: _actions, ...capReport } = await real.report.cap()
    expect(
      { ...capReport, rows: capReport.rows.map((r) => ({ ...r, reviewId: keyOf(r.reviewId) })).sort((a, b) => a.mitraId.localeCompare(b.mitraId)) },
      `report cap in ${what}`,
    ).toEqual({
      day: today,
      cap,
      overCapAction: model.flags.early_end_mitra_over_cap_action,
      rows: standings,
      atOrOver: standings.filter((r) => r.standing !== 'under').length,
    })

    const byInitiator = await real.report.closures('initiator', { from: today, to: today })
    const wanted: Record<string, number> = {}
    for (const m of model.sessions) if (m.closure?.day === today) wanted[m.closure.initiatedBy] = (wanted[m.closure.initiatedBy] ?? 0) + 1
    expect(
      { total: byInitiator.total, rows: Object.fromEntries(byInitiator.rows.map((r) => [r.key, r.count])) },
      `report closures by initiator in ${what}`,
    ).toEqual({ total: Object.values(wanted).reduce((a, b) => a + b, 0), rows: wanted })
  }
  toString = () => `look(${targetText(this.target)})`
}

/** What concurrent sweeps are compared on: how many sessions each moved (which ones depends on the order found). */
const sweepCounts = (r: { expired: number; finalized: number }) => ({ expired: r.expired, finalized: r.finalized })

class Sweep implements Cmd {
  check = () => true
  async run(model: LifecycleModel, real: Real) {
    const want = model.sweep()
    const got = await real.t.closures.sweep()
    // the sessions moved, by their index in the model, in id order
    const indices = (ids: readonly number[]) => ids.map((id) => real.ids.indexOf(id)).sort((a, b) => a - b)
    expect({ ...got, expiredIds: indices(got.expiredIds), finalizedIds: indices(got.finalizedIds) }, this.toString()).toEqual(want)
    await compareState(model, real, this.toString())
  }
  toString = () => 'sweep()'
}

class SetFlag implements Cmd {
  constructor(
    readonly key: string,
    readonly value: unknown,
  ) {}
  check = () => true
  async run(model: LifecycleModel, real: Real) {
    const want = model.setFlag(this.key, this.value)
    const got = await outcomeOf(real.t.config.set(this.key as FlagKey, this.value as never, { actor: 'prop-ops' }))
    expect(got.ok ? { ok: true, value: null } : got, this.toString()).toEqual(want)
    expect(await real.t.config.all(), `flags after ${this.toString()}`).toMatchObject(model.flags)
    const history = (await real.t.config.history(undefined, 10_000)).map(({ key, oldValue, newValue }) => ({ key, oldValue, newValue }))
    expect(history.reverse(), `flag history after ${this.toString()}`).toEqual(model.audit)
  }
  toString = () => `flag(${this.key} = ${JSON.stringify(this.value)})`
}

/** Moves the clock forward, never back: both the model's and the library's. */
abstract class ClockCommand implements Cmd {
  check = () => true
  abstract target(model: LifecycleModel): number | null
  async run(model: LifecycleModel, real: Real) {
    const to = this.target(model)
    if (to === null || to <= model.now) return
    model.now = to
    real.t.clock.set(new Date(to))
  }
  abstract toString(): string
}

class Step extends ClockCommand {
  constructor(readonly ms: number) {
    super()
  }
  target = (m: LifecycleModel) => m.now + this.ms
  toString = () => `advance(${this.ms}ms)`
}

/** To the next hh:00:00Z (17:00Z is the Jakarta midnight; 04:00Z/05:00Z the New York one in summer/winter), give or take a little. */
class ToUtcHour extends ClockCommand {
  constructor(
    readonly hour: number,
    readonly deltaMs: number,
  ) {
    super()
  }
  target = (m: LifecycleModel) => {
    const d = new Date(m.now)
    let t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), this.hour) + this.deltaMs
    while (t <= m.now) t += 24 * HOUR
    return t
  }
  toString = () => `to(${String(this.hour).padStart(2, '0')}:00Z ${this.deltaMs >= 0 ? '+' : ''}${this.deltaMs}ms)`
}

/** To a session's grace end or scheduled end, give or take a millisecond. */
class ToDeadline extends ClockCommand {
  constructor(
    readonly which: 'grace' | 'end',
    readonly pick: number,
    readonly deltaMs: number,
  ) {
    super()
  }
  target = (m: LifecycleModel) => {
    const due =
      this.which === 'grace'
        ? m.sessions.filter((s) => s.status === 'closing').map((s) => s.graceEndsAt!)
        : m.sessions.filter((s) => s.status === 'active' || s.status === 'extending').map((s) => s.endsAt)
    return due.length === 0 ? null : due[this.pick % due.length]! + this.deltaMs
  }
  toString = () => `to(${this.which} of #${this.pick} ${this.deltaMs >= 0 ? '+' : ''}${this.deltaMs}ms)`
}

// ------------------------------------------------------------ arbitraries

/** Mostly well-formed requests, so that sequences get far enough to reach the cap and replay keys. */
const weighted = <T>(...pairs: [number, T][]) => fc.oneof(...pairs.map(([weight, v]) => ({ weight, arbitrary: fc.constant(v) })))

const reasonArb = weighted<string | undefined>(
  [6, 'customer_left'],
  [4, 'customer_abusive'],
  [4, 'out_of_scope'],
  [3, 'other'],
  [2, undefined],
  [1, 'not_a_code'],
  [1, 'Customer_Left'],
  [1, 'spam'], // a code only some lists below offer
)
const noteArb = weighted<string | undefined>(
  [24, undefined],
  [8, 'pelanggan tidak membalas'],
  [1, 'Catatan: “kasar” 🙏\nbaris dua\t"kutip" \\ selesai'],
  [1, ''],
  [1, '   '],
  [1, 'x'.repeat(NOTE_MAX)],
  [1, 'x'.repeat(NOTE_MAX + 1)],
  [1, `${'x'.repeat(NOTE_MAX - 1)}🙏`], // 500 characters, 501 UTF-16 units
  [1, '🙏'.repeat(NOTE_MAX + 1)],
  [1, 'nul \u0000 inside'],
  [1, 'lone \ud800 surrogate'],
)
const keyArb = fc.oneof(
  { weight: 16, arbitrary: fc.constant(undefined) },
  { weight: 8, arbitrary: fc.nat(40).map((n) => `k-${n}`) },
  // two keys that differ only in a lone surrogate, and a NUL
  { weight: 1, arbitrary: fc.constantFrom('k-\udc00', 'k-\udc01', 'k-\u0000') },
)
const ownArb = weighted([8, true], [1, false])

const targetArb = (live: 'live' | 'closing') => fc.record({ among: weighted<Target['among']>([6, live], [3, 'any'], [1, 'missing']), n: fc.nat(50) })

const openArb = fc
  .record({
    mitra: weighted([3, 'm-1'], [2, 'm-2'], [1, 'm-3']),
    customer: fc.constantFrom(...CUSTOMERS),
    minutes: fc.oneof(fc.constantFrom(1, 5, 30, 60, 1440), fc.integer({ min: 1, max: 1440 })),
    status: fc.constantFrom('active' as const, 'extending' as const),
  })
  .map((r) => new OpenSession(r.mitra, r.customer, r.minutes, r.status))

const endArb = (target: fc.Arbitrary<Target>, key: fc.Arbitrary<string | undefined>) =>
  fc
    .record({
      target,
      who: weighted<Who>([6, 'MITRA'], [2, 'CUSTOMER'], [2, 'SUPPORT']),
      own: ownArb,
      reason: reasonArb,
      note: noteArb,
      key,
      dryRun: weighted([5, false], [1, true]),
    })
    .map((r) => new EarlyEnd(r.target, r.who, r.own, r.reason, r.note, r.key, r.dryRun))

/** For requests sent at once: the same one or two live sessions and a few keys, so that they contend. */
const sameFewArb = fc.record({ among: weighted<Target['among']>([9, 'live'], [1, 'any']), n: fc.nat(1) })
const fewKeysArb = weighted<string | undefined>([2, undefined], [1, 'race-1'], [1, 'race-2'])

const commandArb: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 6, arbitrary: openArb },
  { weight: 12, arbitrary: endArb(targetArb('live'), keyArb) },
  {
    weight: 2,
    arbitrary: fc
      .array(fc.oneof({ weight: 6, arbitrary: endArb(sameFewArb, fewKeysArb) }, { weight: 1, arbitrary: fc.constant(new Sweep()) }), {
        minLength: 2,
        maxLength: 3,
      })
      .map((parts) => new AtOnce(parts)),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.nat(10), weighted<ReplayEnd['variant']>([3, 'same'], [1, 'same, dry run'], [1, 'other session'], [1, 'other actor']))
      .map(([n, v]) => new ReplayEnd(n, v)),
  },
  {
    weight: 3,
    arbitrary: fc
      .record({
        target: targetArb('closing'),
        who: weighted<Who>([3, 'MITRA'], [3, 'CUSTOMER'], [1, 'SUPPORT']),
        own: ownArb,
        message: weighted([6, 'terima kasih'], [2, 'sampai jumpa 👋'], [1, ''], [1, 'nul \u0000'], [1, '👋'.repeat(1000)]),
      })
      .map((r) => new Goodbye(r.target, r.who, r.own, r.message)),
  },
  { weight: 2, arbitrary: fc.constant(new Sweep()) },
  { weight: 2, arbitrary: targetArb('closing').map((t) => new Look(t)) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.nat(10), fc.constantFrom('cleared' as const, 'warned' as const, 'suspended' as const), weighted([5, false], [1, true]))
      .map(([n, o, m]) => new ResolveReview(n, o, m)),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(weighted<Who>([4, 'MITRA'], [1, 'CUSTOMER'], [1, 'SUPPORT']), fc.constantFrom(...MITRAS, ...CUSTOMERS))
      .map(([w, a]) => new ClientConfig(w, a)),
  },
  {
    weight: 3,
    arbitrary: fc
      .oneof(
        fc.tuple(fc.constant('early_end_mitra_enabled'), weighted([3, true], [1, false])),
        fc.tuple(fc.constantFrom('early_end_customer_enabled', 'early_end_reason_required'), fc.boolean()),
        fc.tuple(fc.constant('early_end_mitra_daily_cap'), fc.integer({ min: 1, max: 4 })),
        fc.tuple(fc.constant('early_end_mitra_over_cap_action'), fc.constantFrom('block', 'allow')),
        fc.tuple(fc.constant('closing_grace_seconds'), fc.oneof(fc.constantFrom(0, 1, 60, 300, 600), fc.integer({ min: 0, max: 600 }))),
        fc.tuple(fc.constant('business_timezone'), fc.constantFrom(...ZONES)),
        fc.tuple(
          fc.constant('early_end_reason_codes'),
          fc.constantFrom<readonly string[]>(
            DEFAULT_FLAGS.early_end_reason_codes,
            ['customer_left', 'other'],
            ['customer_left', 'out_of_scope', 'spam'],
            ['other'],
          ),
        ),
        // refused, changing nothing
        fc.constantFrom<[string, unknown]>(
          ['early_end_mitra_daily_cap', 0],
          ['closing_grace_seconds', 3601],
          ['business_timezone', 'Mars/Olympus'],
          ['early_end_mitra_enabled', 1],
          ['early_end_reason_codes', []],
          ['early_end_everything', true],
        ),
      )
      .map(([k, v]) => new SetFlag(k, v)),
  },
  {
    weight: 4,
    arbitrary: fc.oneof(
      { weight: 3, arbitrary: fc.integer({ min: 1, max: 15 * 60_000 }).map((ms) => new Step(ms)) },
      fc.integer({ min: 1, max: 30 }).map((h) => new Step(h * HOUR)),
      fc.tuple(fc.constantFrom(17, 0, 4, 5, 6, 7), fc.integer({ min: -2000, max: 2000 })).map(([h, d]) => new ToUtcHour(h, d)),
      fc.tuple(fc.constantFrom('grace' as const, 'end' as const), fc.nat(20), fc.constantFrom(-1, 0, 1, 1000)).map(([w, p, d]) => new ToDeadline(w, p, d)),
    ),
  },
)

/** Where a run starts: just before a Jakarta midnight, a New York DST change, a year's end, or anywhere in 2026. */
const startArb = fc
  .tuple(
    fc.constantFrom(
      Date.parse('2026-11-24T16:50:00Z'),
      Date.parse('2026-03-07T22:00:00Z'), // New York springs forward at 2026-03-08T07:00Z
      Date.parse('2026-10-31T22:00:00Z'), // and falls back at 2026-11-01T06:00Z
      Date.parse('2026-12-31T15:00:00Z'),
    ),
    fc.integer({ min: 0, max: 3 * HOUR }),
    fc.integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2026-12-31T00:00:00Z') }),
    fc.boolean(),
  )
  .map(([anchor, plus, anywhere, near]) => (near ? anchor + plus : anywhere))

const flagsArb: fc.Arbitrary<ModelFlags> = fc.record({
  early_end_mitra_enabled: weighted([9, true], [1, false]),
  early_end_customer_enabled: weighted([3, true], [1, false]),
  early_end_reason_required: fc.boolean(),
  early_end_reason_codes: fc.constant(DEFAULT_FLAGS.early_end_reason_codes),
  early_end_mitra_daily_cap: weighted([3, 1], [3, 2], [2, 3], [1, 4]),
  early_end_mitra_over_cap_action: fc.constantFrom('block' as const, 'allow' as const),
  closing_grace_seconds: fc.constantFrom(0, 30, 300, 600),
  business_timezone: fc.constantFrom(...ZONES),
})

/** Children first, for the foreign keys. */
const WIPE_ORDER: readonly TableName[] = [
  'session_goodbyes',
  'session_events',
  'session_closures',
  'closure_daily_counts', // the triggers on session_closures have emptied it; listed so that every table is wiped
  'cc_reviews',
  'mitra_daily_counts',
  'sessions',
  'config_audit',
  'app_config',
  'rollout_cohort',
]

/** Empties every table: each sequence starts from a new database's state (ids go on counting, the model maps them). */
async function wipe(t: Setup): Promise<void> {
  expect([...WIPE_ORDER].sort()).toEqual([...TABLES].sort())
  for (const table of WIPE_ORDER) await t.handle.db.deleteFrom(table).execute()
}

async function runSequence(
  t: Setup,
  second: ClosureService,
  start: number,
  flags: ModelFlags,
  opened: readonly OpenSession[],
  cmds: Iterable<Cmd>,
): Promise<void> {
  await wipe(t)
  t.clock.set(new Date(start))
  const model = new LifecycleModel(start)
  for (const [key, value] of Object.entries(flags)) {
    if (value === DEFAULT_FLAGS[key as keyof ModelFlags]) continue
    await t.config.set(key as FlagKey, value as never, { actor: 'prop-ops' })
    model.setFlag(key, value)
  }
  const real: Real = { t, second, report: createReportService(t.handle, { clock: t.clock }), ids: [] }
  for (const open of opened) await open.run(model, real)
  await fc.asyncModelRun(() => ({ model, real }), cmds)
  expect(await dataInvariantViolations(t.handle)).toEqual([])
}

describe.each(ENGINES)('the session lifecycle and the daily cap against their model on %s', (engine) => {
  // one database per engine, emptied before each sequence: creating one per sequence cost more than the sequence
  let t: Setup
  let secondHandle: HaloDatabase
  let second: ClosureService
  beforeAll(async () => {
    t = await setup(engine)
    secondHandle = await openDatabase(t.target)
    second = createClosureService(secondHandle, { clock: t.clock })
  })
  afterAll(async () => {
    await secondHandle?.close()
    await t?.cleanup()
  })

  it(
    'agrees with the model after every command, and leaves every stored invariant true',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          startArb,
          flagsArb,
          fc.array(openArb, { minLength: 2, maxLength: 6 }),
          fc.commands([commandArb], { maxCommands: MAX_COMMANDS, size: 'max', ...(REPLAY === undefined ? {} : { replayPath: REPLAY }) }),
          (start, flags, opened, cmds) => runSequence(t, second, start, flags, opened, cmds),
        ),
        { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }), ...(PATH === undefined ? {} : { path: PATH }) },
      )
    },
    60_000 + RUNS * 5_000,
  )
})
