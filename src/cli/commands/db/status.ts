import { Command } from 'commander'
import { action } from '../../action.js'
import { examples } from '../../help.js'
import { emit } from '../../output.js'

export const dbStatus = new Command('status')
  .description('which migrations the database has and lacks (changes nothing)')
  .addHelpText('after', examples('halo-admin db status', 'halo-admin db status --json'))
  .action(
    action(async (ctx) => {
      const { migrationStatus } = await import('../../../store/migrate.js')
      const handle = await ctx.database({ migrate: false })
      const status = await migrationStatus(handle)
      const state = status.unknown.length > 0 ? 'ahead' : status.pending.length > 0 ? 'behind' : 'current'
      await emit(ctx, { target: ctx.target, engine: handle.engineName, state, ...status }, (s) =>
        [
          `database  ${s.target} (${s.engine})`,
          `state     ${s.state === 'current' ? 'up to date' : s.state === 'behind' ? 'needs `halo-admin db migrate`' : 'migrated by a newer halo-admin: upgrade'}`,
          `applied   ${s.applied.join(', ') || '-'}`,
          `pending   ${s.pending.join(', ') || '-'}`,
        ].join('\n'),
      )
    }),
  )
