import { openDatabase } from '../store/database.js'
import { runTui, type TuiOptions } from './run-tui.js'

/**
 * Opens `target`, runs the TUI on it until `q` or Ctrl-C, and closes it. The
 * CLI's `tui` command calls this through a dynamic import, so ink, react and
 * the library modules the screens use all load as ES modules from `dist/src`
 * (ink cannot be loaded into the CLI's CommonJS bundle on Node 20).
 *
 * ```ts
 * await runTuiOn('halo.db', { actor: 'ops-ana', clock: systemClock })
 * ```
 */
export async function runTuiOn(target: string, options: Omit<TuiOptions, 'handle'>): Promise<void> {
  const handle = await openDatabase(target)
  try {
    await runTui({ ...options, handle })
  } finally {
    await handle.close()
  }
}
