import './interactive-terminal.js' // before ink: see there
import { render } from 'ink'
import chalk from 'chalk'
import type { Clock } from '../core/clock.js'
import type { HaloDatabase } from '../store/database.js'
import { App, type ScreenId } from './app.js'
import { colorAllowed, NEWEST, noTerminal, type FirstFrameState } from './first-frame.js'
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
   * its cursor, and draws over it.
   */
  readonly first?: FirstFrameState
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
  if (process.stdin.isTTY !== true || process.stdout.isTTY !== true) throw noTerminal()
  // The alternate screen keeps the operator's scrollback as it was; it is left on every way out.
  const leave = () => process.stdout.write('\x1b[?1049l\x1b[?25h')
  if (options.first === undefined) process.stdout.write('\x1b[?1049h\x1b[H')
  process.once('exit', leave)
  let stop: (() => void) | undefined
  // A polite kill (SIGTERM, the terminal closing) unmounts too, so the terminal is restored.
  const polite = () => stop?.()
  process.once('SIGTERM', polite)
  process.once('SIGHUP', polite)
  try {
    await mountTui(options, { stdin: process.stdin, stdout: process.stdout, onStop: (s) => (stop = s) })
  } finally {
    process.off('SIGTERM', polite)
    process.off('SIGHUP', polite)
    process.off('exit', leave)
    leave()
  }
}

/** Where the TUI reads keys and draws: the process's terminal, or the CLI's through the TUI's thread (tui-worker.ts). */
export interface TuiTerminal {
  readonly stdin: NodeJS.ReadStream
  readonly stdout: NodeJS.WriteStream
  /** Given the TUI's polite stop (it unmounts, as `q` does) once it is drawn. */
  onStop?(stop: () => void): void
}

/**
 * Draws the TUI on `terminal` until `q` or Ctrl-C: the screens over the services of `options.handle`.
 * The terminal is already in the state the TUI needs (raw, on the alternate screen): `runTui` and the
 * TUI's thread set it up and restore it.
 */
export async function mountTui(options: TuiOptions, terminal: TuiTerminal): Promise<void> {
  const services = servicesFor(options.handle, options)
  // ink styles every Text through this one chalk: level 0 writes no escape sequence for colour, inverse or bold
  if (options.color === false || !colorAllowed()) chalk.level = 0
  const { first } = options
  const instance = render(
    <ServicesProvider services={services}>
      <App initialScreen={first?.screen ?? options.initialScreen ?? 'flags'} memory={first === undefined ? undefined : primedMemory(first)} />
    </ServicesProvider>,
    { exitOnCtrlC: true, patchConsole: true, stdin: terminal.stdin, stdout: first === undefined ? terminal.stdout : overFirstFrame(terminal.stdout) },
  )
  terminal.onStop?.(() => instance.unmount())
  await instance.waitUntilExit()
}

/** What the first frame read, where the screens keep it (the shell's flags, Sesi Aktif's first screenful). */
export function primedMemory(first: Omit<FirstFrameState, 'screen'>): Map<string, unknown> {
  const memory = new Map<string, unknown>([['shell.flags.data', { data: first.flags, deps: '[]' }]])
  if (first.head !== undefined) memory.set('sessions.head', first.head)
  if (first.auditSeen !== undefined) memory.set('shell.flags.seen', first.auditSeen)
  // the cursor where the first frame left it (on the first row unless keys moved it): pinned now,
  // not by a second render right after the first frame (which a key pressed then would wait for)
  const place = first.place ?? NEWEST
  const chosen = first.head?.sessions[place.cursor]
  if (chosen !== undefined) {
    memory.set('sessions.live.cursor', chosen.id)
    memory.set('sessions.live.top', place.top)
  }
  const flag = first.flagList?.[place.cursor]
  if (flag !== undefined) {
    // the Flags screen's rows as its poll keeps them (use-poll.ts), and its cursor on the flag's key
    memory.set('flags.data', { data: first.flagList, deps: '[]' })
    memory.set('flags.cursor', flag.key)
  }
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
