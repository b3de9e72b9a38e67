import { useCallback, useEffect, useRef, useState } from 'react'
import { useMemoryMap } from './screen-memory.js'

export interface Polled<T> {
  readonly data: T | undefined
  readonly error: unknown
  /** Loads again now (after a change made from this screen). */
  reload(): void
}

/**
 * Loads `load()` at once and then every `everyMs`, so changes made by other
 * processes show up. One load at a time; nothing is set after unmount. With
 * `memory`, the last data is kept while the screen is away and shown at once
 * when it comes back (then reloaded). `deps` restart it (a new range, a
 * toggled filter).
 */
export function usePoll<T>(load: () => Promise<T>, everyMs: number, options: { memory?: string; deps?: readonly unknown[] } = {}): Polled<T> {
  const memory = useMemoryMap()
  const key = options.memory === undefined ? undefined : `${options.memory}.data`
  const depsKey = JSON.stringify(options.deps ?? [])
  const [state, setState] = useState<{ data: T | undefined; error: unknown; deps: string }>(() => {
    const kept = key === undefined ? undefined : (memory.get(key) as { data: T; deps: string } | undefined)
    return { data: kept?.deps === depsKey ? kept.data : undefined, error: undefined, deps: depsKey }
  })
  const loadRef = useRef(load)
  loadRef.current = load
  const alive = useRef(true)
  const running = useRef(false)
  const again = useRef(false)
  const depsRef = useRef(depsKey)
  depsRef.current = depsKey

  const run = useCallback(() => {
    if (running.current) {
      again.current = true
      return
    }
    running.current = true
    const forDeps = depsRef.current
    loadRef
      .current()
      .then(
        (data) => {
          if (!alive.current || forDeps !== depsRef.current) return
          if (key !== undefined) memory.set(key, { data, deps: forDeps })
          setState({ data, error: undefined, deps: forDeps })
        },
        (error: unknown) => {
          if (alive.current && forDeps === depsRef.current) setState((s) => ({ data: s.deps === forDeps ? s.data : undefined, error, deps: forDeps }))
        },
      )
      .finally(() => {
        running.current = false
        if (again.current && alive.current) {
          again.current = false
          run()
        }
      })
  }, [key, memory])

  useEffect(() => {
    alive.current = true
    run()
    const timer = setInterval(run, Math.max(50, everyMs))
    return () => {
      alive.current = false
      clearInterval(timer)
    }
  }, [everyMs, run, depsKey])

  // data of other deps (the range before a key changed it) is not shown as this one's
  const current = state.deps === depsKey
  return { data: current ? state.data : undefined, error: current ? state.error : undefined, reload: run }
}
