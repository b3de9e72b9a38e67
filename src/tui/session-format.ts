import type { Closure, Session } from '../closure/session-view.js'
import { formatDuration, formatInstant } from '../present/time.js'
import { printable } from '../present/printable.js'
import { NO_REASON } from '../present/words.js'
import { canEndFrom } from '../core/early-end-rules.js'

/** One spelling of a closure without a reason, in every face (present/words.ts). */
export { NO_REASON }

/** Active or extending: the sessions Sesi Aktif lists, the ones support can end. */
export function isLive(s: Pick<Session, 'status'>): boolean {
  return canEndFrom(s.status)
}

/** What is left of a session at `now`: `34m 47s` while it runs (`due` once past its end, until the sweep), its grace window while it closes. */
export function timeLeft(s: Session, now: Date): string {
  const until = (iso: string) => Date.parse(iso) - now.getTime()
  if (isLive(s)) {
    const ms = until(s.endsAt)
    return ms > 0 ? formatDuration(ms) : 'due'
  }
  if (s.status === 'closing' && s.graceEndsAt !== null) {
    const ms = until(s.graceEndsAt)
    return ms > 0 ? `grace ${formatDuration(ms)}` : 'grace over'
  }
  return '-'
}

/** Who closed it, for people: `expired`, or `ended early by support ops-ana`. */
export function closedBy(c: Closure): string {
  if (c.kind === 'expired') return 'expired'
  return `ended early by ${c.initiatedBy}${c.actorId === null ? '' : ` ${printable(c.actorId)}`}`
}

/**
 * The closure in two lines: who and why (never cut at 80 columns before the reason), then the
 * business day, the grace window and who the database authenticated.
 */
export function closureLines(c: Closure, timeZone: string): [string, string] {
  const why = [closedBy(c)]
  if (c.kind === 'early_end') why.push(`reason ${c.reason === null ? NO_REASON : printable(c.reason)}`)
  if (c.reasonNote !== null) why.push(`note "${printable(c.reasonNote)}"`)
  const when = [`day ${c.businessDay}`]
  if (c.overCap) when.push('over cap')
  if (c.reviewId !== null) when.push(`review #${c.reviewId}`)
  when.push(c.finalizedAt === null ? `grace until ${formatInstant(c.graceEndsAt, timeZone)}` : `closed ${formatInstant(c.finalizedAt, timeZone)}`)
  if (c.authenticatedAs !== null) when.push(`authenticated as ${printable(c.authenticatedAs)}`)
  return [why.join(' · '), when.join(' · ')]
}
