import { useCallback, useEffect, useRef, useState } from 'react'
import type { Notice } from './shell-context.js'

/** How long a notice stays, at least, once another waits behind it. */
export const NOTICE_MIN_MS = 1500
/** Notices waiting behind the one shown, at most: beyond that the oldest waiting goes. */
const WAITING_MAX = 4

/**
 * The footer's notices, one at a time and none lost. A notice stays `noticeMs`; when another arrives
 * meanwhile, it stays at least `NOTICE_MIN_MS` (or `noticeMs`, if shorter) and then gives way. So two
 * things said in one refresh (a colleague's flag change, and the operator's own session ended
 * elsewhere) are both read, in the order they came; a newer notice replacing an older one lost it.
 *
 * ```ts
 * const { notice, notify, clear } = useNotices(6000)
 * notify({ kind: 'warn', text: 'Session #7 is no longer live' })
 * ```
 */
export function useNotices(noticeMs: number): { notice: Notice | null; notify(notice: Notice): void; clear(): void } {
  const [queue, setQueue] = useState<readonly Notice[]>([])
  const shownAt = useRef(0)
  const head = queue[0] ?? null
  useEffect(() => {
    if (head !== null) shownAt.current = Date.now()
  }, [head])
  useEffect(() => {
    if (head === null) return
    const stay = queue.length > 1 ? Math.min(noticeMs, NOTICE_MIN_MS) : noticeMs
    const timer = setTimeout(() => setQueue((q) => q.slice(1)), Math.max(0, shownAt.current + stay - Date.now()))
    return () => clearTimeout(timer)
  }, [head, queue.length, noticeMs])
  const notify = useCallback(
    (notice: Notice) =>
      setQueue((q) => {
        if (q.some((m) => m.text === notice.text)) return q
        if (q.length === 0) return [notice]
        return [q[0]!, ...[...q.slice(1), notice].slice(-WAITING_MAX)]
      }),
    [],
  )
  const clear = useCallback(() => setQueue([]), [])
  return { notice: head, notify, clear }
}
