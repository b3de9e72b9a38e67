import { isDeepStrictEqual } from 'node:util'
import { useCallback, useEffect, useLayoutEffect, useRef, useState, type RefObject } from 'react'
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
 * processes show up. One load at a time; nothing is set after unmount, and
 * nothing when the data is the same as shown (an idle screen does not redraw). With
 * `memory`, the last data is kept while the screen is away and shown at once
 * when it comes back (then reloaded). `deps` restart it (a new range, a
 * toggled filter). `initial` is the data shown before the first load (when
 * the load will say the same, the screen is not drawn twice).
 */
export function usePoll<T>(load: () => Promise<T>, everyMs: number, options: { memory?: string; deps?: readonly unknown[]; initial?: T } = {}): Polled<T> {
  const memory = useMemoryMap()
  const key = options.memory === undefined ? undefined : `${options.memory}.data`
  const depsKey = JSON.stringify(options.deps ?? [])
  const [state, setState] = useState<{ data: T | undefined; error: unknown; deps: string }>(() => {
    const kept = key === undefined ? undefined : (memory.get(key) as { data: T; deps: string } | undefined)
    return { data: kept?.deps === depsKey ? kept.data : options.initial, error: undefined, deps: depsKey }
  })
  const loadRef = useRef(load)
  const depsRef = useRef(depsKey)
  // the newest load and deps for the next run (updated before the effect below runs one)
  useLayoutEffect(() => {
    loadRef.current = load
    depsRef.current = depsKey
  })
  // one load at a time
  const step = useCallback(
    async (alive: RefObject<boolean>) => {
      const forDeps = depsRef.current
      try {
        const data = await loadRef.current()
        if (!alive.current || forDeps !== depsRef.current) return
        if (key !== undefined) memory.set(key, { data, deps: forDeps })
        // the same data as shown (what most loads of an idle screen read): the same state, so no redraw
        setState((s) => (s.deps === forDeps && s.error === undefined && isDeepStrictEqual(s.data, data) ? s : { data, error: undefined, deps: forDeps }))
      } catch (error) {
        if (alive.current && forDeps === depsRef.current) setState((s) => ({ data: s.deps === forDeps ? s.data : undefined, error, deps: forDeps }))
      }
    },
    [key, memory],
  )
  const run = useEvery(step, everyMs, depsKey)

  // data of other deps (the range before a key changed it) is not shown as this one's
  const current = state.deps === depsKey
  return { data: current ? state.data : undefined, error: current ? state.error : undefined, reload: run }
}

/**
 * Hands `load()`'s data to `onData` at once and then every `everyMs`, holding no state: nothing is
 * redrawn unless `onData` sets some (the flag announcements read the audit trail so, and an idle
 * screen stays still). One load at a time; none after unmount; a failed load waits for the next.
 */
export function useWatch<T>(load: () => Promise<T>, everyMs: number, onData: (data: T) => void): void {
  const latest = useRef({ load, onData })
  useLayoutEffect(() => {
    latest.current = { load, onData }
  })
  const step = useCallback(async (alive: RefObject<boolean>) => {
    let data: T
    try {
      data = await latest.current.load()
    } catch {
      return
    }
    if (alive.current) latest.current.onData(data)
  }, [])
  useEvery(step, everyMs, '')
}

/** Runs `step` one at a time, at once and every `everyMs` until unmount; again at once when `restart` changes. */
function useEvery(step: (alive: RefObject<boolean>) => Promise<void>, everyMs: number, restart: string): () => void {
  const alive = useRef(true)
  const run = useOneAtATime(
    useCallback(() => step(alive), [step]),
    alive,
  )
  useEffect(() => {
    alive.current = true
    run()
    const timer = setInterval(run, Math.max(50, everyMs))
    return () => {
      alive.current = false
      clearInterval(timer)
    }
  }, [everyMs, run, restart])
  return run
}
