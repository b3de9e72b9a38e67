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
      const { schemaReport } = await import('../../../store/schema-state.js')
      const handle = await ctx.database({ migrate: false })
      const report = await schemaReport(handle)
      // another application's tables or migration record, or a system schema: migrating would not help
      const status =
        report.state === 'foreign'
          ? { applied: [], pending: [], latest: '', unknown: [], why: report.why ?? '' }
          : { ...(await migrationStatus(handle)), why: undefined }
      const state = report.state === 'foreign' ? 'foreign' : status.unknown.length > 0 ? 'ahead' : status.pending.length > 0 ? 'behind' : 'current'
      await emit(ctx, { target: ctx.target, engine: handle.engineName, state, ...status }, (s) =>
        [
          `database  ${s.target} (${s.engine})`,
          `state     ${stateLine(s.state, s.why)}`,
          `applied   ${s.applied.join(', ') || '-'}`,
          `pending   ${s.pending.join(', ') || '-'}`,
        ].join('\n'),
      )
    }),
  )

function stateLine(state: string, why: string | undefined): string {
  if (state === 'current') return 'up to date'
  if (state === 'behind') return 'needs `halo-admin db migrate`'
  if (state === 'ahead') return 'migrated by a newer halo-admin: upgrade'
  return `not a halo-admin database, and \`db migrate\` will refuse it: ${why}`
}
