import { Command } from 'commander'
import { action } from '../../action.js'
import { examples } from '../../help.js'
import { emit } from '../../output.js'
import { rowId } from '../../parse.js'
import { sessionDetail } from './text.js'

export const sessionShow = new Command('show')
  .description(
    'one session with its closure (who ended it, why, cap and review), its goodbyes, its events, and the event feed cursor to follow it from (`events --session <id> --after <cursor>`)',
  )
  .argument('<id>', 'the session id', rowId)
  .addHelpText('after', examples('halo-admin session show 42', "halo-admin session show 42 --json | jq '.closure.reason'"))
  .action(
    action(async (ctx, _opts: object, id: number) => {
      const [{ createClosureService }, { createEventFeed }] = await Promise.all([
        import('../../../closure/closure-service.js'),
        import('../../../events/event-feed.js'),
      ])
      const handle = await ctx.database()
      // the feed's position before the session is read: following from it misses nothing that happens after
      const feed = createEventFeed(handle)
      const cursor = await feed.latest().finally(() => feed.close())
      const session = await createClosureService(handle, { clock: ctx.clock }).getSession(id)
      await emit(ctx, { ...session, cursor }, (s) => sessionDetail(ctx, s))
    }),
  )
