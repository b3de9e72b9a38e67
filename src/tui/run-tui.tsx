import './interactive-terminal.js' // before ink: see there
import { render } from 'ink'
import chalk from 'chalk'
import { HaloError } from '../errors.js'
import type { Clock } from '../core/clock.js'
import type { HaloDatabase } from '../store/database.js'
import { App, type ScreenId } from './app.js'
import { ServicesProvider, servicesFor } from './services-context.js'

export interface TuiOptions {
  readonly handle: HaloDatabase
  readonly actor: string
  readonly clock: Clock
  /** How often screens reload (default 2000 ms), so changes by other processes show up. */
  readonly refreshMs?: number
  readonly initialScreen?: ScreenId
  /**
   * Colour and other styles (inverse, bold); false turns them off. Off as well
   * when `NO_COLOR` is set or `TERM` is `dumb`. The screens mark the cursor
   * and the focused choice with `›` and `[ ]` too, so nothing depends on them.
   */
  readonly color?: boolean
}

/** False where the environment asks for no colour: `NO_COLOR` (any value but empty) or `TERM=dumb`. */
export function colorAllowed(env: NodeJS.ProcessEnv = process.env): boolean {
  return !(env.NO_COLOR !== undefined && env.NO_COLOR !== '') && env.TERM !== 'dumb'
}

/**
 * Runs the TUI on the terminal until `q` or Ctrl-C, then restores the
 * terminal. The caller opens (and later closes) the database.
 *
 * ```ts
 * const handle = await openDatabase('halo.db')
 * await runTui({ handle, actor: 'ops-ana', clock: systemClock })
 * await handle.close()
 * ```
 */
export async function runTui(options: TuiOptions): Promise<void> {
  // Keys need raw mode: without a terminal, say so in one line (INVALID_INPUT: exit 2) instead of ink's stack trace.
  if (process.stdin.isTTY !== true || process.stdout.isTTY !== true)
    throw new HaloError('INVALID_INPUT', 'the TUI needs a terminal (stdin and stdout must be a TTY)')
  const services = servicesFor(options.handle, options)
  // ink styles every Text through this one chalk: level 0 writes no escape sequence for colour, inverse or bold
  if (options.color === false || !colorAllowed()) chalk.level = 0
  // The alternate screen keeps the operator's scrollback as it was; it is left on every way out.
  const leave = () => process.stdout.write('\x1b[?1049l\x1b[?25h')
  process.stdout.write('\x1b[?1049h\x1b[H')
  process.once('exit', leave)
  try {
    const instance = render(
      <ServicesProvider services={services}>
        <App initialScreen={options.initialScreen ?? 'flags'} />
      </ServicesProvider>,
      { exitOnCtrlC: true, patchConsole: true },
    )
    // A polite kill (SIGTERM, the terminal closing) unmounts too, so the terminal is restored.
    const stop = () => instance.unmount()
    process.once('SIGTERM', stop)
    process.once('SIGHUP', stop)
    try {
      await instance.waitUntilExit()
    } finally {
      process.off('SIGTERM', stop)
      process.off('SIGHUP', stop)
    }
  } finally {
    process.off('exit', leave)
    leave()
  }
}
