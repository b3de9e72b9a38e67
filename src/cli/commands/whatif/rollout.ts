import { Command } from 'commander'
import { HaloError } from '../../../errors.js'
import { plural } from '../../../present/time.js'
import type { WhatIfRolloutReport } from '../../../whatif/whatif-service.js'
import type { GuardSetting } from '../../../core/guard-rules.js'
import { action } from '../../action.js'
import type { CliContext } from '../../context.js'
import { examples } from '../../help.js'
import { emit, table } from '../../output.js'
import { integer, partyId } from '../../parse.js'
import { rangeOf, withRange, type RangeOptions } from '../../range.js'
import { times } from '../../times.js'

interface RolloutOptions extends RangeOptions {
  readonly always?: string[]
  readonly never?: string[]
  readonly guard?: string
}

/** `--guard off` or a JSON object of thresholds, checked as `flag set early_end_guard` checks it. */
async function guardText(text: string): Promise<GuardSetting> {
  const { parseFlagText } = await import('../../../config/flag-registry.js')
  const parsed = parseFlagText('early_end_guard', text)
  if (!parsed.ok) throw new HaloError('INVALID_INPUT', `--guard: ${parsed.message.replace(/^early_end_guard: /, '')}`)
  return parsed.value
}

const mitraList = (text: string, previous: string[] = []) => [...previous, ...text.split(',').map((s) => partyId(s.trim()))]

export const whatifRollout = withRange(
  new Command('rollout')
    .description(
      'replay the recorded closures under a proposed rollout percent, cohort and guard: how many mitra early ends would have happened, and when the guard would have tripped (writes nothing)',
    )
    .argument('[percent]', 'the proposed early_end_mitra_rollout_percent (default: the current one)', integer(0, 100)),
)
  .option('--always <mitras>', 'mitras always in the rollout, comma-separated, over the current cohort (repeatable)', mitraList)
  .option('--never <mitras>', 'mitras never in the rollout (hold-outs), comma-separated (repeatable)', mitraList)
  .option('--guard <thresholds>', 'the proposed early_end_guard: off, or JSON thresholds (default: the current one)')
  .addHelpText(
    'after',
    `
A mitra early end by a mitra outside the proposed rollout is taken as not having happened; every
other closure happens as recorded. Once the guard trips, the switch stays off for the rest of the range.
${examples(
  'halo-admin whatif rollout 25',
  `halo-admin whatif rollout 50 --guard '{"mitraEarlyEndsPerHour":5,"reviewsOpenedToday":2}'`,
  'halo-admin whatif rollout 10 --always mitra-ayu,mitra-budi --never mitra-citra --from 2026-11-11 --to 2026-11-24',
)}`,
  )
  .action(
    action(async (ctx, opts: RolloutOptions, percent: number | undefined) => {
      const range = await rangeOf(ctx, opts)
      const guard = opts.guard === undefined ? undefined : await guardText(opts.guard)
      const { createWhatIfService } = await import('../../../whatif/whatif-service.js')
      const report = await createWhatIfService(await ctx.database(), { clock: ctx.clock }).rollout(
        {
          ...(percent === undefined ? {} : { percent }),
          ...(opts.always === undefined ? {} : { always: opts.always }),
          ...(opts.never === undefined ? {} : { never: opts.never }),
          ...(guard === undefined ? {} : { guard }),
        },
        range,
      )
      await emit(ctx, report, (r) => describe(ctx, r))
    }),
  )

const guardWords = (g: GuardSetting) => (g === 'off' ? 'guard off' : `guard ${JSON.stringify(g)}`)

async function describe(ctx: CliContext, r: WhatIfRolloutReport): Promise<string> {
  const t = await times(ctx)
  const x = r.replay
  const setting = (s: WhatIfRolloutReport['proposed']) => `${s.percent}%, cohort ${s.always} always / ${s.never} never, ${guardWords(s.guard)}`
  const out = [
    `${r.from} … ${r.to}: ${plural(x.recorded, 'mitra early end')} recorded, by ${plural(x.mitras, 'mitra')}`,
    `in force: ${setting(r.current)}`,
    `proposed: ${setting(r.proposed)}`,
    '',
    `${x.mitrasInRollout} of ${plural(x.mitras, 'mitra')} would have seen Akhiri`,
    `${plural(x.wouldHappen, 'mitra early end')} would have happened; ${x.outsideRollout} not (outside the rollout), ${x.afterGuard} refused after the guard tripped`,
    x.guardTrip === null
      ? r.proposed.guard === 'off'
        ? 'no guard proposed'
        : 'the guard would not have tripped'
      : `the guard would have tripped at ${t.at(x.guardTrip.at)} (session ${x.guardTrip.sessionId}, mitra ${x.guardTrip.mitraId}): ${x.guardTrip.note}`,
  ]
  if (x.days.length > 0) {
    out.push(
      '',
      await table(
        ctx,
        ['day', 'recorded', 'would happen'],
        x.days.map((d) => [d.day, d.recorded, d.wouldHappen]),
        { align: ['left', 'right', 'right'] },
      ),
    )
  }
  return out.join('\n')
}
