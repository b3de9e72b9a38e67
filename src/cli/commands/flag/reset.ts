import { Command } from 'commander'
import { readFlagText } from '../../../config/flag-registry.js'
import type { FlagKey } from '../../../config/flag-registry.js'
import { action } from '../../action.js'
import { examples } from '../../help.js'
import { emit } from '../../output.js'
import { note } from '../../parse.js'
import { changeResult, describeChange } from './change.js'
import { flagKey } from './key.js'

export const flagReset = new Command('reset')
  .description('put a flag back to its default (audited)')
  .argument('<key>', 'the flag', flagKey)
  .option('--note <text>', 'why, for the audit trail', note)
  .option('--expect <value>', 'change it only if it is still this value (as flag get prints it); otherwise exit 4, nothing changed')
  .addHelpText(
    'after',
    examples(
      'halo-admin flag reset early_end_mitra_daily_cap --note "back to 3 after the trial"',
      'halo-admin flag reset early_end_mitra_daily_cap --expect 6',
    ),
  )
  .action(
    action(async (ctx, opts: { note?: string; expect?: string }, key: FlagKey) => {
      const { createConfigStore } = await import('../../../config/config-store.js')
      const config = createConfigStore(await ctx.database(), { clock: ctx.clock })
      const change = await config.reset(key, {
        actor: ctx.actor(),
        note: opts.note,
        ...(opts.expect === undefined ? {} : { expect: readFlagText(key, opts.expect) }),
      })
      await emit(ctx, await changeResult(key, change, () => config.get(key)), describeChange)
    }),
  )
