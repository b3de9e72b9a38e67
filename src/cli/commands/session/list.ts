import { Command } from 'commander'
import { SESSION_STATUSES, type SessionStatus } from '../../../core/vocabulary.js'
import { action } from '../../action.js'
import { examples } from '../../help.js'
import { emit } from '../../output.js'
import { choices, integer, partyId } from '../../parse.js'
import { sessionTable } from './text.js'

/** The library's default when no --limit is given. */
const DEFAULT_LIMIT = 100

interface ListOptions {
  readonly status?: SessionStatus[]
  readonly mitra?: string
  readonly limit?: number
}

export const sessionList = new Command('list')
  .description('sessions, oldest first, with the time (or grace window) they have left')
  .option('--status <s[,s]>', `only these statuses: ${SESSION_STATUSES.join(', ')}`, choices(SESSION_STATUSES))
  .option('--mitra <id>', "only this mitra's sessions", partyId)
  .option('--limit <n>', `at most n sessions (default ${DEFAULT_LIMIT})`, integer(1, 100_000))
  .addHelpText('after', examples('halo-admin session list --status active,extending', 'halo-admin session list --mitra m-1 --limit 20 --json'))
  .action(
    action(async (ctx, opts: ListOptions) => {
      const { createClosureService } = await import('../../../closure/closure-service.js')
      const closures = createClosureService(await ctx.database(), { clock: ctx.clock })
      const limit = opts.limit ?? DEFAULT_LIMIT
      const sessions = await closures.listSessions({ status: opts.status, mitraId: opts.mitra, limit })
      await emit(ctx, sessions, async (list) => {
        if (list.length === 0) return 'no sessions match'
        const more = list.length === limit ? `\n(the first ${limit}; there may be more: --limit)` : ''
        return `${await sessionTable(ctx, list)}${more}`
      })
    }),
  )
