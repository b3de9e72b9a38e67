import { Command } from 'commander'
import { action } from '../../action.js'
import { examples } from '../../help.js'
import { emit } from '../../output.js'
import { choice, rowId, storedText } from '../../parse.js'
import { ACTING_AS_MEANING, ownActor, presetActor, SIDES, USER_TYPE } from './actor.js'
import { printable } from '../../../present/printable.js'
import { times } from '../../times.js'

interface GoodbyeOptions {
  readonly as: (typeof SIDES)[number]
  readonly message: string
}

export const sessionGoodbye = new Command('goodbye')
  .description(
    "post a side's one goodbye message while the session is closing (as the session's own mitra or customer, unless --actor on the command line names another)",
  )
  .summary("post a side's one goodbye while the session is closing")
  .argument('<id>', 'the session id', rowId)
  .requiredOption('--as <side>', 'mitra or customer', choice(SIDES, ACTING_AS_MEANING))
  .requiredOption('--message <text>', 'the goodbye, 1-1000 characters, stored verbatim', storedText(1000, { nonEmpty: true }))
  .addHelpText(
    'after',
    examples(
      'halo-admin session goodbye 42 --as mitra --message "Terima kasih, semoga harimu baik"',
      'halo-admin --actor c-9 session goodbye 42 --as customer --message "Makasih"',
    ),
  )
  .action(
    action(async (ctx, opts: GoodbyeOptions, id: number) => {
      const preset = presetActor(ctx, opts.as)
      const { createClosureService } = await import('../../../closure/closure-service.js')
      const closures = createClosureService(await ctx.database(), { clock: ctx.clock })
      const actorId = preset ?? ownActor(await closures.getSession(id), opts.as)
      const goodbye = await closures.postGoodbye(id, USER_TYPE[opts.as], { actorId, message: opts.message })
      await emit(
        ctx,
        goodbye,
        async (g) => `goodbye from the ${g.side} (${printable(g.actorId)}) posted in session ${id} at ${(await times(ctx)).at(g.at, { seconds: true })}`,
      )
    }),
  )
