import { Command } from 'commander'
import type { ReviewDetail } from '../../../review/review-service.js'
import { jsonText, printable } from '../../../present/printable.js'
import { plural } from '../../../present/time.js'
import { NO_REASON } from '../../../present/words.js'
import { action } from '../../action.js'
import type { CliContext } from '../../context.js'
import { examples } from '../../help.js'
import { emit, paint, table } from '../../output.js'
import { rowId } from '../../parse.js'
import { times } from '../../times.js'

export const reviewShow = new Command('show')
  .description("one control-centre review: its state, the mitra's early ends on its day, and the closures attached to it")
  .argument('<id>', 'the review, as `review list` shows it', rowId)
  .addHelpText('after', examples('halo-admin review show 12', "halo-admin review show 12 --json | jq '.closures[].sessionId'"))
  .action(
    action(async (ctx, _opts: object, id: number) => {
      const { createReviewService } = await import('../../../review/review-service.js')
      const review = await createReviewService(await ctx.database(), { clock: ctx.clock }).show(id)
      await emit(ctx, review, (r) => reviewText(ctx, r))
    }),
  )

async function reviewText(ctx: CliContext, r: ReviewDetail): Promise<string> {
  const [p, t] = await Promise.all([paint(ctx), times(ctx)])
  const resolved =
    r.status === 'open'
      ? '-'
      : `${t.at(r.resolvedAt)} by ${printable(r.resolvedBy ?? '-')}${r.resolvedAuthenticatedAs === null ? '' : ` (authenticated as ${printable(r.resolvedAuthenticatedAs)})`}: ${r.outcome ?? '-'}${r.note === null ? '' : ` ${jsonText(r.note)}`}`
  const rows: [string, string][] = [
    ['review', `#${r.id} ${r.status === 'open' ? p.yellow('open') : p.bold('resolved')} (${printable(r.trigger)})`],
    ['mitra', printable(r.mitraId)],
    ['day', r.businessDay],
    ['early ends', `${r.earlyEndsThatDay} by the mitra that day; ${plural(r.earlyEnds, 'closure')} attached to this review`],
    ['opened', t.at(r.openedAt)],
    ['resolved', resolved],
  ]
  const width = Math.max(...rows.map(([k]) => k.length)) + 2
  const head = rows.map(([k, v]) => `${k.padEnd(width)}${v}`.trimEnd()).join('\n')
  if (r.closures.length === 0) return `${head}\nno closures`
  const closures = await table(
    ctx,
    ['closure', 'session', 'at', 'by', 'reason', 'over cap', 'review', 'note'],
    r.closures.map((c) => [
      c.id,
      c.sessionId,
      t.at(c.createdAt),
      `${c.initiatedBy} ${printable(c.actorId ?? '-')}`,
      c.reason ?? NO_REASON,
      c.overCap ? 'yes' : 'no',
      c.reviewId === r.id ? 'attached' : c.reviewId === null ? null : `#${c.reviewId}`,
      c.reasonNote,
    ]),
    { align: ['right', 'right'], wrap: [7], optional: [7, 3] },
  )
  return `${head}\n\nthe mitra's early ends that day, and the closures attached to the review:\n${closures}`
}
