import type { CohortChange } from '../../../rollout/rollout-service.js'
import { printable } from '../../../present/printable.js'

/** What `rollout add` and `rollout remove` print for people: one line a mitra. */
export function describeCohortChanges(asked: readonly string[], changes: readonly CohortChange[]): string {
  const changed = new Map(changes.map((c) => [c.mitraId, c]))
  const mode = (m: string | null) => m ?? 'not in the cohort'
  return [...new Set(asked)]
    .map((id) => {
      const c = changed.get(id)
      if (c === undefined) return `${printable(id)}: unchanged`
      return `${printable(id)}: ${mode(c.oldMode)} → ${mode(c.newMode)} (audited as ${printable(c.actor)}, change #${c.id})`
    })
    .join('\n')
}
