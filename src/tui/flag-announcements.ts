import { useRef } from 'react'
import { flagText } from '../config/flag-registry.js'
import { printable } from '../present/printable.js'
import { useMemoryMap } from './screen-memory.js'
import { useServices } from './services-context.js'
import type { Notice } from './shell-context.js'
import { useWatch } from './use-poll.js'

/**
 * Announces, in the footer, every flag change another operator (or process) made while this TUI runs:
 * `ops-budi changed early_end_mitra_daily_cap: 5 → 6 ("promo part 2")`. Reads the audit trail's
 * newest changes on each refresh; changes made before the TUI started (before the CLI's first frame
 * read the flags), and the operator's own, are not announced.
 */
export function useFlagAnnouncements(notify: (notice: Notice) => void): void {
  const { config, actor, refreshMs } = useServices()
  // from the change the first frame saw last (before it read the flags), else from the first read here
  const memory = useMemoryMap()
  const seen = useRef((memory.get('shell.flags.seen') as number | undefined) ?? null)
  // no state of its own: reading the trail redraws nothing, only an announcement does
  useWatch(
    () => config.history(undefined, 20),
    refreshMs,
    (list) => {
      const newest = list[0]?.id ?? 0
      if (seen.current === null) {
        seen.current = newest
        return
      }
      const fresh = list.filter((c) => c.id > seen.current! && c.actor !== actor).reverse()
      seen.current = Math.max(seen.current, newest)
      const last = fresh.at(-1)
      if (last === undefined) return
      const more = fresh.length > 1 ? ` (+${fresh.length - 1} more: flag history)` : ''
      const why = last.note === null ? '' : ` ("${printable(last.note)}")`
      notify({
        kind: 'warn',
        text: `${printable(last.actor)} changed ${last.key}: ${printable(flagText(last.oldValue))} → ${printable(flagText(last.newValue))}${why}${more}`,
      })
    },
  )
}
