import { Command } from 'commander'
import type { Review, ReviewFilter } from '../../../review/review-service.js'
import { action } from '../../action.js'
import { examples } from '../../help.js'
import { nextPageLine } from '../../next-command.js'
import { emit, notice, paint, table } from '../../output.js'
import { choice, integer, partyId, rowId } from '../../parse.js'
import { times } from '../../times.js'

const STATUSES = ['open', 'resolved', 'all'] as const
const DEFAULT_LIMIT = 100

interface ListOptions {
  readonly status: (typeof STATUSES)[number]
  readonly mitra?: string
  readonly after?: number
  readonly limit?: number
}

export const reviewList = new Command('list')
  .description('control-centre reviews opened by the daily cap, newest first: the open ones unless --status says otherwise, a page at a time')
  .summary('open control-centre reviews, newest first')
  .option('--status <status>', 'open, resolved or all (default: open)', choice(STATUSES), 'open')
  .option('--mitra <id>', 'only this mitra’s reviews', partyId)
  .option('--after <id>', 'the next page: reviews older than review <id> (the last id of the page before)', rowId)
  .option('--limit <n>', `at most n reviews a page (default ${DEFAULT_LIMIT})`, integer(1, 100_000))
  .addHelpText(
    'after',
    `
"early ends" is the mitra's early ends on the review's day, as \`report cap\` counts them.
A full page ends with the command for the next one; \`review show <id>\` shows one review.
${examples('halo-admin review list', 'halo-admin review list --status all --mitra m-7', 'halo-admin review list --status resolved --json')}`,
  )
  .action(
    action(async (ctx, opts: ListOptions) => {
      const { createReviewService } = await import('../../../review/review-service.js')
      const reviews = createReviewService(await ctx.database(), { clock: ctx.clock })
      const limit = opts.limit ?? DEFAULT_LIMIT
      const filter: ReviewFilter = {
        ...(opts.status === 'all' ? {} : { status: opts.status }),
        ...(opts.mitra === undefined ? {} : { mitraId: opts.mitra }),
      }
      const list = await reviews.list({ ...filter, ...(opts.after === undefined ? {} : { after: opts.after }), limit })
      const last = list.at(-1)
      const more = list.length === limit && last !== undefined && (await reviews.list({ ...filter, after: last.id, limit: 1 })).length > 0
      await emit(ctx, list, async (page) => {
        if (page.length === 0) return ''
        const [p, t] = await Promise.all([paint(ctx), times(ctx)])
        const text = await table(
          ctx,
          ['#', 'mitra', 'day', 'status', 'early ends', 'opened', 'outcome', 'by', 'note'],
          page.map((r: Review) => [
            r.id,
            r.mitraId,
            r.businessDay,
            r.status === 'open' ? { styled: p.yellow('open') } : 'resolved',
            r.earlyEndsThatDay,
            t.at(r.openedAt),
            r.outcome,
            r.resolvedBy,
            // stored verbatim; cells show them on one line, control characters escaped
            r.note,
          ]),
          { align: ['right', 'left', 'left', 'left', 'right'], wrap: [8], optional: [5, 8] },
        )
        return text
      })
      // not data: on stderr, so that a pipe gets only the rows
      if (list.length === 0) notice(ctx, nothing(opts))
      else if (more) notice(ctx, nextPageLine(ctx, 'more reviews', nextArgs(opts, last!.id)))
    }),
  )

function nothing(opts: ListOptions): string {
  const whose = opts.mitra === undefined ? '' : ` of ${opts.mitra}`
  if (opts.after !== undefined) return `no ${opts.status === 'all' ? '' : `${opts.status} `}reviews${whose} after #${opts.after}`
  if (opts.status === 'all') return opts.mitra === undefined ? 'no reviews yet' : `no reviews${whose}`
  return `no ${opts.status} reviews${whose} (--status all lists every review)`
}

function nextArgs(opts: ListOptions, lastId: number): string[] {
  return [
    'review',
    'list',
    ...(opts.status === 'open' ? [] : ['--status', opts.status]),
    ...(opts.mitra === undefined ? [] : ['--mitra', opts.mitra]),
    ...(opts.limit === undefined ? [] : ['--limit', String(opts.limit)]),
    '--after',
    String(lastId),
  ]
}
