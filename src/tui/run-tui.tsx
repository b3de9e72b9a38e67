import './interactive-terminal.js' // before ink: see there
import { render } from 'ink'
import chalk from 'chalk'
import { HaloError } from '../errors.js'
import type { Clock } from '../core/clock.js'
import type { HaloDatabase } from '../store/database.js'
import { App, type ScreenId } from './app.js'
import { colorAllowed, type FirstFrame } from './first-frame.js'
import { ServicesProvider, servicesFor } from './services-context.js'

export { colorAllowed }

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
  /**
   * The frame the CLI drew before the TUI loaded (first-frame.ts): the TUI starts from its data and
   * draws over it, on the alternate screen it entered, and leaves that screen through it.
   */
  readonly first?: FirstFrame
  /** How a command for the operator to paste is printed (the CLI's `nextCommand`): see `TuiServices.command`. */
  readonly command?: (args: readonly string[]) => string
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
  const { first } = options
  const leave = first?.leave ?? (() => process.stdout.write('\x1b[?1049l\x1b[?25h'))
  if (first === undefined) process.stdout.write('\x1b[?1049h\x1b[H')
  process.once('exit', leave)
  try {
    const instance = render(
      <ServicesProvider services={services}>
        <App initialScreen={first?.screen ?? options.initialScreen ?? 'flags'} memory={first === undefined ? undefined : primedMemory(first)} />
      </ServicesProvider>,
      { exitOnCtrlC: true, patchConsole: true, stdout: first === undefined ? process.stdout : overFirstFrame(process.stdout) },
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

/** What the first frame read, where the screens keep it (the shell's flags, Sesi Aktif's first screenful). */
export function primedMemory(first: Pick<FirstFrame, 'flags' | 'head'>): Map<string, unknown> {
  const memory = new Map<string, unknown>([['shell.flags.data', { data: first.flags, deps: '[]' }]])
  if (first.head !== undefined) memory.set('sessions.head', first.head)
  // the cursor on the newest session, where it starts anyway: pinned now, not by a second render right
  // after the first frame (which a key pressed then would wait for)
  const newest = first.head?.sessions[0]
  if (newest !== undefined) memory.set('sessions.live.cursor', newest.id)
  return memory
}

/**
 * `stdout` for ink, drawing its first frame over the CLI's: from the top left, each line erased to
 * its end and the rest of the screen below (ink writes a frame where the cursor is and trims its
 * lines, so the longer lines of the frame under it would show through).
 */
function overFirstFrame(stdout: NodeJS.WriteStream): NodeJS.WriteStream {
  let drawn = false
  const write = (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    if (drawn || typeof chunk !== 'string' || !chunk.includes('\n')) return (stdout.write as (...a: unknown[]) => boolean)(chunk, ...rest)
    drawn = true
    return (stdout.write as (...a: unknown[]) => boolean)(`\x1b[H${chunk.replace(/\n/g, '\x1b[K\n')}\x1b[K\x1b[J`, ...rest)
  }
  return new Proxy(stdout, {
    get(target, key) {
      if (key === 'write') return write
      const value = Reflect.get(target, key, target) as unknown
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value
    },
  })
}
