import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react'
import { useMemoryMap } from './screen-memory.js'
import { useOneAtATime } from './use-one-at-a-time.js'

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
  const depsRef = useRef(depsKey)
  // the newest load and deps for the next run (updated before the effect below runs one)
  useLayoutEffect(() => {
    loadRef.current = load
    depsRef.current = depsKey
  })
  const alive = useRef(true)
  // one load at a time
  const step = useCallback(async () => {
    const forDeps = depsRef.current
    try {
      const data = await loadRef.current()
      if (!alive.current || forDeps !== depsRef.current) return
      if (key !== undefined) memory.set(key, { data, deps: forDeps })
      setState({ data, error: undefined, deps: forDeps })
    } catch (error) {
      if (alive.current && forDeps === depsRef.current) setState((s) => ({ data: s.deps === forDeps ? s.data : undefined, error, deps: forDeps }))
    }
  }, [key, memory])
  const run = useOneAtATime(step, alive)

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
