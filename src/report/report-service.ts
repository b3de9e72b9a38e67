import { HaloError } from '../errors.js'
import { addDays, businessDay, businessDayStart } from '../core/business-day.js'
import { systemClock, type Clock } from '../core/clock.js'
import { remainingToday } from '../core/early-end-rules.js'
import { partyIdProblem, reasonCodeProblem } from '../core/ids.js'
import { INITIATORS, type Initiator } from '../core/vocabulary.js'
import { loadFlags, readFlagRows, rowsToFlags } from '../config/config-repository.js'
import type { HaloDatabase } from '../store/database.js'
import { checkDay, eachDay, resolveRange, type DayRange, type ResolvedRange } from './day-range.js'
import { capsInForce } from './caps-in-force.js'
import * as repo from './report-repository.js'

/**
 * What `closures()` counts by.
 *
 * ```ts
 * const by: ClosureGrouping = 'reason'
 * ```
 */
export type ClosureGrouping = 'day' | 'mitra' | 'reason' | 'initiator'
/**
 * Every `ClosureGrouping`, in the order the CLI offers them.
 *
 * ```ts
 * for (const by of CLOSURE_GROUPINGS) console.log(by, (await reports.closures(by)).total)
 * ```
 */
export const CLOSURE_GROUPINGS: readonly ClosureGrouping[] = Object.freeze(['day', 'mitra', 'reason', 'initiator'])

/**
 * Narrows a closure report or export.
 *
 * ```ts
 * await reports.closures('reason', {}, { initiator: 'mitra', mitraId: 'm-7' })
 * ```
 */
export interface ClosureFilters {
  /** Only closures started by this side (`mitra`, `customer`, `support`, `system`). */
  readonly initiator?: Initiator | undefined
  readonly mitraId?: string | undefined
  /** Only closures with this reason code. */
  readonly reason?: string | undefined
}

/**
 * One group of a closure report.
 *
 * ```ts
 * const [top]: readonly ClosureReportRow[] = (await reports.closures('mitra')).rows // the mitra with most closures
 * ```
 */
export interface ClosureReportRow {
  /** The day, mitra id, reason code or initiator; null for closures without a reason (expiries). */
  readonly key: string | null
  readonly count: number
}

/**
 * The shape of `report closures --json`.
 *
 * ```ts
 * const r: ClosureReport = await reports.closures('day', { from: '2026-11-01', to: '2026-11-24' })
 * ```
 */
export interface ClosureReport {
  readonly from: string
  readonly to: string
  readonly by: ClosureGrouping
  readonly total: number
  /** By day: every day of the range, oldest first, zeros included. Otherwise: most closures first, then by key. */
  readonly rows: readonly ClosureReportRow[]
}

/**
 * One closure as the detail export (`report closures --detail`) writes it.
 *
 * ```ts
 * for await (const c of reports.closureDetails({ from: '2026-11-24' })) csv.write([c.id, c.mitraId, c.reason])
 * ```
 */
export interface ClosureDetail {
  readonly id: number
  readonly sessionId: number
  readonly businessDay: string
  readonly createdAt: string
  readonly mitraId: string
  readonly kind: string
  readonly initiatedBy: string
  readonly actorId: string | null
  readonly reason: string | null
  readonly reasonNote: string | null
  readonly overCap: boolean
  readonly reviewId: number | null
}

/**
 * One mitra's standing against the cap on a day.
 *
 * ```ts
 * const over = (await reports.cap()).rows.filter((r: CapReportRow) => r.standing === 'over')
 * ```
 */
export interface CapReportRow {
  readonly mitraId: string
  /** Mitra early ends counted on the day (over-cap ones included). */
  readonly count: number
  /** Early ends left before one past the cap. */
  readonly remaining: number
  /** `under`, `at` (reached the cap) or `over` (past it: allowed with `over_cap_action` allow). */
  readonly standing: 'under' | 'at' | 'over'
  /** The cap in force when the mitra's last early end that day committed: what `standing` is judged by. */
  readonly capThen: number
  readonly reviewId: number | null
  readonly reviewStatus: string | null
}

/**
 * The shape of `report cap --json`.
 *
 * ```ts
 * const { cap, atOrOver, rows }: CapReport = await reports.cap('2026-11-24')
 * ```
 */
export interface CapReport {
  readonly day: string
  /** The cap in force at the end of the day (today: now). */
  readonly cap: number
  readonly overCapAction: 'block' | 'allow'
  /** Each cap in force during the day, oldest first (`from`/`until` null: the day's start, still). */
  readonly capsInForce: readonly { readonly cap: number; readonly from: string | null; readonly until: string | null }[]
  readonly actionsInForce: readonly { readonly overCapAction: 'block' | 'allow'; readonly from: string | null; readonly until: string | null }[]
  /** Every mitra with an early end on the day, most first. */
  readonly rows: readonly CapReportRow[]
  /** How many mitras are at or over the cap. */
  readonly atOrOver: number
}

