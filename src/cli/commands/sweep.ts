import { Command } from 'commander'
import { action } from '../action.js'
import { examples } from '../help.js'
import { emit } from '../output.js'

export const sweep = new Command('sweep')
  .description('move sessions past their end into closing (expired) and closings past their grace window to closed; idempotent')
  .addHelpText('after', examples('halo-admin sweep', '*/1 * * * * halo-admin --db /var/lib/halo/halo.db sweep --json   # from cron'))
  .action(
    action(async (ctx) => {
      const { createClosureService } = await import('../../closure/closure-service.js')
      const result = await createClosureService(await ctx.database(), { clock: ctx.clock }).sweep()
      const { error, ...counts } = result
      await emit(ctx, counts, (r) => `expired ${r.expired}, finalized ${r.finalized}`)
      // the batches before a failure stay done and are reported above; the failure itself is reported like any other
      if (error !== undefined) throw error
    }),
  )
