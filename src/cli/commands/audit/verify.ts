import { Command } from 'commander'
import { action } from '../../action.js'
import { EXIT } from '../../exit-codes.js'
import { examples } from '../../help.js'
import { emit } from '../../output.js'

export const auditVerify = new Command('verify')
  .description(
    'check the hash chain over the flag history, closures and review resolutions, then seal what was appended since; exit 4 naming the first record changed, removed or inserted out of order',
  )
  .option('--no-seal', 'check only; append nothing to the chain')
  .addHelpText('after', examples('halo-admin audit verify', 'halo-admin audit verify --json || alert-oncall   # nightly'))
  .action(
    action(async (ctx, opts: { seal: boolean }) => {
      const { createAuditService } = await import('../../../audit/audit-service.js')
      const result = await createAuditService(await ctx.database(), { clock: ctx.clock }).verify({ seal: opts.seal })
      await emit(ctx, result, (r) => {
        if (r.problem !== null) return `audit chain broken: ${r.problem.message}`
        const lines = [`audit chain holds: ${r.links} records chained (${r.backfilled} backfilled from before the chain), ${r.sealed} sealed by this run`]
        if (r.head !== null) lines.push(`head  link ${r.head.seq} ${r.head.hash}`)
        if (r.unsealed > 0) lines.push(`${r.unsealed} records not sealed yet: ${r.sealRefused ?? 'their transactions were still running'}`)
        return lines.join('\n')
      })
      if (!result.ok) process.exitCode = EXIT.INVALID_STATE
    }),
  )
