import { Command } from 'commander'
import { action } from '../../action.js'
import { examples } from '../../help.js'
import { emit } from '../../output.js'
import { choice, integer, partyId } from '../../parse.js'
import { times } from '../../times.js'
import { sessionLine } from './text.js'

interface OpenOptions {
  readonly mitra: string
  readonly customer: string
  readonly minutes?: number
  readonly status?: 'active' | 'extending'
}

export const sessionOpen = new Command('open')
  .description('open a session between a mitra and a customer (for trials, demos and replays; the chat backend opens the real ones)')
  .requiredOption('--mitra <id>', 'the mitra (listener)', partyId)
  .requiredOption('--customer <id>', 'the customer', partyId)
  .option('--minutes <n>', 'scheduled length, 1-1440 minutes (default 60)', integer(1, 1440))
  .option('--status <status>', 'active or extending (default active)', choice(['active', 'extending'] as const))
  .addHelpText(
    'after',
    examples('halo-admin session open --mitra m-1 --customer c-9', 'halo-admin session open --mitra m-1 --customer c-9 --minutes 30 --status extending --json'),
  )
  .action(
    action(async (ctx, opts: OpenOptions) => {
      const { createClosureService } = await import('../../../closure/closure-service.js')
      const closures = createClosureService(await ctx.database(), { clock: ctx.clock })
      const session = await closures.openSession({ mitraId: opts.mitra, customerId: opts.customer, durationMinutes: opts.minutes, status: opts.status })
      await emit(ctx, session, async (s) => `opened ${sessionLine(s, ctx.clock.now())}; ends ${(await times(ctx)).at(s.endsAt)}`)
    }),
  )
