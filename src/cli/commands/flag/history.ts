import { Command } from 'commander'
import type { FlagKey } from '../../../config/flag-registry.js'
import { action } from '../../action.js'
import { examples } from '../../help.js'
import { nextCommand, passwordNote } from '../../next-command.js'
import { emit, notice, table } from '../../output.js'
import { integer } from '../../parse.js'
import { times } from '../../times.js'
import { flagKey } from './key.js'

export const flagHistory = new Command('history')
  .description('flag changes, newest first: who changed what (as declared, and as the database authenticated them), when and why')
  .argument('[key]', 'only this flag', flagKey)
  .option('--limit <n>', 'at most n changes', integer(1, 10_000), 50)
  .addHelpText('after', examples('halo-admin flag history', 'halo-admin flag history early_end_mitra_enabled --limit 5'))
  .action(
    action(async (ctx, opts: { limit: number }, key: FlagKey | undefined) => {
      const [{ createConfigStore }, { flagText }] = await Promise.all([import('../../../config/config-store.js'), import('../../../config/flag-registry.js')])
      const changes = await createConfigStore(await ctx.database(), { clock: ctx.clock }).history(key, opts.limit)
      await emit(ctx, changes, async (list) => {
        if (list.length === 0) return ''
        const t = await times(ctx)
        const text = await table(
          ctx,
          ['#', 'at', 'key', 'old', 'new', 'actor', 'authenticated', 'note'],
          // notes are stored verbatim; cells show them on one line, control characters escaped
          list.map((c) => [c.id, t.at(c.at), c.key, flagText(c.oldValue), flagText(c.newValue), c.actor, c.authenticatedAs, c.note]),
          { align: ['right'], wrap: [7, 3, 4], optional: [7, 6] },
        )
        return text
      })
      // not data: on stderr, so that a pipe gets only the rows
      if (changes.length === 0) notice(ctx, key === undefined ? 'no flag changes yet' : `no changes to ${key} yet`)
      else if (changes.length === opts.limit)
        notice(
          ctx,
          `the newest ${opts.limit} changes; there may be older ones${passwordNote(ctx)}: ${nextCommand(ctx, ['flag', 'history', ...(key === undefined ? [] : [key]), '--limit', String(Math.min(opts.limit * 2, 10_000))])}`,
        )
    }),
  )
