/**
 * The story `halo-admin demo` tells, played through the library on a fresh
 * database: a week of synthetic history from `simulate`, then one scripted
 * day in which a mitra reaches the daily cap, is refused past it, a customer
 * is refused because the customer flag is off, and a sweep closes what is due.
 * Every step is a library call; nothing here writes SQL.
 */
import { HaloError, type ErrorCode } from '../../errors.js'
import { addDays, businessDay } from '../../core/business-day.js'
import { fixedClock, type Clock } from '../../core/clock.js'
import { UserType } from '../../core/user-type.js'
import { createClosureService } from '../../closure/closure-service.js'
import { createConfigStore } from '../../config/config-store.js'
import { createReportService, type CapReport, type ClosureReport } from '../../report/report-service.js'
import { simulate, type SimulationSummary } from '../../simulate/simulator.js'
import { localInstant } from '../../simulate/local-time.js'
import type { HaloDatabase } from '../../store/database.js'
import { markAsDemo } from './marker.js'

/** Who the demo's flag change is audited as (what marks a demo database is its fingerprint: marker.ts). */
export const DEMO_ACTOR = 'halo-admin-demo'

/** Days of simulated history before the scripted day. */
const HISTORY_DAYS = 6
/** The scripted day runs over the hour before the anchor. */
const SCRIPT_MINUTES = 60

export interface DemoStep {
  /** When it happened (UTC). */
  readonly at: string
  readonly text: string
  readonly sessionId: number | null
  /** A refusal's error code; null when the step succeeded. */
  readonly refused: ErrorCode | null
}

export interface DemoStory {
  readonly timeZone: string
  /** The business day of the scripted steps (today, or yesterday in the first hour of the day). */
  readonly day: string
  readonly flagChangedAt: string
  readonly history: SimulationSummary
  readonly steps: readonly DemoStep[]
  readonly sweep: { readonly expired: number; readonly finalized: number }
  /** Sessions left active or extending, for the commands to try next. */
  readonly activeSessionIds: readonly number[]
  /** An active session nobody tried to end, for `session end` as support. */
  readonly spareSessionId: number
  /** The session whose early end reached the cap. */
  readonly cappedSessionId: number
  readonly reviewId: number
  /** Every closure (early ends and expiries) per business day, history and today. */
  readonly closuresByDay: ClosureReport
  /** Mitra early ends per business day. */
  readonly mitraEarlyEndsByDay: ClosureReport
  readonly closuresByInitiator: ClosureReport
  readonly cap: CapReport
}

const MINUTE = 60_000

/**
 * Plays the story on `handle` (a fresh, migrated database), with `clock`
 * giving "now": the scripted steps happen in the hour before it, the sweep at it.
 *
 * ```ts
 * const story = await playDemo(handle, systemClock)
 * story.reviewId // the CC review mitra-ayu's third early end opened
 * ```
 */
