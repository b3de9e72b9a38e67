/** What `halo-admin demo` prints for a person: the story, a closures report, and what to try next. */
import { commandLine, shellWord } from '../../present/shell-word.js'
import { formatInstant, plural, zoneAbbreviation } from '../../present/time.js'
import { barChart } from '../../report/closure-chart.js'
import { parseTarget } from '../../store/target.js'
import type { CliContext } from '../context.js'
import type { Invocation } from '../invocation.js'
import { paint } from '../output.js'
import { DEMO_ACTOR, hhmm, type DemoStory } from './scenario.js'

export interface NextCommand {
  /** As printed, ready to paste (after the setup lines): it starts the way halo-admin was run. */
  readonly command: string
  /** The arguments after `halo-admin`. */
  readonly args: readonly string[]
  readonly why: string
}

/** A line to run once before the commands, in the shell that ran the demo (`export HALO_DB=…`), or a comment. */
export interface SetupLine {
  readonly command: string
  readonly why: string
}

/** What `demo --json` prints. */
export interface DemoResult extends DemoStory {
  readonly target: string
  /** A SQLite file or a PostgreSQL database. */
  readonly engine: 'sqlite' | 'postgres'
  /** What the target held before: nothing, an empty database, or an earlier demo (or data, with --force). */
  readonly replaced: 'new' | 'empty' | 'demo' | 'data'
  readonly marker: { readonly actor: string }
  /** The clock demo ran on, when HALO_NOW fixed it; null on the system clock. */
  readonly fixedNow: string | null
  /** What to run once first so that the commands reach the demo database (none on the default ./halo.db). */
  readonly setup: readonly SetupLine[]
  readonly next: readonly NextCommand[]
  /** Under npx: the line that makes `halo-admin` start this program without npm (`directAlias`); else null. */
  readonly direct: string | null
}

/** Where the demo database is: as printable (`target`), as given (`openTarget`, maybe with a password), and from where. */
export interface DemoTarget {
  readonly target: string
  readonly openTarget: string
  readonly targetFrom: 'option' | 'env' | 'default'
}

/** `url` without its password (user info or `password=`): printable, and PostgreSQL then reads PGPASSWORD. */
function withoutPassword(url: string): string {
  const u = new URL(url)
  u.password = ''
  u.searchParams.delete('password')
  return u.toString()
}

/** The PostgreSQL URL a target with a password stands for (a libpq key/value string turned into one); null without one. */
function urlWithPassword(target: string): string | null {
  const parsed = parseTarget(target)
  return parsed.engine === 'postgres' && parsed.password !== null ? parsed.url : null
}

/**
 * The lines that point the commands at the demo database, once, in the shell that ran the demo:
 * `export HALO_DB=…` rather than `--db` on every line. A password is never printed: a HALO_DB that
 * holds one is already in that shell; one given with --db is asked for (unseen) into PGPASSWORD.
 */
export function setupLines(where: DemoTarget, how: Invocation): SetupLine[] {
  if (where.targetFrom === 'default') return []
  const exported = (value: string) => (how.shell === 'fish' ? `set -gx HALO_DB ${shellWord(value, 'fish')}` : `export HALO_DB=${shellWord(value)}`)
  const why = 'the demo database, for every command below'
  const url = urlWithPassword(where.openTarget)
  if (url === null) return [{ command: exported(where.target), why }]
  if (where.targetFrom === 'env') return [{ command: '# HALO_DB, as exported in this shell, names the demo database', why: 'its password is not shown' }]
  return [
    { command: exported(withoutPassword(url)), why: `${why}, its password left out` },
    {
      command: how.shell === 'fish' ? 'read -s -gx PGPASSWORD' : 'stty -echo; read -r PGPASSWORD; stty echo; export PGPASSWORD',
      why: 'type the password you gave --db (not shown)',
    },
  ]
}

/**
 * Under npx, the line that defines `halo-admin` in the person's shell (bash, zsh, fish) as this program
 * started without npm: `alias halo-admin='node /path/to/bin/halo-admin.js'`. Null otherwise.
 */
export function directAlias(how: Invocation): string | null {
  return how.direct === undefined ? null : `alias halo-admin=${shellWord(commandLine(how.direct, how.shell), how.shell)}`
}

/** The commands to try next, on the database the demo wrote, started the way halo-admin was run. */
export function nextCommands(how: Invocation, story: DemoStory): NextCommand[] {
  const spare = story.activeSessionIds.includes(story.spareSessionId) ? story.spareSessionId : story.activeSessionIds[0]
  const list: [string[], string][] = [
    [['flag', 'list'], 'early_end_mitra_enabled is on'],
    [['flag', 'history'], `who changed what (${DEMO_ACTOR})`],
    [['session', 'list'], 'the sessions still running, newest first'],
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
  return list.map(([args, why]) => ({ command: commandLine([...how.words, ...args], how.shell), args, why }))
}

export async function narrate(ctx: CliContext, r: DemoResult): Promise<string> {
  const p = await paint(ctx)
  const h = r.history
  const refused = Object.entries(h.refused)
  const was = {
    new: r.engine === 'postgres' ? 'a new database' : 'a new file',
    empty: 'it replaced an empty database',
    demo: 'it replaced an earlier demo',
    data: 'it replaced a database that was not a demo (--force)',
  }
  const today = r.closuresByDay.to
  const lines = [
    `${p.bold('Demo database:')} ${r.target} (${was[r.replaced]})`,
    p.dim('Marked as a demo: demo may replace it until someone changes it; a changed or any other database only with --force.'),
    '',
    p.bold(`History, simulated by the library (simulate, seed ${h.seed}); times in ${r.timeZone} (${zoneAbbreviation(r.timeZone, new Date(r.flagChangedAt))})`),
    // the business day and time, without the zone the heading names (the columns below line up)
    `  ${formatInstant(r.flagChangedAt, r.timeZone).slice(0, 16)}  early_end_mitra_enabled switched on, audited as ${r.marker.actor}`,
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
  const all = [...r.setup, ...r.next]
  const width = Math.max(...all.map((n) => n.command.length))
  const columns = ctx.io.stdout.isTTY ? (process.stdout.columns ?? 80) : Infinity
  const beside = all.every((n) => 2 + width + 4 + n.why.length <= columns)
  for (const n of all) {
    if (beside) lines.push(`  ${n.command.padEnd(width)}  ${p.dim(`# ${n.why}`)}`)
    else lines.push(`  ${p.dim(`# ${n.why}`)}`, `  ${n.command}`)
  }
  if (r.fixedNow !== null) lines.push('', p.dim(`The clock is fixed by HALO_NOW=${r.fixedNow}: keep it set for these, or "today" is the real today.`))
  if (r.direct !== null)
    lines.push(
      '',
      p.dim('npx starts npm before each command, about a second. Without it they start in a tenth of that: define once'),
      `  ${r.direct}`,
      p.dim('and type halo-admin where these say npx halo-admin.'),
    )
  return lines.join('\n')
}