/**
 * Closure and cap reports (`createReportService`); reads only.
 *
 * ```ts
 * const reports: ReportService = createReportService(handle)
 * ```
 */
export interface ReportService {
  /**
   * Closure counts in a business-day range (default: the 14 days ending today), grouped `by`.
   * @throws HaloError `INVALID_INPUT` (a grouping, day, range or filter it cannot take), `DB_ERROR`
   */
  closures(by: ClosureGrouping, range?: DayRange, filters?: ClosureFilters): Promise<ClosureReport>
  /**
   * Every closure of the range, oldest first, read in pages so memory stays flat for any number of rows.
   * @throws HaloError `INVALID_INPUT` (a day, range or filter it cannot take), `DB_ERROR`: from the iteration
   */
  closureDetails(range?: DayRange, filters?: ClosureFilters): AsyncIterable<ClosureDetail>
  /**
   * The range `closures()` and `closureDetails()` would use, defaults filled in and validated.
   * @throws HaloError `INVALID_INPUT`, `DB_ERROR`
   */
  range(range?: DayRange): Promise<ResolvedRange>
  /**
   * Each mitra's early ends on `day` (default today) against the cap.
   * @throws HaloError `INVALID_INPUT` (not a calendar day), `DB_ERROR`
   */
  cap(day?: string): Promise<CapReport>
}

// Checked without zod, like the flag reads: `report closures` is a short-lived process and zod costs
// more to load than the grouped query takes on a small database.

function invalid(message: string): never {
  throw new HaloError('INVALID_INPUT', message)
}

function onlyKeys(value: unknown, what: string, keys: readonly string[]): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) invalid(`${what}: expected an object`)
  for (const k of Object.keys(value)) if (!keys.includes(k)) invalid(`${what}: unknown key "${k}"`)
  return value as Record<string, unknown>
}

function checkGrouping(by: unknown): ClosureGrouping {
  if (!CLOSURE_GROUPINGS.includes(by as ClosureGrouping)) invalid(`group by: expected one of ${CLOSURE_GROUPINGS.join(', ')}`)
  return by as ClosureGrouping
}

function checkFilters(filters: unknown): repo.ClosureFilterValues {
  const f = onlyKeys(filters, 'filters', ['initiator', 'mitraId', 'reason'])
  if (f.initiator !== undefined && !INITIATORS.includes(f.initiator as Initiator)) invalid(`filters: initiator: expected one of ${INITIATORS.join(', ')}`)
  const mitra = f.mitraId === undefined ? null : partyIdProblem(f.mitraId)
  if (mitra !== null) invalid(`filters: mitraId: ${mitra}`)
  const reason = f.reason === undefined ? null : reasonCodeProblem(f.reason)
  if (reason !== null) invalid(`filters: reason: ${reason}`)
  return f as repo.ClosureFilterValues
}

function checkRange(range: unknown): DayRange {
  const r = onlyKeys(range ?? {}, 'range', ['from', 'to'])
  for (const k of ['from', 'to'] as const) if (r[k] !== undefined && typeof r[k] !== 'string') invalid(`range: ${k}: expected a string`)
  return r as DayRange
}

const COLUMN_OF: Record<ClosureGrouping, repo.GroupColumn> = { day: 'business_day', mitra: 'mitra_id', reason: 'reason', initiator: 'initiated_by' }

/**
 * Closures per page of the detail export. A page stays alive while its rows are written, long
 * enough to survive V8's young-generation collections, and V8 grows the young generation for it:
 * 2000-row pages peaked at ~154 MB RSS exporting 1M closures, 500-row pages at ~126 MB, as fast
 * (bench/csv-rss.mjs).
 */
const PAGE = 500

/**
 * Closure and cap reports. Days are business days in `business_timezone`,
 * both ends of a range included.
 *
 * ```ts
 * const reports = createReportService(handle)
 * const r = await reports.closures('mitra', { from: '2026-11-01', to: '2026-11-24' }, { initiator: 'mitra' })
 * r.rows[0] // { key: 'm-7', count: 12 }
 * const cap = await reports.cap() // today: who is at or over the cap
 * ```
 */
