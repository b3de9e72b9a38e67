import { Command } from 'commander'
import { readFlagText, type FlagKey } from '../../../config/flag-registry.js'
import { action } from '../../action.js'
import { examples } from '../../help.js'
import { emit } from '../../output.js'
import { note } from '../../parse.js'
import { changeResult, describeChange } from './change.js'
import { flagKey, flagValue } from './key.js'

export const flagSet = new Command('set')
  .description('change a flag (typed and checked; audited with --actor and --note)')
  .argument('<key>', 'the flag', flagKey)
  .argument('<value>', 'true|false, an integer, a zone, block|allow, or codes as a,b,c', flagValue)
  .option('--note <text>', 'why, for the audit trail', note)
  .option('--expect <value>', 'change it only if it is still this value (as flag get prints it); otherwise exit 4, nothing changed')
  .addHelpText(
    'after',
    examples(
      'halo-admin flag set early_end_mitra_enabled true --note "rollout day 1"',
      'halo-admin flag set early_end_mitra_daily_cap 5',
      'halo-admin flag set early_end_mitra_daily_cap 6 --expect 5 --note "promo part 2"   # only if nobody changed it meanwhile',
      'halo-admin flag set early_end_reason_codes customer_abusive,customer_left,other',
    ),
  )
  .action(
    action(async (ctx, opts: { note?: string; expect?: string }, key: FlagKey, value: string) => {
      // the text is read before the database is opened: a value that is no value of the flag is exit 2 and touches nothing
      const typed = readFlagText(key, value)
      const expected = opts.expect === undefined ? undefined : readFlagText(key, opts.expect)
      const { createConfigStore } = await import('../../../config/config-store.js')
      const config = createConfigStore(await ctx.database(), { clock: ctx.clock })
      const change = await config.set(key, typed, { actor: ctx.actor(), note: opts.note, ...(expected === undefined ? {} : { expect: expected }) })
      await emit(ctx, await changeResult(key, change, () => config.get(key)), describeChange)
    }),
  )
