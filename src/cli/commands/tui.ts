import { Command } from 'commander'
import type { ScreenId } from '../../tui/app.js'
import { action } from '../action.js'
import { examples } from '../help.js'
import { systemClock } from '../../core/clock.js'
import { commandWords } from '../next-command.js'
import { choice, integer } from '../parse.js'

// the TUI's screen ids (checked against its type), so the option is parsed without loading ink
const SCREENS = ['flags', 'sessions', 'reviews', 'reports'] as const satisfies readonly ScreenId[]

export const tui = new Command('tui')
  .description('the terminal control centre: Flags, Sesi Aktif (with Akhiri), Reviews, Reports; ? shows the keys, q quits')
  .option(
    '--screen <name>',
    `the screen to start on: ${SCREENS.join(', ')}`,
    choice(SCREENS, {
      flags: 'the config flags',
      sessions: 'Sesi Aktif: the live sessions',
      reviews: 'the CC reviews',
      reports: 'closures by day, mitra and reason',
    }),
    'flags',
  )
  .option('--refresh <ms>', 'how often screens reload, in milliseconds', integer(250, 60_000), 2000)
  .addHelpText('after', examples('halo-admin tui', 'HALO_ACTOR=ops-ana halo-admin --db /var/lib/halo/halo.db tui --screen sessions'))
  .action(
    action(async (ctx, opts: { screen: ScreenId; refresh: number }) => {
      // refuses a target holding no halo-admin database, as every command but db migrate, demo and simulate does
      const handle = await ctx.database()
      // the first frame, drawn before ink, react and the screens load (first-frame.ts: no ink in it)
      const { drawFirstFrame } = await import('../../tui/first-frame.js')
      const first = await drawFirstFrame(handle, { actor: ctx.actor(), clock: ctx.clock, initialScreen: opts.screen, color: ctx.color })
      try {
        // ink, react and the screens load in a thread of their own meanwhile, and this one answers keys (tui-host.ts)
        const { hostTui } = await import('../../tui/tui-host.js')
        // --no-color and NO_COLOR (ctx.color) draw without colour or other styles; so does TERM=dumb (run-tui.tsx)
        await hostTui(
          {
            target: ctx.openTarget,
            actor: ctx.actor(),
            fixedNow: ctx.clock === systemClock ? null : ctx.clock.now().toISOString(),
            refreshMs: opts.refresh,
            initialScreen: opts.screen,
            color: ctx.color,
            // the commands the TUI prints to paste, as the CLI prints its own (the same invocation and --db)
            commandWords: commandWords(ctx),
            commandShell: ctx.invocation().shell,
          },
          first,
        )
      } finally {
        first?.leave()
      }
    }),
  )
