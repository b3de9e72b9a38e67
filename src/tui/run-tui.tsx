import { render } from 'ink'
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
  const services = servicesFor(options.handle, options)
  const tty = process.stdout.isTTY === true
  // The alternate screen keeps the operator's scrollback as it was; it is left on every way out.
  const leave = () => {
    if (tty) process.stdout.write('\x1b[?1049l\x1b[?25h')
  }
  if (tty) process.stdout.write('\x1b[?1049h\x1b[H')
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
