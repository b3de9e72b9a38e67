import { Command } from 'commander'
import { action } from '../../action.js'
import { examples } from '../../help.js'
import { emit } from '../../output.js'
import { note, partyId } from '../../parse.js'

export const rolloutAdd = new Command('add')
  .description('put mitras in the cohort: always in the rollout, or with --never held out of it (audited)')
  .argument('<mitra...>', 'mitra ids', (text: string, previous: string[] = []) => [...previous, partyId(text)])
  .option('--never', 'hold them out: never in the rollout, whatever the percent')
  .option('--note <text>', 'why, for the audit trail', note)
  .addHelpText(
    'after',
    `
The kill switch stays the master: nobody gets Akhiri while early_end_mitra_enabled is false.
${examples('halo-admin rollout add mitra-ayu mitra-budi --note "pilot group"', 'halo-admin rollout add mitra-citra --never --note "hold-out"')}`,
  )
  .action(
    action(async (ctx, opts: { never?: boolean; note?: string }, mitras: string[]) => {
      const [{ createRolloutService }, { describeCohortChanges }] = await Promise.all([import('../../../rollout/rollout-service.js'), import('./changes.js')])
      const rollout = createRolloutService(await ctx.database(), { clock: ctx.clock })
      const changes = await rollout.add(mitras, { mode: opts.never === true ? 'never' : 'always', actor: ctx.actor(), note: opts.note })
      await emit(ctx, { changes }, (r) => describeCohortChanges(mitras, r.changes))
    }),
  )
