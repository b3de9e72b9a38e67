import { Command } from 'commander'
import type { ReviewOutcome } from '../../../core/vocabulary.js'
import { action } from '../../action.js'
import { examples } from '../../help.js'
import { emit } from '../../output.js'
import { note, rowId } from '../../parse.js'
import { outcome } from './outcome.js'

export const reviewResolve = new Command('resolve')
  .description('close an open review with an outcome (recorded with --actor and --note)')
  .argument('<id>', 'the review, as `review list` shows it', rowId)
  .requiredOption('--outcome <outcome>', 'cleared, warned or suspended', outcome)
  .option('--note <text>', 'what was decided and why', note)
  .addHelpText(
    'after',
    examples('halo-admin review resolve 12 --outcome warned --note "talked to the mitra"', 'halo-admin --actor cc-budi review resolve 12 --outcome cleared'),
  )
  .action(
    action(async (ctx, opts: { outcome: ReviewOutcome; note?: string }, id: number) => {
      const actor = ctx.actor()
      const { createReviewService } = await import('../../../review/review-service.js')
      const review = await createReviewService(await ctx.database(), { clock: ctx.clock }).resolve(id, {
        outcome: opts.outcome,
        actor,
        ...(opts.note === undefined ? {} : { note: opts.note }),
      })
      await emit(ctx, review, (r) => `review #${r.id} (${r.mitraId}, ${r.businessDay}): resolved as ${r.outcome} by ${r.resolvedBy}`)
    }),
  )
