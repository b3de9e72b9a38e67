import type { FirstFrameState } from './first-frame.js'
import type { ScreenId } from './layout.js'
import type { ShellSyntax } from '../present/shell-word.js'

/**
 * What the CLI's thread and the TUI's (tui-host.ts, tui-worker.ts) say to each other. The CLI's thread
 * owns the terminal: it reads the keys and writes what the TUI draws, and it alone enters and leaves
 * the alternate screen. Everything here survives structured cloning.
 */

/** What the TUI's thread is started with (`workerData`). */
export interface TuiSetup {
  /** The database as given (`--db`, `$HALO_DB`), password included: the thread opens its own handle. */
  readonly target: string
  readonly actor: string
  /** The instant `HALO_NOW` holds the clock at; null: the system clock. */
  readonly fixedNow: string | null
  readonly refreshMs: number
  readonly initialScreen: ScreenId
  readonly color: boolean
  /** The words every command printed for the operator starts with (`commandWords`), unquoted. */
  readonly commandWords: readonly string[]
  /** How the operator's shell reads quotes, for those commands. */
  readonly commandShell: ShellSyntax
  readonly columns: number
  readonly rows: number
}

export type ToTui =
  /** The TUI may draw: from where the first frame is (null: no first frame), then `input`, typed meanwhile. */
  | { readonly type: 'start'; readonly first: FirstFrameState | null; readonly input: string }
  /** Keys, as the terminal sent them. */
  | { readonly type: 'input'; readonly data: string }
  | { readonly type: 'resize'; readonly columns: number; readonly rows: number }
  /** A polite stop (SIGTERM, SIGHUP): unmount, as `q` does. */
  | { readonly type: 'stop' }

export type FromTui =
  /** Loaded, with the database open: waiting for `start`. */
  | { readonly type: 'ready' }
  /** What the TUI draws, for the terminal. */
  | { readonly type: 'out'; readonly data: string }
  /** Quit, database closed. */
  | { readonly type: 'done' }
  /** It could not run: a HaloError's code and message, or an unexpected error's. */
  | { readonly type: 'error'; readonly code: string | null; readonly message: string; readonly stack: string | undefined }
