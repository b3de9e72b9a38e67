import { Command } from 'commander'
import { action } from '../../action.js'
import { EXIT } from '../../exit-codes.js'
import { examples } from '../../help.js'
import { emit, paint, table } from '../../output.js'

export const dbCheck = new Command('check')
  .description('check the data invariants (one closure per closing session, counters, reviews, audit trail…); exit 4 when any fails')
  .addHelpText('after', examples('halo-admin db check', 'halo-admin db check --json || alert-oncall'))
  .action(
    action(async (ctx) => {
      const { checkInvariants } = await import('../../../check/invariants.js')
      const report = await checkInvariants(await ctx.database(), { clock: ctx.clock })
      await emit(ctx, report, async (r) => {
        const p = await paint(ctx)
        const rows = r.checks.map((c) => [{ styled: c.ok ? p.green('ok') : p.red('FAIL') }, c.name, c.violations, c.examples.join(' ')])
        return `${await table(ctx, ['', 'invariant', 'violations', 'examples'], rows)}\n${r.ok ? 'all invariants hold' : 'invariants violated'}`
      })
      if (!report.ok) process.exitCode = EXIT.INVALID_STATE
    }),
  )
