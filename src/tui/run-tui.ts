// Placeholder owned by the TUI work (issue 5): replaced by the real TUI.
import type { HaloDatabase } from '../store/database.js'
import type { Clock } from '../core/clock.js'

export interface TuiOptions {
  readonly handle: HaloDatabase
  readonly actor: string
  readonly clock: Clock
  readonly refreshMs?: number
}

export async function runTui(_options: TuiOptions): Promise<void> {
  process.stderr.write('the TUI is not built yet\n')
}