export async function playDemo(handle: HaloDatabase, now: Clock): Promise<DemoStory> {
  const end = now.now()
  const config = createConfigStore(handle, { clock: now })
  const timeZone = await config.get('business_timezone')
  // the scripted hour stays on one business day: in the first hour of a day it is played the day before
  const anchor =
    businessDay(new Date(end.getTime() - SCRIPT_MINUTES * MINUTE), timeZone) === businessDay(end, timeZone)
      ? end
      : new Date(end.getTime() - (SCRIPT_MINUTES + 1) * MINUTE)
  const day = businessDay(anchor, timeZone)
  const historyFrom = addDays(day, -HISTORY_DAYS)

  // a clock walked through the story, as `simulate` walks its own
  const clock = fixedClock(localInstant(historyFrom, 7 * 60, timeZone))
  const flagChangedAt = clock.now().toISOString()
  await createConfigStore(handle, { clock }).set('early_end_mitra_enabled', true, {
    actor: DEMO_ACTOR,
    note: 'halo-admin demo: let mitras end sessions early',
  })

  const history = await simulate(handle, { mitras: 6, sessions: 30, days: HISTORY_DAYS, endDay: addDays(day, -1), seed: 'halo-demo', mitraRate: 0.25 })
  if (history.error !== undefined) throw new HaloError(history.error.code as ErrorCode, history.error.message)

  const closures = createClosureService(handle, { clock })
  const steps: DemoStep[] = []
  const at = (minutesBefore: number) => clock.set(new Date(anchor.getTime() - minutesBefore * MINUTE))
  const step = (text: string, sessionId: number | null, refused: ErrorCode | null = null) =>
    steps.push({ at: clock.now().toISOString(), text, sessionId, refused })
  let toldGrace = false
  /** An early end at `minutesBefore` the anchor; a refusal is part of the story, told with its code. */
  const tryEnd = async (minutesBefore: number, id: number, userType: UserType, actorId: string, reason?: string, note?: string) => {
    at(minutesBefore)
    const who = userType === UserType.MITRA ? actorId : `${actorId} (customer)`
    try {
      const r = await closures.initiateEarlyEnd(id, userType, { actorId, reason, ...(note === undefined ? {} : { note }) })
      const why = reason === undefined ? '' : ` (${reason}${note === undefined ? '' : `: "${note}"`})`
      const count = r.mitraCountToday === null ? '' : `: ${r.mitraCountToday} of ${r.cap} today`
      const review = r.reviewOpened ? `: the cap is reached, CC review #${r.reviewId} opened` : r.overCap ? ', over the cap' : ''
      const grace = toldGrace ? '' : `; it is closing until ${hhmm(r.graceEndsAt, timeZone)}, then a sweep closes it`
      toldGrace = true
      step(`${who} ended #${id} early${why}${count}${review}${grace}`, id)
      return r
    } catch (e) {
      if (!(e instanceof HaloError) || e.code === 'DB_ERROR') throw e
      step(`${who} tried to end #${id} early: refused, ${e.code}: ${e.message}; #${id} stays active`, id, e.code)
      return null
    }
  }

  at(55)
  const open = (mitraId: string, customerId: string, durationMinutes: number, status: 'active' | 'extending' = 'active') =>
    closures.openSession({ mitraId, customerId, durationMinutes, status }).then((s) => s.id)
  const ayu = [
    await open('mitra-ayu', 'cust-01', 90),
    await open('mitra-ayu', 'cust-02', 90),
    await open('mitra-ayu', 'cust-03', 90),
    await open('mitra-ayu', 'cust-04', 90),
  ]
  const budi = [await open('mitra-budi', 'cust-05', 90), await open('mitra-budi', 'cust-06', 30), await open('mitra-budi', 'cust-07', 480)]
  const citra = [await open('mitra-citra', 'cust-08', 480), await open('mitra-citra', 'cust-09', 480, 'extending')]
  const opened = [...ayu, ...budi, ...citra]
  step(
    `${opened.length} sessions opened (#${opened[0]}-#${opened.at(-1)}): 4 for mitra-ayu, 3 for mitra-budi, 2 for mitra-citra (#${citra[1]} extending)`,
    null,
  )

  await tryEnd(45, budi[0]!, UserType.MITRA, 'mitra-budi', 'customer_left')
  await tryEnd(35, ayu[0]!, UserType.MITRA, 'mitra-ayu', 'customer_abusive')
  await tryEnd(25, ayu[1]!, UserType.MITRA, 'mitra-ayu', 'out_of_scope')
  const capped = await tryEnd(15, ayu[2]!, UserType.MITRA, 'mitra-ayu', 'other', 'pelanggan minta lanjut besok')
  at(13)
  const goodbye = await closures.postGoodbye(ayu[2]!, UserType.MITRA, { actorId: 'mitra-ayu', message: 'Terima kasih, sampai jumpa besok.' })
  step(`mitra-ayu said goodbye on #${ayu[2]} while it closes: "${goodbye.message}"`, ayu[2]!)
  // past the cap (over_cap_action block), and a customer while early_end_customer_enabled is off: both refused
  await tryEnd(10, ayu[3]!, UserType.MITRA, 'mitra-ayu', 'customer_left')
  await tryEnd(8, budi[2]!, UserType.CUSTOMER, 'cust-07')

  clock.set(end)
  const swept = await closures.sweep()
  if (swept.error !== undefined) throw swept.error
  step(`sweep: ${swept.expired} past its scheduled end moved to closing (expired), ${swept.finalized} past the grace window closed`, null)

  const reports = createReportService(handle, { clock: now })
  const range = { from: historyFrom, to: businessDay(end, timeZone) }
  const active = await closures.listSessions({ status: ['active', 'extending'] })
  // from here on, a change by anyone makes the file someone's data that demo does not delete
  await markAsDemo(handle, end.toISOString())
  return {
    timeZone,
    day,
    flagChangedAt,
    history,
    steps,
    sweep: { expired: swept.expired, finalized: swept.finalized },
    activeSessionIds: active.map((s) => s.id),
    spareSessionId: citra[0]!,
    cappedSessionId: ayu[2]!,
    reviewId: capped?.reviewId ?? 0,
    closuresByDay: await reports.closures('day', range),
    mitraEarlyEndsByDay: await reports.closures('day', range, { initiator: 'mitra' }),
    closuresByInitiator: await reports.closures('initiator', range),
    cap: await reports.cap(day),
  }
}

const clockFormats = new Map<string, Intl.DateTimeFormat>()

/** `HH:MM` in the business time zone. */
export function hhmm(iso: string, timeZone: string): string {
  let f = clockFormats.get(timeZone)
  if (f === undefined) clockFormats.set(timeZone, (f = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })))
  return f.format(new Date(iso))
}
