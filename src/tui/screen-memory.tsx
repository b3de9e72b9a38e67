import { createContext, useCallback, useContext, useState, type ReactNode, type SetStateAction } from 'react'

const MemoryContext = createContext<Map<string, unknown> | null>(null)

/** Holds what screens remember while another screen is shown (one per TUI); `initial` is what they start with. */
export function ScreenMemory({ children, initial }: { children: ReactNode; initial?: ReadonlyMap<string, unknown> | undefined }) {
  const [memory] = useState(() => new Map<string, unknown>(initial))
  return <MemoryContext.Provider value={memory}>{children}</MemoryContext.Provider>
}

/**
 * State that outlives its screen: the filter, the cursor and the scroll of
 * Sesi Aktif are where the operator left them when they come back from
 * another screen. `key` names it across the whole TUI (`'sessions.filter'`).
 *
 * ```ts
 * const [filter, setFilter] = useRemembered('sessions.filter', '')
 * ```
 */
export function useRemembered<T>(key: string, initial: T | (() => T)): [T, (next: SetStateAction<T>) => void] {
  const memory = useMemoryMap()
  const [value, setValue] = useState<T>(() => (memory.has(key) ? (memory.get(key) as T) : typeof initial === 'function' ? (initial as () => T)() : initial))
  const set = useCallback(
    (next: SetStateAction<T>) => {
      setValue((prev) => {
        const v = typeof next === 'function' ? (next as (p: T) => T)(prev) : next
        memory.set(key, v)
        return v
      })
    },
    [memory, key],
  )
  if (!memory.has(key)) memory.set(key, value)
  return [value, set]
}

/** The raw map, for values kept without a re-render (the scroll position). */
export function useMemoryMap(): Map<string, unknown> {
  const memory = useContext(MemoryContext)
  if (memory === null) throw new Error('useRemembered() must be used inside <ScreenMemory>')
  return memory
}
