import { Command } from 'commander'
import { action } from '../../action.js'
import { examples } from '../../help.js'
import { emit } from '../../output.js'

export const dbMigrate = new Command('migrate')
  .description('bring the schema up to date (idempotent; safe from many processes at once)')
  .addHelpText('after', examples('halo-admin db migrate', 'halo-admin --db postgres://halo@db.internal/halo db migrate'))
  .action(
    action(async (ctx) => {
      const { migrateToLatest } = await import('../../../store/migrate.js')
      const result = await migrateToLatest(await ctx.database({ migrate: false, create: true }))
      await emit(ctx, { target: ctx.target, ...result }, (r) =>
        r.ran.length === 0 ? `${r.target}: up to date (${r.latest})` : `${r.target}: ran ${r.ran.join(', ')}; now at ${r.latest}`,
      )
    }),
  )
