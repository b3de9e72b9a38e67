import { Command } from 'commander'
import type { Review } from '../../../review/review-service.js'
import { action } from '../../action.js'
import { examples } from '../../help.js'
import { emit, paint, table } from '../../output.js'
import { choice, integer, partyId } from '../../parse.js'

interface ListOptions {
  readonly status?: 'open' | 'resolved'
  readonly mitra?: string
  readonly limit: number
}

export const reviewList = new Command('list')
  .description('control-centre reviews opened by the daily cap, newest first')
  .option('--status <status>', 'only open or only resolved reviews', choice(['open', 'resolved'] as const))
  .option('--mitra <id>', 'only this mitra’s reviews', partyId)
  .option('--limit <n>', 'at most n reviews', integer(1, 100_000), 100)
  .addHelpText('after', examples('halo-admin review list --status open', 'halo-admin review list --mitra m-7 --json'))
  .action(
    action(async (ctx, opts: ListOptions) => {
      const { createReviewService } = await import('../../../review/review-service.js')
      const reviews = await createReviewService(await ctx.database(), { clock: ctx.clock }).list({
        ...(opts.status === undefined ? {} : { status: opts.status }),
        ...(opts.mitra === undefined ? {} : { mitraId: opts.mitra }),
        limit: opts.limit,
      })
      await emit(ctx, reviews, async (list) => {
        if (list.length === 0) return opts.status === undefined && opts.mitra === undefined ? 'no reviews yet' : 'no reviews match'
        const p = await paint(ctx)
        return table(
          ctx,
          ['#', 'mitra', 'day', 'status', 'early ends', 'opened', 'outcome', 'by', 'note'],
          list.map((r: Review) => [
            r.id,
            r.mitraId,
            r.businessDay,
            r.status === 'open' ? { styled: p.yellow('open') } : 'resolved',
            r.earlyEnds,
            r.openedAt,
            r.outcome,
            r.resolvedBy,
            // stored verbatim; cells show them on one line, control characters escaped
            r.note,
          ]),
          { align: ['right', 'left', 'left', 'left', 'right'], wrap: [8], optional: [5, 8] },
        )
      })
    }),
  )
