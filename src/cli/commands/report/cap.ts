import { Command } from 'commander'
import { plural } from '../../../present/time.js'
import type { CapReport } from '../../../report/report-service.js'
import { action } from '../../action.js'
import { examples } from '../../help.js'
import { emit, paint, table } from '../../output.js'
import { dayValue, peopleTime } from '../../people-time.js'
import { times, type Times } from '../../times.js'

export const reportCap = new Command('cap')
  .description('each mitra’s early ends on a business day against the daily cap: who is at or over it, and their review')
  .option('--day <day>', 'the business day: YYYY-MM-DD, today, yesterday, 2d back (default: today in business_timezone)', peopleTime)
  .addHelpText('after', examples('halo-admin report cap', 'halo-admin report cap --day 2026-11-24 --json'))
  .action(
    action(async (ctx, opts: { day?: string }) => {
      const { createReportService } = await import('../../../report/report-service.js')
      const report = await createReportService(await ctx.database(), { clock: ctx.clock }).cap(
        opts.day === undefined ? undefined : await dayValue(ctx, opts.day),
      )
      await emit(ctx, report, async (r: CapReport) => {
        const t = await times(ctx)
        const changed = r.capsInForce.length > 1 || r.actionsInForce.length > 1
        // judged by the rule in force when each mitra's early ends committed: say which that was
        const head = changed ? `${r.day}: ${inForce(r, t)}` : `${r.day}: cap ${plural(r.cap, 'early end')} per mitra (past it: ${r.overCapAction})`
        if (r.rows.length === 0) return `${head}; no mitra early ends`
        const p = await paint(ctx)
        const standing = { under: 'under', at: { styled: p.yellow('at cap') }, over: { styled: p.red('over cap') } }
        const rows = r.rows.map((row) => [
          row.mitraId,
          row.count,
          row.remaining,
          standing[row.standing],
          ...(changed ? [row.capThen] : []),
          row.reviewId === null ? null : `#${row.reviewId} ${row.reviewStatus ?? ''}`.trim(),
        ])
        const head2 = ['mitra', 'early ends', 'remaining', 'standing', ...(changed ? ['cap then'] : []), 'review']
        const text = await table(ctx, head2, rows, { align: ['left', 'right', 'right', ...(changed ? (['left', 'right'] as const) : [])] })
        return `${head}; ${r.atOrOver} of ${plural(r.rows.length, 'mitra')} at or over it\n${text}`
      })
    }),
  )

/** `caps in force: 4 until 13:00 WIB, then 6 (past it: block)`: every rule of the day, in order. */
function inForce(r: CapReport, t: Times): string {
  const when = (until: string | null) => (until === null ? '' : ` until ${t.at(until)}`)
  const caps = r.capsInForce.map((c) => `${c.cap}${when(c.until)}`).join(', then ')
  const actions = r.actionsInForce.map((a) => `${a.overCapAction}${when(a.until)}`).join(', then ')
  return `caps in force per mitra: ${caps} (past it: ${actions}); each mitra judged by the cap when their last early end committed`
}
