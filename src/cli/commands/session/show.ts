import { Command } from 'commander'
import { action } from '../../action.js'
import { examples } from '../../help.js'
import { emit } from '../../output.js'
import { rowId } from '../../parse.js'
import { sessionDetail } from './text.js'

export const sessionShow = new Command('show')
  .description('one session with its closure (who ended it, why, cap and review) and its goodbyes')
  .argument('<id>', 'the session id', rowId)
  .addHelpText('after', examples('halo-admin session show 42', "halo-admin session show 42 --json | jq '.closure.reason'"))
  .action(
    action(async (ctx, _opts: object, id: number) => {
      const { createClosureService } = await import('../../../closure/closure-service.js')
      const session = await createClosureService(await ctx.database(), { clock: ctx.clock }).getSession(id)
      await emit(ctx, session, (s) => sessionDetail(ctx, s))
    }),
  )
