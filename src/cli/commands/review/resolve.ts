import { Command, InvalidArgumentError } from 'commander'
import { REVIEW_OUTCOMES, type ReviewOutcome } from '../../../core/vocabulary.js'
import { END_CANCEL } from '../../../present/prd-strings.js'
import { printable } from '../../../present/printable.js'
import { action } from '../../action.js'
import { Cancelled } from '../../cancelled.js'
import type { CliContext } from '../../context.js'
import { examples } from '../../help.js'
import { nextCommand } from '../../next-command.js'
import { emit, paint } from '../../output.js'
import { note, rowId } from '../../parse.js'
import { outcome } from './outcome.js'

export const reviewResolve = new Command('resolve')
  .description('close an open review with an outcome (recorded with --actor and --note); on a terminal, without --outcome, asks for it')
  .argument('<id>', 'the review, as `review list` shows it', rowId)
  .option('--outcome <outcome>', 'cleared, warned or suspended (asked on a terminal when missing; required otherwise)', outcome)
  .option('--note <text>', 'what was decided and why', note)
  .addHelpText(
    'after',
    examples(
      'halo-admin review resolve 12',
      'halo-admin review resolve 12 --outcome warned --note "talked to the mitra"',
      'halo-admin --actor cc-budi review resolve 12 --outcome cleared',
    ),
  )
  .action(
    action(async (ctx, opts: { outcome?: ReviewOutcome; note?: string }, id: number) => {
      const actor = ctx.actor()
      const { createReviewService } = await import('../../../review/review-service.js')
      const reviews = createReviewService(await ctx.database(), { clock: ctx.clock })
      const chosen = opts.outcome === undefined ? await askOutcome(ctx, reviews, id, opts.note) : { outcome: opts.outcome, note: opts.note }
      const review = await reviews.resolve(id, { outcome: chosen.outcome, actor, ...(chosen.note === undefined ? {} : { note: chosen.note }) })
      await emit(
        ctx,
        review,
        (r) => `review #${r.id} (${printable(r.mitraId)}, ${r.businessDay}): resolved as ${r.outcome} by ${printable(r.resolvedBy ?? '-')}`,
      )
    }),
  )

type Reviews = ReturnType<typeof import('../../../review/review-service.js').createReviewService>

/**
 * The outcome (and a note, when none was given) asked at the terminal, after the review has been read:
 * a review that is not there or no longer open is refused before any question. The choices open on
 * `Batal`, which (or Ctrl-C) exits 130 and changes nothing. Without a terminal: a usage error.
 */
async function askOutcome(ctx: CliContext, reviews: Reviews, id: number, given: string | undefined): Promise<{ outcome: ReviewOutcome; note?: string }> {
  if (!(ctx.io.stdin.isTTY === true && ctx.io.stdout.isTTY === true))
    throw new InvalidArgumentError(`--outcome is required without a terminal: one of ${REVIEW_OUTCOMES.join(', ')}`)
  const r = await reviews.show(id)
  if (r.status !== 'open') {
    const { HaloError } = await import('../../../errors.js')
    throw new HaloError('INVALID_STATE', `review #${r.id} is already resolved (${r.outcome ?? '-'} by ${r.resolvedBy ?? '-'})`)
  }
  const { promptsFor } = await import('../../prompts.js')
  const prompts = await promptsFor(ctx, await paint(ctx))
  ctx.io.stdout.write(
    `review #${r.id}: mitra ${printable(r.mitraId)}, ${r.businessDay}, ${r.earlyEndsThatDay} early ends that day (${nextCommand(ctx, ['review', 'show', String(r.id)])})\n`,
  )
  const picked = await prompts.select({
    message: 'Outcome',
    choices: [{ value: END_CANCEL, name: END_CANCEL }, ...REVIEW_OUTCOMES.map((o) => ({ value: o, name: o }))],
    default: END_CANCEL,
  })
  if (picked === END_CANCEL) throw new Cancelled()
  const text = given ?? (await prompts.input({ message: 'Note (Enter for none)', validate: async () => true }))
  return { outcome: picked as ReviewOutcome, ...(text.trim() === '' ? {} : { note: text }) }
}
