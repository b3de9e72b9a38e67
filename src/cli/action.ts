import type { Command } from 'commander'
import { createContext, globalsOf, targetScrubber, type CliContext } from './context.js'
import { reportError } from './report-error.js'
import { commandStreams } from './stdio.js'

/**
 * Wraps a command's work: builds its context from the global options and the
 * environment, runs it, closes the database, and turns any failure into one
 * line and an exit status (`report-error.ts`). `run` gets the command's own
 * options, then its arguments, as commander parsed them.
 *
 * ```ts
 * new Command('get').argument('<key>').action(action(async (ctx, _opts: {}, key: string) => { … }))
 * ```
 */
export function action<Opts, Args extends unknown[]>(run: (ctx: CliContext, opts: Opts, ...args: Args) => Promise<void>) {
  return async (...all: unknown[]): Promise<void> => {
    const cmd = all[all.length - 1] as Command
    const opts = all[all.length - 2] as Opts
    const args = all.slice(0, -2) as Args
    const globals = globalsOf(cmd)
    let ctx: CliContext | undefined
    try {
      ctx = createContext(globals, process.env, commandStreams())
      await run(ctx, opts, ...args)
    } catch (e) {
      process.exitCode = reportError(e, {
        json: globals.json === true,
        debug: globals.debug === true || Boolean(process.env.DEBUG),
        scrub: ctx?.scrub ?? targetScrubber(globals, process.env),
        stderr: process.stderr,
      })
    } finally {
      await ctx?.close().catch(() => {})
    }
  }
}
