import { Command } from 'commander'
import { action } from '../../action.js'
import { examples } from '../../help.js'
import { emit, table } from '../../output.js'
import { times } from '../../times.js'

export const rolloutList = new Command('list')
  .description('where the rollout stands: the switch, the percent, and the cohort (always in, never in)')
  .addHelpText('after', examples('halo-admin rollout list', 'halo-admin rollout list --json'))
  .action(
    action(async (ctx) => {
      const { createRolloutService } = await import('../../../rollout/rollout-service.js')
      const rollout = createRolloutService(await ctx.database(), { clock: ctx.clock })
      const [standing, members] = [await rollout.standing(), await rollout.list()]
      await emit(ctx, { ...standing, members }, async (r) => {
        const head = [
          `early_end_mitra_enabled ${r.enabled ? 'true' : 'false: nobody gets Akhiri, cohort included'}`,
          `early_end_mitra_rollout_percent ${r.percent}: mitras whose bucket (0-99) is below ${r.percent} get Akhiri`,
          `cohort: ${r.always} always in, ${r.never} never in`,
        ].join('\n')
        if (r.members.length === 0) return head
        const t = await times(ctx)
        const rows = r.members.map((m) => [m.mitraId, m.mode, m.bucket, t.at(m.setAt), m.setBy, m.note])
        return `${head}\n${await table(ctx, ['mitra', 'cohort', 'bucket', 'set', 'by', 'note'], rows, { align: ['left', 'left', 'right'], wrap: [5], optional: [5] })}`
      })
    }),
  )
