/**
 * `--since`, `--from`, `--to` and `--day` as people type them (src/core/people-time.ts): checked when
 * the line is parsed (exit 2 before the database opens), resolved in the action against the clock
 * and `business_timezone`.
 */
import { InvalidArgumentError } from 'commander'
import { dayOf, instantOf, parsePeopleTime, PEOPLE_TIME_FORMS, type PeopleTime } from '../core/people-time.js'
import type { CliContext } from './context.js'

/** An option value that is a time a person typed; kept as typed, read again when resolved. */
export function peopleTime(text: string): string {
  if (parsePeopleTime(text) === null) throw new InvalidArgumentError(`expected ${PEOPLE_TIME_FORMS}`)
  return text
}

async function zoneOf(ctx: CliContext, t: PeopleTime): Promise<string> {
  // an instant with its zone and a duration need no business zone: the database is not read for them
  if (t.kind === 'instant' || t.kind === 'ago') return 'UTC'
  const { createConfigStore } = await import('../config/config-store.js')
  return createConfigStore(await ctx.database(), { clock: ctx.clock }).get('business_timezone')
}

/**
 * What the library takes for `since`: a business day (`2026-12-05`, as typed) or an ISO-8601 instant
 * (everything else, resolved now: a next-page command then names the same instant, not "2h" again).
 */
export async function sinceValue(ctx: CliContext, text: string): Promise<string> {
  const t = parsePeopleTime(text)!
  if (t.kind === 'day') return t.day
  return instantOf(t, ctx.clock.now(), await zoneOf(ctx, t)).toISOString()
}

/** The business day a typed time falls on (`today`, `7d`, `2026-12-05 13:00`…). */
export async function dayValue(ctx: CliContext, text: string): Promise<string> {
  const t = parsePeopleTime(text)!
  if (t.kind === 'day') return t.day
  const { createConfigStore } = await import('../config/config-store.js')
  const zone = await createConfigStore(await ctx.database(), { clock: ctx.clock }).get('business_timezone')
  return dayOf(t, ctx.clock.now(), zone)
}
