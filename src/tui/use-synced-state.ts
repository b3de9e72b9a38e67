import { useCallback, useRef, useState, type SetStateAction } from 'react'

/**
 * State whose newest value a key handler can read at once. Keys typed
 * quickly (or sent by a script) reach ink's `useInput` before React has
 * re-rendered and re-subscribed the handler, so a handler reading this
 * render's state acts on a stale value: `↓ ↓ Enter` would open Akhiri on the
 * row the cursor left. `ref.current` is updated as soon as `set` is called.
 *
 * ```ts
 * const [cursor, setCursor, cursorRef] = useSyncedState(0)
 * useInput((_, key) => { if (key.downArrow) setCursor((c) => c + 1); if (key.return) open(rows[cursorRef.current]) })
 * ```
 */
export function useSyncedState<T>(initial: T): [T, (next: SetStateAction<T>) => void, { readonly current: T }] {
  const [value, setValue] = useState(initial)
  const ref = useRef(initial)
  const set = useCallback((next: SetStateAction<T>) => {
    ref.current = typeof next === 'function' ? (next as (prev: T) => T)(ref.current) : next
    setValue(ref.current)
  }, [])
  return [value, set, ref]
}
