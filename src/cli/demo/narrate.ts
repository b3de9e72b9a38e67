/** What `halo-admin demo` prints for a person: the story, a closures report, and what to try next. */
import { plural } from '../../present/time.js'
import { barChart } from '../../report/closure-chart.js'
import type { CliContext } from '../context.js'
import { paint } from '../output.js'
import { DEMO_ACTOR, hhmm, type DemoStory } from './scenario.js'

export interface NextCommand {
  /** As printed, ready to paste. */
  readonly command: string
  /** The arguments after `halo-admin`. */
  readonly args: readonly string[]
  readonly why: string
}

/** What `demo --json` prints. */
export interface DemoResult extends DemoStory {
  readonly target: string
  /** What the target held before: nothing, an empty database, or an earlier demo (or data, with --force). */
  readonly replaced: 'new' | 'empty' | 'demo' | 'data'
  readonly marker: { readonly actor: string }
  /** The clock demo ran on, when HALO_NOW fixed it; null on the system clock. */
  readonly fixedNow: string | null
  readonly next: readonly NextCommand[]
}

const SAFE = /^[A-Za-z0-9_./:@%+=,-]+$/
const shellWord = (w: string) => (SAFE.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)

/** The commands to try next, on the database the demo wrote (`--db` unless it is the default ./halo.db). */
export function nextCommands(target: string, story: DemoStory): NextCommand[] {
  const db = target === './halo.db' ? [] : ['--db', target]
  const spare = story.activeSessionIds.includes(story.spareSessionId) ? story.spareSessionId : story.activeSessionIds[0]
  const list: [string[], string][] = [
    [['flag', 'list'], 'early_end_mitra_enabled is on'],
    [['flag', 'history'], `who changed what (${DEMO_ACTOR})`],
    [['session', 'list', '--status', 'active,extending'], 'the sessions still running'],
    [['session', 'show', String(story.cappedSessionId)], 'the early end that reached the cap'],
    ...(spare === undefined
      ? []
      : [
          [['session', 'end', String(spare), '--as', 'support', '--reason', 'customer_abusive'], 'end it as support: asks Akhiri Sesi? first'] as [
            string[],
            string,
          ],
        ]),
    [['review', 'list'], 'the CC reviews the cap opened'],
    [['review', 'resolve', String(story.reviewId), '--outcome', 'warned', '--note', 'talked to mitra-ayu'], 'close a review'],
    [['report', 'closures', '--by', 'day'], 'closures per business day'],
    [['report', 'closures', '--by', 'reason'], 'the reasons mitras give'],
    [['report', 'cap', '--day', story.day], 'each mitra against the cap'],
    [['whatif', 'cap', '2'], 'replay the data with a cap of 2'],
    [['sweep'], 'close what is due (cron runs this)'],
    [['db', 'check'], 'the data invariants'],
    [['tui'], 'the same as screens; q quits'],
  ]
  return list.map(([args, why]) => {
    const all = [...db, ...args]
    return { command: ['halo-admin', ...all].map(shellWord).join(' '), args: all, why }
  })
}

export async function narrate(ctx: CliContext, r: DemoResult): Promise<string> {
  const p = await paint(ctx)
  const h = r.history
  const refused = Object.entries(h.refused)
  const was = {
    new: 'a new file',
    empty: 'it replaced an empty database',
    demo: 'it replaced an earlier demo',
    data: 'it replaced a database that was not a demo (--force)',
  }
  const today = r.closuresByDay.to
  const lines = [
    `${p.bold('Demo database:')} ${r.target} (${was[r.replaced]})`,
    p.dim(`Marked as a demo by its audit trail (flag changes by ${r.marker.actor}): demo may replace it, any other database only with --force.`),
    '',
    p.bold(`History, simulated by the library (simulate, seed ${h.seed}); times in ${r.timeZone}`),
    `  ${r.flagChangedAt.slice(0, 10)} ${hhmm(r.flagChangedAt, r.timeZone)}  early_end_mitra_enabled switched on, audited as ${r.marker.actor}`,
    `  ${h.from} … ${h.to.slice(8)}   ${plural(h.sessions, 'session')} with ${plural(h.mitras, 'mitra')}; ${plural(h.attempts, 'early-end attempt')}: ${h.succeeded} ended, ${h.attempts - h.succeeded} refused`,
    `                    ${refused.length === 0 ? '' : `(${refused.map(([code, n]) => `${code} ${n}`).join(', ')}); `}${plural(h.reviewsOpened, 'CC review')} opened at the cap`,
    '',
    p.bold(`${r.day}${r.day === today ? ' (today)' : ''}, step by step`),
    ...r.steps.map((s) => `  ${hhmm(s.at, r.timeZone)}  ${s.refused === null ? s.text : p.yellow(s.text)}`),
    '',
    p.bold(`Mitra early ends per business day, ${r.mitraEarlyEndsByDay.from} … ${r.mitraEarlyEndsByDay.to}`),
    ...barChart(r.mitraEarlyEndsByDay.rows, { width: 30 }).map((l) => `  ${l}`),
    `  all ${r.closuresByDay.total} closures by initiator: ${r.closuresByInitiator.rows.map((row) => `${row.key} ${row.count}`).join(', ')}`,
    '',
    p.bold(`Daily cap on ${r.cap.day}: ${plural(r.cap.cap, 'early end')} per mitra (past it: ${r.cap.overCapAction})`),
    ...r.cap.rows.map(
      (row) =>
        `  ${row.mitraId.padEnd(12)} ${plural(row.count, 'early end')}, ${row.standing === 'under' ? `${row.remaining} left` : row.standing === 'at' ? 'at the cap' : 'over the cap'}` +
        (row.reviewId === null ? '' : `, review #${row.reviewId} ${row.reviewStatus ?? ''}`.trimEnd()),
    ),
    '',
    p.bold('Try next:'),
  ]
  // a comment beside each command when the terminal is wide enough, else above it
  const width = Math.max(...r.next.map((n) => n.command.length))
  const columns = ctx.io.stdout.isTTY ? (process.stdout.columns ?? 80) : Infinity
  const beside = r.next.every((n) => 2 + width + 4 + n.why.length <= columns)
  for (const n of r.next) {
    if (beside) lines.push(`  ${n.command.padEnd(width)}  ${p.dim(`# ${n.why}`)}`)
    else lines.push(`  ${p.dim(`# ${n.why}`)}`, `  ${n.command}`)
  }
  if (r.fixedNow !== null) lines.push('', p.dim(`The clock is fixed by HALO_NOW=${r.fixedNow}: keep it set for these, or "today" is the real today.`))
  return lines.join('\n')
}
