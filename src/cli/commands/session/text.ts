import type { EarlyEndResult } from '../../../closure/closure-service.js'
import type { Closure, Goodbye, Session, SessionDetail, SessionEvent } from '../../../closure/session-view.js'
import type { CliContext } from '../../context.js'
import { paint, table } from '../../output.js'
import { jsonText, printable } from '../../../present/printable.js'
import { NO_REASON } from '../../../present/words.js'
import { duration, times, type Times } from '../../times.js'

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

export async function sessionTable(ctx: CliContext, sessions: readonly Session[]): Promise<string> {
  const now = ctx.clock.now()
  const t = await times(ctx)
  return table(
    ctx,
    ['id', 'status', 'mitra', 'customer', 'started', 'ends', 'time'],
    sessions.map((s) => [s.id, s.status, s.mitraId, s.customerId, t.at(s.startedAt), t.at(s.endsAt), timeLeft(s, now)]),
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
  if (c.kind === 'early_end')
    parts.push(`reason ${c.reason === null ? NO_REASON : printable(c.reason)}${c.reasonNote === null ? '' : ` ${quoted(c.reasonNote)}`}`)
  if (c.overCap) parts.push('over the daily cap')
  if (c.reviewId !== null) parts.push(`CC review #${c.reviewId}`)
  if (c.authenticatedAs !== null) parts.push(`authenticated as ${printable(c.authenticatedAs)}`)
  return parts.join(', ')
}

function goodbyeText(g: Goodbye, t: Times): string {
  return `${g.side} ${printable(g.actorId)} at ${t.at(g.at, { seconds: true })}: ${quoted(g.message)}`
}

/** One state change: when, what, from and to, by whom. */
function eventLines(events: readonly SessionEvent[], t: Times): string[] {
  const name = Math.max(...events.map((e) => e.event.length))
  const move = Math.max(...events.map((e) => `${e.fromStatus ?? '-'} → ${e.toStatus}`.length))
  return events.map((e) =>
    [
      t.at(e.at, { seconds: true }),
      printable(e.event).padEnd(name),
      `${e.fromStatus ?? '-'} → ${e.toStatus}`.padEnd(move),
      `by ${printable(e.actorType)}${e.actorId === null ? '' : ` ${printable(e.actorId)}`}`,
    ].join('  '),
  )
}

export async function sessionDetail(ctx: CliContext, s: SessionDetail & { readonly cursor?: string }): Promise<string> {
  const p = await paint(ctx)
  const t = await times(ctx)
  const now = ctx.clock.now()
  const left = timeLeft(s, now)
  const rows: [string, string][] = [
    ['session', `${s.id} ${p.bold(s.status)}${left === '-' ? '' : ` (${left})`}`],
    ['mitra', printable(s.mitraId)],
    ['customer', printable(s.customerId)],
    ['started', t.at(s.startedAt)],
    ['ends', t.at(s.endsAt)],
    ['grace ends', t.at(s.graceEndsAt)],
    ['closed', t.at(s.closedAt)],
    ['closure', s.closure === null ? '-' : closureText(s.closure)],
    ...(s.goodbyes.length === 0
      ? [['goodbyes', '-'] as [string, string]]
      : s.goodbyes.map((g, i): [string, string] => [i === 0 ? 'goodbyes' : '', goodbyeText(g, t)])),
    // the audit trail: every state change, oldest first
    ...(s.events.length === 0
      ? [['events', '-'] as [string, string]]
      : eventLines(s.events, t).map((line, i): [string, string] => [i === 0 ? 'events' : '', line])),
    // where the event feed stood when this was read: `events --session <id> --follow --after` it gives what happens next
    ...(s.cursor === undefined ? [] : [['cursor', s.cursor] as [string, string]]),
  ]
  const width = Math.max(...rows.map(([k]) => k.length)) + 2
  return rows.map(([k, v]) => `${k.padEnd(width)}${v}`.trimEnd()).join('\n')
}

/** What `session end` did (or, on a dry run, would do). */
export async function earlyEndText(ctx: CliContext, r: EarlyEndResult, ask: { actorId: string; reason?: string; note?: string; as: string }): Promise<string> {
  const p = await paint(ctx)
  const t = await times(ctx)
  const c = r.closure
  const reason = c?.reason ?? ask.reason ?? null
  const note = c === null ? (ask.note ?? null) : c.reasonNote
  const head = r.dryRun
    ? `dry run: session ${r.sessionId} would be ${p.bold('closing')} until ${t.at(r.graceEndsAt)}; nothing was written`
    : r.replayed
      ? `idempotency key replayed: session ${r.sessionId} was already ended (closing until ${t.at(r.graceEndsAt)}); nothing changed`
      : `session ${r.sessionId} is now ${p.bold('closing')} until ${t.at(r.graceEndsAt)}`
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
    `  reason    ${reason === null ? NO_REASON : printable(reason)}${note === null ? '' : ` ${quoted(note)}`}`,
    `  cap       ${cap}${r.overCap ? ` ${p.red('(over the cap)')}` : ''}`,
    `  review    ${review}`,
  ]
  if (!r.dryRun && !r.replayed) lines.push('  next      one goodbye per side until then; then `halo-admin sweep` closes it')
  return lines.join('\n')
}
