import { Command, InvalidArgumentError } from 'commander'
import type { ClosureService, SessionFilter } from '../../../closure/closure-service.js'
import { printable } from '../../../present/printable.js'
import type { CliContext } from '../../context.js'
import type { Session } from '../../../closure/session-view.js'
import { LIVE_STATUSES, SESSION_STATUSES, type SessionStatus } from '../../../core/vocabulary.js'
import { action } from '../../action.js'
import { examples } from '../../help.js'
import { nextCommand, nextPageLine } from '../../next-command.js'
import { emit, notice } from '../../output.js'
import { choices, integer, partyId, rowId } from '../../parse.js'
import { peopleTime, sinceValue } from '../../people-time.js'
import { sessionTable } from './text.js'

const DEFAULT_LIMIT = 100

interface ListOptions {
  readonly status?: SessionStatus[]
  readonly all?: boolean
  readonly mitra?: string
  readonly customer?: string
  readonly since?: string
  readonly after?: number
  readonly limit?: number
}

/** What `session list` prints with --json: the page, newest first (the array it always was). */
type Page = readonly Session[]

export const sessionList = new Command('list')
  .description(
    'sessions, newest first: the live ones (active, extending) unless --status or --all says otherwise, a page at a time, with the time (or grace window) they have left',
  )
  .summary('live sessions, newest first, a page at a time')
  .option('--status <s[,s]>', `only these statuses: ${SESSION_STATUSES.join(', ')} (default: ${LIVE_STATUSES.join(',')})`, choices(SESSION_STATUSES))
  .option('--all', 'every status, closed ones included')
  .option('--mitra <id>', "only this mitra's sessions", partyId)
  .option('--customer <id>', "only this customer's sessions", partyId)
  .option(
    '--since <D>',
    'only sessions started since D: a business day (2026-12-05, from its start), a local time (2026-12-05 13:00), an instant with its zone, today, yesterday, or 30m, 2h, 7d back',
    peopleTime,
  )
  .option('--after <id>', 'the next page: sessions older than session <id> (the last id of the page before)', rowId)
  .option('--limit <n>', `at most n sessions a page (default ${DEFAULT_LIMIT})`, integer(1, 100_000))
  .addHelpText(
    'after',
    `
A full page ends with the command for the next one (--after the last id shown).
With --json the page is an array; ask for the next with --after until it is empty.
${examples(
  'halo-admin session list',
  'halo-admin session list --mitra m-1 --since 2026-11-24',
  'halo-admin session list --all --customer c-9 --limit 20',
  'halo-admin session list --status closing --json',
  'halo-admin session list --after 140101',
)}`,
  )
  .action(
    action(async (ctx, opts: ListOptions) => {
      if (opts.all === true && opts.status !== undefined) throw new InvalidArgumentError('--all lists every status: give --status or --all, not both')
      const { createClosureService } = await import('../../../closure/closure-service.js')
      const closures = createClosureService(await ctx.database(), { clock: ctx.clock })
      const limit = opts.limit ?? DEFAULT_LIMIT
      const since = opts.since === undefined ? undefined : await sinceValue(ctx, opts.since)
      const filter: SessionFilter = {
        ...(opts.all === true ? {} : { status: opts.status ?? [...LIVE_STATUSES] }),
        ...(opts.mitra === undefined ? {} : { mitraId: opts.mitra }),
        ...(opts.customer === undefined ? {} : { customerId: opts.customer }),
        ...(since === undefined ? {} : { since }),
        order: 'newest',
      }
      const page: Page = await closures.listSessions({ ...filter, ...(opts.after === undefined ? {} : { after: opts.after }), limit })
      // a full page may be the last one: one more session after it says whether there is a next
      const last = page.at(-1)
      const more = page.length === limit && last !== undefined && (await closures.listSessions({ ...filter, after: last.id, limit: 1 })).length > 0
      await emit(ctx, page, (list) => (list.length === 0 ? '' : sessionTable(ctx, list)))
      // not data: on stderr, so that a pipe gets only the rows
      if (page.length === 0) notice(ctx, opts.after !== undefined ? `no sessions after ${opts.after}` : nothing(opts))
      else if (more) notice(ctx, nextPageLine(ctx, 'more sessions', nextArgs({ ...opts, ...(since === undefined ? {} : { since }) }, last!.id)))
      // nothing live for this mitra or customer: say what there is in other statuses, and how to list it
      if (page.length === 0 && opts.after === undefined && opts.status === undefined && opts.all !== true && !ctx.json) {
        const hint = await otherStatuses(ctx, closures, opts)
        if (hint !== null) ctx.io.stderr.write(`${hint}\n`)
      }
    }),
  )

function nothing(opts: ListOptions): string {
  const filtered = opts.mitra !== undefined || opts.customer !== undefined || opts.since !== undefined
  if (opts.status === undefined && opts.all !== true) return filtered ? 'no live sessions match' : 'no live sessions (--all lists every status)'
  return 'no sessions match'
}

/** How many sessions of the mitra or customer asked for are not live, and the command that lists them; null when none. */
async function otherStatuses(ctx: CliContext, closures: ClosureService, opts: ListOptions): Promise<string | null> {
  if (opts.mitra === undefined && opts.customer === undefined) return null
  const whose = {
    ...(opts.mitra === undefined ? {} : { mitraId: opts.mitra }),
    ...(opts.customer === undefined ? {} : { customerId: opts.customer }),
    ...(opts.since === undefined ? {} : { since: opts.since }),
  }
  const CAP = 1000
  const others = await closures.listSessions({ ...whose, order: 'newest', limit: CAP + 1 })
  if (others.length === 0) return null
  const statuses = [...new Set(others.map((s) => s.status))].join(', ')
  const who = [opts.mitra === undefined ? '' : `mitra ${printable(opts.mitra)}`, opts.customer === undefined ? '' : `customer ${printable(opts.customer)}`]
    .filter((w) => w !== '')
    .join(' and ')
  const n = others.length > CAP ? `more than ${CAP}` : String(others.length)
  return `${n} ${others.length === 1 ? 'session' : 'sessions'} of ${who} in other statuses (${statuses}); list them: ${nextCommand(ctx, ['session', 'list', '--all', ...nextArgs(opts, 0).slice(2, -2)])}`
}

/** The same list from the session after `lastId`: every option as given, `--after` moved on. */
function nextArgs(opts: ListOptions, lastId: number): string[] {
  return [
    'session',
    'list',
    ...(opts.status === undefined ? [] : ['--status', opts.status.join(',')]),
    ...(opts.all === true ? ['--all'] : []),
    ...(opts.mitra === undefined ? [] : ['--mitra', opts.mitra]),
    ...(opts.customer === undefined ? [] : ['--customer', opts.customer]),
    ...(opts.since === undefined ? [] : ['--since', opts.since]),
    ...(opts.limit === undefined ? [] : ['--limit', String(opts.limit)]),
    '--after',
    String(lastId),
  ]
}
