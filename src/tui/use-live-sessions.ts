import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import type { LiveHead } from '../closure/live-sessions.js'
import type { Session } from '../closure/session-view.js'
import { HEAD_ROWS } from './first-frame.js'
import { useMemoryMap } from './screen-memory.js'
import { useOneAtATime } from './use-one-at-a-time.js'
import { useServices } from './services-context.js'
import { isLive } from './session-format.js'

/** A full read now and then, on top of the changes: a screen that was away long reads everything again anyway. */
const RESYNC_MS = 60_000
/** More changes than this since the last refresh (a screen away for long): read everything again. */
const MAX_CHANGE_PAGES = 5
/** How long the first screenful has to be drawn before the full read (in pages that keys pass between) starts. */
const HEAD_DRAW_MS = 40

interface Store {
  /** Active and extending sessions, by id. */
  readonly sessions: readonly Session[]
  readonly cursor: string
  readonly fullAt: number
}

export interface LiveSessionsState {
  /** Active and extending sessions, by id; undefined until the first read. Only the first ones while `partial`. */
  readonly sessions: readonly Session[] | undefined
  /** How many sessions are live (more than `sessions` holds while `partial`). */
  readonly total: number | undefined
  /** True while only the first screenful has been read: the rest follows at once. */
  readonly partial: boolean
  /** Why the last refresh failed (the sessions are from the one before), else undefined. */
  readonly error: unknown
  /** Reads what changed now (after an action from this screen). */
  reload(): void
}

/** `sessions` with `changed` applied: live ones replaced or added, the others removed. */
export function applyChanges(sessions: readonly Session[], changed: readonly Session[]): readonly Session[] {
  if (changed.length === 0) return sessions
  const byId = new Map(changed.map((s) => [s.id, s]))
  const next: Session[] = []
  for (const s of sessions) {
    const c = byId.get(s.id)
    if (c === undefined) next.push(s)
    else {
      byId.delete(s.id)
      if (isLive(c)) next.push(c)
    }
  }
  const added = [...byId.values()].filter(isLive).sort((a, b) => a.id - b.id)
  if (added.length === 0) return next
  // new sessions usually all come after every listed one: then appending keeps the order
  const last = next.length === 0 ? 0 : next[next.length - 1]!.id
  next.push(...added)
  if (added[0]!.id < last) next.sort((a, b) => a.id - b.id)
  return next
}

/** Whether a session with `id` is in `sessions` (sorted by id). */
export function hasSession(sessions: readonly Session[], id: number): boolean {
  let lo = 0
  let hi = sessions.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const at = sessions[mid]!.id
    if (at === id) return true
    if (at < id) lo = mid + 1
    else hi = mid - 1
  }
  return false
}

/**
 * The live sessions for Sesi Aktif at any volume: when the screen first
 * opens, the first screenful and the count (~3 ms), drawn before one full
 * read; then every `refreshMs` only the sessions that changed since (the
 * library's audit trail says which). At 25,000 live sessions a full read
 * costs ~150 ms, read in pages that keys pass between (`LiveSessions.snapshot`);
 * a refresh costs what changed.
 * Kept while other screens are shown.
 */
export function useLiveSessions(): LiveSessionsState {
  const { live, refreshMs } = useServices()
  const memory = useMemoryMap()
  const [store, setStore] = useState<Store | undefined>(() => memory.get('sessions.live') as Store | undefined)
  const [error, setError] = useState<unknown>(undefined)
  // the first screenful, read here or by the CLI before the TUI loaded (first-frame.ts)
  const [head, setHead] = useState<LiveHead | undefined>(() => memory.get('sessions.head') as LiveHead | undefined)
  const headRef = useRef(head)
  const storeRef = useRef(store)
  const alive = useRef(true)

  const refresh = useCallback(async (): Promise<void> => {
    const before = storeRef.current
    let next: Store
    if (before === undefined || Date.now() - before.fullAt > RESYNC_MS) {
      if (before === undefined) {
        if (headRef.current === undefined) {
          const first = await live.head(HEAD_ROWS)
          if (!alive.current) return
          headRef.current = first
          setHead(first)
        }
        await new Promise((resolve) => setTimeout(resolve, HEAD_DRAW_MS))
        if (!alive.current) return
      }
      const snap = await live.snapshot()
      next = { sessions: snap.sessions, cursor: snap.cursor, fullAt: Date.now() }
    } else {
      let { sessions, cursor } = before
      let pages = 0
      for (;;) {
        const changes = await live.changes(cursor)
        sessions = applyChanges(sessions, changes.sessions)
        cursor = changes.cursor
        if (!changes.more) break
        if (++pages >= MAX_CHANGE_PAGES) {
          const snap = await live.snapshot()
          ;({ sessions, cursor } = snap)
          break
        }
      }
      if (sessions === before.sessions && cursor === before.cursor) return
      next = { sessions, cursor, fullAt: before.fullAt }
    }
    if (!alive.current) return
    storeRef.current = next
    memory.set('sessions.live', next)
    setStore(next)
  }, [live, memory])

  // one refresh at a time
  const step = useCallback(async () => {
    try {
      await refresh()
      if (alive.current) setError(undefined)
    } catch (e) {
      if (alive.current) setError(e)
    }
  }, [refresh])
  const run = useOneAtATime(step, alive)

  useEffect(() => {
    alive.current = true
    run()
    const timer = setInterval(run, Math.max(50, refreshMs))
    return () => {
      alive.current = false
      clearInterval(timer)
    }
  }, [refreshMs, run])

  // the head is newest first (the first screenful of a list for people); this hook keeps sessions by id
  const headById = useMemo(() => (head === undefined ? undefined : [...head.sessions].reverse()), [head])
  if (store !== undefined) return { sessions: store.sessions, total: store.sessions.length, partial: false, error, reload: run }
  return { sessions: headById, total: head?.total, partial: head !== undefined, error, reload: run }
}
