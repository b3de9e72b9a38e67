import type { FlagChange } from '../../../config/config-store.js'
import type { FlagKey } from '../../../config/flag-registry.js'

/** What `flag set` and `flag reset` print with --json. */
export interface FlagChangeResult {
  readonly key: FlagKey
  /** False when the flag already had that value: nothing was written or audited. */
  readonly changed: boolean
  readonly value: unknown
  readonly change: FlagChange | null
}

export async function changeResult(key: FlagKey, change: FlagChange | null, current: () => Promise<unknown>): Promise<FlagChangeResult> {
  return { key, changed: change !== null, value: change === null ? await current() : change.newValue, change }
}

export async function describeChange(r: FlagChangeResult): Promise<string> {
  const { flagText } = await import('../../../config/flag-registry.js')
  if (r.change === null) return `${r.key} is already ${flagText(r.value)}; nothing changed`
  return `${r.key}: ${flagText(r.change.oldValue)} → ${flagText(r.change.newValue)} (audited as ${r.change.actor}, change #${r.change.id})`
}
