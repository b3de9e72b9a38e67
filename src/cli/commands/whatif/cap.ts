import { Command } from 'commander'
import { plural } from '../../../present/time.js'
import type { WhatIfCapReport } from '../../../whatif/whatif-service.js'
import { action } from '../../action.js'
import type { CliContext } from '../../context.js'
import { examples } from '../../help.js'
import { emit, table } from '../../output.js'
import { choice, integer } from '../../parse.js'
import { rangeOf, withRange, type RangeOptions } from '../../range.js'

interface CapOptions extends RangeOptions {
  readonly action?: 'block' | 'allow'
}

export const whatifCap = withRange(
  new Command('cap')
    .description(
      'replay the recorded mitra early ends against another daily cap: what it would have refused and whom it would have sent to review (writes nothing)',
    )
    .argument('<n>', 'the proposed early_end_mitra_daily_cap', integer(1, 1_000_000)),
)
  .option(
    '--action <action>',
    'the proposed over-cap action, block or allow (default: each early end keeps the action in force when it committed)',
    choice(['block', 'allow'] as const),
  )
  .addHelpText(
    'after',
    examples(
      'halo-admin whatif cap 2',
      'halo-admin whatif cap 5 --action allow --from 2026-11-01 --to 2026-11-24',
      'halo-admin whatif cap 2 --json | jq .whatif',
    ),
  )
  .action(
    action(async (ctx, opts: CapOptions, cap: number) => {
      const range = await rangeOf(ctx, opts)
      const { createWhatIfService } = await import('../../../whatif/whatif-service.js')
      const report = await createWhatIfService(await ctx.database(), { clock: ctx.clock }).cap(
        { cap, ...(opts.action === undefined ? {} : { overCapAction: opts.action }) },
        range,
      )
      await emit(ctx, report, (r) => describe(ctx, r))
    }),
  )

/** The per-mitra table shows the mitras with the most early ends first, at most this many; --json has them all. */
const MITRAS_SHOWN = 25

async function describe(ctx: CliContext, r: WhatIfCapReport): Promise<string> {
  // each early end was judged by the cap and action in force when it committed: `cap 4→6` when it changed in the range
  const caps = r.inForce.caps.map((c) => c.value).join('→')
  const actions = r.inForce.actions.map((a) => a.value).join('→')
  const actual = `actual: cap ${caps}, ${actions}`
  // without a proposed action, each early end keeps the one in force then
  const proposed = `what-if: cap ${r.proposed.cap}, ${r.proposed.overCapAction ?? actions}`
  const head = `${r.from} … ${r.to}: ${plural(r.replayed, 'mitra early end')} replayed`
  const sides = await table(
    ctx,
    ['', actual, proposed],
    [
      ['early ends allowed', r.actual.allowed, r.whatif.allowed],
      ['refused (cap reached)', r.actual.refused, r.whatif.refused],
      ['over cap', r.actual.overCap, r.whatif.overCap],
      ['reviews opened', r.actual.reviewsOpened, r.whatif.reviewsOpened],
      ['mitras sent to review', r.actual.reviewMitras.length, r.whatif.reviewMitras.length],
    ],
    { align: ['left', 'right', 'right'] },
  )
  const who = (side: string, list: readonly string[]) => `  ${side} ${list.length === 0 ? '-' : list.join(', ')}`
  const reviewed = ['mitras sent to review', who('actual: ', r.actual.reviewMitras), who('what-if:', r.whatif.reviewMitras)].join('\n')
  const verdict = r.differences === 0 ? 'no early end would have gone differently' : `${plural(r.differences, 'early end')} would have gone differently`
  const out = [head, '', sides, '', reviewed, '', verdict]
  if (r.unexplained > 0)
    out.push(
      `${plural(r.unexplained, 'early end')} recorded otherwise than the cap and action in force then give: a change the audit history does not hold (written by hand?)`,
    )
  if (r.mitras.length === 0) return out.join('\n')
  // when the cap changed in the range, each mitra's row says which cap judged their early ends
  const changed = r.inForce.caps.length > 1
  const perMitra = await table(
    ctx,
    ['mitra', 'early ends', ...(changed ? ['cap then'] : []), 'over cap', 'reviews', '│', 'refused', 'over cap', 'reviews'],
    r.mitras
      .slice(0, MITRAS_SHOWN)
      .map((m) => [
        m.mitraId,
        m.earlyEnds,
        ...(changed ? [m.actual.capsInForce.join('→')] : []),
        m.actual.overCap,
        m.actual.reviewDays.length,
        '│',
        m.whatif.refused,
        m.whatif.overCap,
        m.whatif.reviewDays.length,
      ]),
    { align: ['left', 'right', ...(changed ? (['right'] as const) : []), 'right', 'right', 'left', 'right', 'right', 'right'] },
  )
  out.push('', `per mitra (${actual} │ ${proposed}):`, perMitra)
  if (r.mitras.length > MITRAS_SHOWN) out.push(`and ${plural(r.mitras.length - MITRAS_SHOWN, 'more mitra')} (--json lists them all, with the review days)`)
  return out.join('\n')
}
