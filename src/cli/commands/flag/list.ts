import { Command } from 'commander'
import { action } from '../../action.js'
import { examples } from '../../help.js'
import { emit, notice, paint, table } from '../../output.js'
import { invalidNotice } from './invalid.js'

export const flagList = new Command('list')
  .description('every flag with its value, default and meaning')
  .addHelpText('after', examples('halo-admin flag list', "halo-admin flag list --json | jq -r '.[] | select(.isSet) | .key'"))
  .action(
    action(async (ctx) => {
      const [{ createConfigStore }, { flagText }] = await Promise.all([import('../../../config/config-store.js'), import('../../../config/flag-registry.js')])
      const flags = await createConfigStore(await ctx.database(), { clock: ctx.clock }).list()
      await emit(ctx, flags, async (list) => {
        const p = await paint(ctx)
        // lists read "a, b, c" here so they can wrap
        const text = (v: unknown) => flagText(v).replaceAll(',', ', ')
        return table(
          ctx,
          ['key', 'value', 'default', 'set by', 'meaning (allowed)'],
          list.map((f) => [
            f.key,
            // a value written by hand that is not valid reads as the default: marked, never hidden
            f.invalidStored !== null ? { styled: p.red(`${text(f.value)} (!)`) } : f.isSet ? { styled: p.bold(text(f.value)) } : text(f.value),
            text(f.default),
            f.updatedBy,
            `${f.description} (${f.hint})`,
          ]),
          { wrap: [4, 1, 2], optional: [4, 3] },
        )
      })
      for (const f of flags) if (f.invalidStored !== null) notice(ctx, invalidNotice(f.key, f.invalidStored))
    }),
  )
