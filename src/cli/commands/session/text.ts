import type { EarlyEndResult } from '../../../closure/closure-service.js'
import type { Closure, Goodbye, Session, SessionDetail } from '../../../closure/session-view.js'
import type { CliContext } from '../../context.js'
import { paint, table } from '../../output.js'
import { jsonText, printable } from '../../../present/printable.js'

/** `2026-11-24T03:00:00.000Z` as `2026-11-24 03:00:00` (UTC; the headers say so). */
export function utc(iso: string | null): string {
  return iso === null ? '-' : iso.replace('T', ' ').replace(/(\.\d+)?Z$/, '')
}

/** A length of time for people: `45s`, `4m 30s`, `1h 05m`, `2d 3h`. */
export function duration(ms: number): string {
  const s = Math.floor(Math.max(0, ms) / 1000)
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return s % 60 === 0 ? `${m}m` : `${m}m ${String(s % 60).padStart(2, '0')}s`
  const h = Math.floor(m / 60)
  if (h < 24) return `${h}h ${String(m % 60).padStart(2, '0')}m`
  return `${Math.floor(h / 24)}d ${h % 24}h`
}

/** What is left of a session at `now`: its time while it runs, its grace window while it closes. */
export function timeLeft(s: Session, now: Date): string {
  const until = (iso: string) => new Date(iso).getTime() - now.getTime()
  if (s.status === 'active' || s.status === 'extending') {
    const ms = until(s.endsAt)
    return ms > 0 ? `${duration(ms)} left` : `overdue ${duration(-ms)} (sweep)`
  }
  if (s.status === 'closing' && s.graceEndsAt !== null) {
    const ms = until(s.graceEndsAt)
    return ms > 0 ? `grace ${duration(ms)} left` : 'grace over (sweep)'
  }
  return '-'
}

/** Text someone typed (a note, a goodbye), quoted on one line, without terminal control characters. */
function quoted(text: string | null): string {
  return text === null ? '-' : jsonText(text)
}

export function sessionTable(ctx: CliContext, sessions: readonly Session[]): Promise<string> {
  const now = ctx.clock.now()
  return table(
    ctx,
    ['id', 'status', 'mitra', 'customer', 'started (UTC)', 'ends (UTC)', 'time'],
    sessions.map((s) => [s.id, s.status, s.mitraId, s.customerId, utc(s.startedAt), utc(s.endsAt), timeLeft(s, now)]),
    { align: ['right', 'left', 'left', 'left', 'left', 'left', 'left'], optional: [4, 3] },
  )
}

/** One line about a session, for `session open` and above the `session end` prompt. */
export function sessionLine(s: Session, now: Date): string {
  const left = timeLeft(s, now)
  return `session ${s.id}: mitra ${printable(s.mitraId)}, customer ${printable(s.customerId)}, ${s.status}${left === '-' ? '' : `, ${left}`}`
}

function closureText(c: Closure): string {
  const who = c.initiatedBy === 'system' ? 'expired (system)' : `${c.kind} by ${c.initiatedBy} ${printable(c.actorId ?? '-')}`
  const parts = [who, `day ${c.businessDay}`]
  if (c.reason !== null) parts.push(`reason ${printable(c.reason)}${c.reasonNote === null ? '' : ` ${quoted(c.reasonNote)}`}`)
  if (c.overCap) parts.push('over the daily cap')
  if (c.reviewId !== null) parts.push(`CC review #${c.reviewId}`)
  return parts.join(', ')
}

function goodbyeText(g: Goodbye): string {
  return `${g.side} ${printable(g.actorId)} at ${utc(g.at)}: ${quoted(g.message)}`
}

export async function sessionDetail(ctx: CliContext, s: SessionDetail): Promise<string> {
  const p = await paint(ctx)
  const now = ctx.clock.now()
  const left = timeLeft(s, now)
  const rows: [string, string][] = [
    ['session', `${s.id} ${p.bold(s.status)}${left === '-' ? '' : ` (${left})`}`],
    ['mitra', printable(s.mitraId)],
    ['customer', printable(s.customerId)],
    ['started', `${utc(s.startedAt)} UTC`],
    ['ends', `${utc(s.endsAt)} UTC`],
    ['grace ends', s.graceEndsAt === null ? '-' : `${utc(s.graceEndsAt)} UTC`],
    ['closed', s.closedAt === null ? '-' : `${utc(s.closedAt)} UTC`],
    ['closure', s.closure === null ? '-' : closureText(s.closure)],
    ...(s.goodbyes.length === 0
      ? [['goodbyes', '-'] as [string, string]]
      : s.goodbyes.map((g, i): [string, string] => [i === 0 ? 'goodbyes' : '', goodbyeText(g)])),
  ]
  const width = Math.max(...rows.map(([k]) => k.length)) + 2
  return rows.map(([k, v]) => `${k.padEnd(width)}${v}`.trimEnd()).join('\n')
}

/** What `session end` did (or, on a dry run, would do). */
export async function earlyEndText(ctx: CliContext, r: EarlyEndResult, ask: { actorId: string; reason?: string; note?: string; as: string }): Promise<string> {
  const p = await paint(ctx)
  const c = r.closure
  const reason = c?.reason ?? ask.reason ?? null
  const note = c === null ? (ask.note ?? null) : c.reasonNote
  const head = r.dryRun
    ? `dry run: session ${r.sessionId} would be ${p.bold('closing')} until ${utc(r.graceEndsAt)} UTC; nothing was written`
    : r.replayed
      ? `idempotency key replayed: session ${r.sessionId} was already ended (closing until ${utc(r.graceEndsAt)} UTC); nothing changed`
      : `session ${r.sessionId} is now ${p.bold('closing')} until ${utc(r.graceEndsAt)} UTC`
  const cap = r.replayed
    ? `counted once, when it was first ended (cap ${r.cap})`
    : r.mitraCountToday === null
      ? `not counted: only a mitra's early ends count (cap ${r.cap})`
      : `${r.mitraCountToday} of ${r.cap} early ends by ${printable(c?.actorId ?? ask.actorId)} on ${r.businessDay}`
  const review =
    r.reviewId === null && !r.reviewOpened
      ? '-'
      : r.reviewOpened
        ? p.yellow(`${r.dryRun ? 'would open' : 'opened'} CC review${r.reviewId === null ? '' : ` #${r.reviewId}`} (daily cap reached)`)
        : `attached to open CC review #${r.reviewId}`
  const lines = [
    head,
    `  by        ${c?.initiatedBy ?? ask.as} ${printable(c?.actorId ?? ask.actorId)}`,
    `  reason    ${printable(reason ?? '-')}${note === null ? '' : ` ${quoted(note)}`}`,
    `  cap       ${cap}${r.overCap ? ` ${p.red('(over the cap)')}` : ''}`,
    `  review    ${review}`,
  ]
  if (!r.dryRun && !r.replayed) lines.push('  next      one goodbye per side until then; then `halo-admin sweep` closes it')
  return lines.join('\n')
}
