import { Command } from 'commander'
import { action } from '../../action.js'
import { examples } from '../../help.js'
import { emit } from '../../output.js'
import { note, partyId } from '../../parse.js'

export const rolloutRemove = new Command('remove')
  .description('take mitras out of the cohort: the percent decides for them again (audited)')
  .argument('<mitra...>', 'mitra ids', (text: string, previous: string[] = []) => [...previous, partyId(text)])
  .option('--note <text>', 'why, for the audit trail', note)
  .addHelpText('after', examples('halo-admin rollout remove mitra-ayu', 'halo-admin rollout remove mitra-citra --note "hold-out over"'))
  .action(
    action(async (ctx, opts: { note?: string }, mitras: string[]) => {
      const [{ createRolloutService }, { describeCohortChanges }] = await Promise.all([import('../../../rollout/rollout-service.js'), import('./changes.js')])
      const rollout = createRolloutService(await ctx.database(), { clock: ctx.clock })
      const changes = await rollout.remove(mitras, { actor: ctx.actor(), note: opts.note })
      await emit(ctx, { changes }, (r) => describeCohortChanges(mitras, r.changes))
    }),
  )