export function createReportService(handle: HaloDatabase, options: { clock?: Clock } = {}): ReportService {
  const clock = options.clock ?? systemClock

  async function resolved(range: DayRange | undefined): Promise<ResolvedRange> {
    const r = checkRange(range)
    if (r.from !== undefined && r.to !== undefined) return resolveRange(r, clock.now(), 'UTC')
    // plain SQL: the grouped report loads no query builder
    const flags = rowsToFlags(await readFlagRows(handle))
    return resolveRange(r, clock.now(), flags.business_timezone)
  }

  const service: ReportService = {
    range: resolved,

    async closures(by, range, filters = {}) {
      const grouping = checkGrouping(by)
      const f = checkFilters(filters)
      const r = await resolved(range)
      // an engine that sorts to group gets the groups in its index's order (day first), merged below
      const dayFirst = handle.engine.groupsBySorting
      const found = await handle.select<{ key: string; count: number | string }>(
        repo.countClosuresSql(handle.engine.table('closure_daily_counts'), COLUMN_OF[grouping], r, f, { dayFirst }),
      )
      // with dayFirst a mitra comes once per day: sum them
      const sums = new Map<string | null, number>()
      for (const row of found) {
        const key = grouping === 'reason' && row.key === repo.NO_REASON ? null : row.key
        sums.set(key, (sums.get(key) ?? 0) + Number(row.count))
      }
      const counted = [...sums].map(([key, count]) => ({ key, count }))
      const total = counted.reduce((n, row) => n + row.count, 0)
      let rows: ClosureReportRow[]
      if (grouping === 'day') {
        const byDay = new Map(counted.map((row) => [row.key, row.count]))
        rows = eachDay(r).map((day) => ({ key: day, count: byDay.get(day) ?? 0 }))
      } else {
        rows = counted.sort((a, b) => b.count - a.count || String(a.key ?? '').localeCompare(String(b.key ?? '')))
      }
      return { from: r.from, to: r.to, by: grouping, total, rows }
    },

    async *closureDetails(range, filters = {}) {
      const f = checkFilters(filters)
      const r = await resolved(range)
      const bounds = await handle.read((db) => repo.idBounds(db, r, f))
      if (bounds === null) return
      let after = bounds.min - 1
      for (;;) {
        const page = await handle.read((db) => repo.closurePage(db, handle.engine, r, f, after, bounds.max, PAGE))
        for (const c of page) {
          yield {
            id: c.id,
            sessionId: c.session_id,
            businessDay: c.business_day,
            createdAt: c.created_at,
            mitraId: c.mitra_id,
            kind: c.kind,
            initiatedBy: c.initiated_by,
            actorId: c.actor_id,
            reason: c.reason,
            reasonNote: c.reason_note,
            overCap: Boolean(c.over_cap),
            reviewId: c.review_id,
          }
        }
        if (page.length < PAGE) return
        after = page[page.length - 1]!.id
      }
    },

    async cap(day) {
      return handle.read(async (db) => {
        const flags = await loadFlags(db)
        const d = day === undefined ? businessDay(clock.now(), flags.business_timezone) : checkDay(day, 'day')
        const start = businessDayStart(d, flags.business_timezone).toISOString()
        const end = businessDayStart(addDays(d, 1), flags.business_timezone).toISOString()
        const [counters, last, caps] = await Promise.all([repo.capCounters(db, d), repo.lastEarlyEnds(db, d), capsInForce(db, start, flags)])
        const lastOf = new Map(last.map((l) => [l.mitra_id, l]))
        // each mitra's count is judged by the cap in force when their last early end of the day committed
        const rows = counters.map((c): CapReportRow => {
          const l = lastOf.get(c.mitra_id)
          const capThen = l === undefined ? flags.early_end_mitra_daily_cap : caps.capAt(String(l.last_at))
          const markedOver = l !== undefined && Number(l.any_over) > 0
          return {
            mitraId: c.mitra_id,
            count: c.early_end_count,
            remaining: remainingToday(flags, c.early_end_count),
            standing: markedOver || c.early_end_count > capThen ? 'over' : c.early_end_count === capThen ? 'at' : 'under',
            capThen,
            reviewId: c.review_id ?? null,
            reviewStatus: c.review_status ?? null,
          }
        })
        const within = <T>(p: { value: T; from: string | null; until: string | null }) => p.until === null || p.until > start
        const capPeriods = caps.caps.filter((p) => within(p) && (p.from === null || p.from < end))
        const actionPeriods = caps.actions.filter((p) => within(p) && (p.from === null || p.from < end))
        return {
          day: d,
          cap: caps.capAt(end < clock.now().toISOString() ? end : clock.now().toISOString()),
          overCapAction: caps.actionAt(end < clock.now().toISOString() ? end : clock.now().toISOString()),
          capsInForce: capPeriods.map((p) => ({ cap: p.value, from: p.from, until: p.until })),
          actionsInForce: actionPeriods.map((p) => ({ overCapAction: p.value, from: p.from, until: p.until })),
          rows,
          atOrOver: rows.filter((r) => r.standing !== 'under').length,
        }
      })
    },
  }
  return Object.freeze(service)
}

export type { DayRange, ResolvedRange } from './day-range.js'
