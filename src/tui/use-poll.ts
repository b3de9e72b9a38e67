import { useCallback, useEffect, useRef, useState } from 'react'

export interface Polled<T> {
  readonly data: T | undefined
  readonly error: unknown
  /** Loads again now (after a change made from this screen). */
  reload(): void
}

/**
 * Loads `load()` at once and then every `everyMs`, so changes made by other
 * processes show up. One load at a time; nothing is set after unmount.
 */
export function usePoll<T>(load: () => Promise<T>, everyMs: number, deps: readonly unknown[] = []): Polled<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown }>({ data: undefined, error: undefined })
  const loadRef = useRef(load)
  loadRef.current = load
  const alive = useRef(true)
  const running = useRef(false)
  const again = useRef(false)

  const run = useCallback(() => {
    if (running.current) {
      again.current = true
      return
    }
    running.current = true
    loadRef
      .current()
      .then(
        (data) => {
          if (alive.current) setState({ data, error: undefined })
        },
        (error: unknown) => {
          if (alive.current) setState((s) => ({ data: s.data, error }))
        },
      )
      .finally(() => {
        running.current = false
        if (again.current && alive.current) {
          again.current = false
          run()
        }
      })
  }, [])

  useEffect(() => {
    alive.current = true
    run()
    const timer = setInterval(run, Math.max(50, everyMs))
    return () => {
      alive.current = false
      clearInterval(timer)
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [everyMs, run, ...deps])

  return { data: state.data, error: state.error, reload: run }
}
