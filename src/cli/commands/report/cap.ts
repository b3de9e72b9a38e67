import { Command } from 'commander'
import { plural } from '../../../present/time.js'
import type { CapReport } from '../../../report/report-service.js'
import { action } from '../../action.js'
import { examples } from '../../help.js'
import { emit, paint, table } from '../../output.js'
import { day } from '../../parse.js'

export const reportCap = new Command('cap')
  .description('each mitra’s early ends on a business day against the daily cap: who is at or over it, and their review')
  .option('--day <day>', 'the business day, YYYY-MM-DD (default: today in business_timezone)', day)
  .addHelpText('after', examples('halo-admin report cap', 'halo-admin report cap --day 2026-11-24 --json'))
  .action(
    action(async (ctx, opts: { day?: string }) => {
      const { createReportService } = await import('../../../report/report-service.js')
      const report = await createReportService(await ctx.database(), { clock: ctx.clock }).cap(opts.day)
      await emit(ctx, report, async (r: CapReport) => {
        const head = `${r.day}: cap ${plural(r.cap, 'early end')} per mitra (past it: ${r.overCapAction})`
        if (r.rows.length === 0) return `${head}; no mitra early ends`
        const p = await paint(ctx)
        const standing = { under: 'under', at: { styled: p.yellow('at cap') }, over: { styled: p.red('over cap') } }
        const rows = r.rows.map((row) => [
          row.mitraId,
          row.count,
          row.remaining,
          standing[row.standing],
          row.reviewId === null ? null : `#${row.reviewId} ${row.reviewStatus ?? ''}`.trim(),
        ])
        const text = await table(ctx, ['mitra', 'early ends', 'remaining', 'standing', 'review'], rows, { align: ['left', 'right', 'right'] })
        return `${head}; ${r.atOrOver} of ${plural(r.rows.length, 'mitra')} at or over it\n${text}`
      })
    }),
  )
