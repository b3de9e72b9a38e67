import { Command } from 'commander'
import type { FlagKey } from '../../../config/flag-registry.js'
import { action } from '../../action.js'
import { examples } from '../../help.js'
import { emit, notice } from '../../output.js'
import { invalidNotice } from './invalid.js'
import { flagKey } from './key.js'

export const flagGet = new Command('get')
  .description('print one flag’s value (with --json: value, default and who set it)')
  .argument('<key>', 'the flag', flagKey)
  .addHelpText('after', examples('halo-admin flag get early_end_mitra_enabled', 'halo-admin flag get early_end_reason_codes --json'))
  .action(
    action(async (ctx, _opts: object, key: FlagKey) => {
      // the hot start path: the config store reads without loading kysely or zod
      const [{ createConfigStore }, { flagText }] = await Promise.all([import('../../../config/config-store.js'), import('../../../config/flag-registry.js')])
      const flags = await createConfigStore(await ctx.database(), { clock: ctx.clock }).list()
      const state = flags.find((f) => f.key === key)!
      await emit(ctx, state, (s) => flagText(s.value))
      if (state.invalidStored !== null) notice(ctx, invalidNotice(key, state.invalidStored))
    }),
  )
