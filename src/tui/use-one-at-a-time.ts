import { useCallback, useRef, type RefObject } from 'react'

/**
 * A runner for `step` that never overlaps itself, for loads a timer and the user both ask for: a
 * call while a step runs asks for one more step when it is done, and however many calls came in
 * meanwhile, that is one. It stops asking once `alive` is false (the screen unmounted). `step`
 * catches its own errors.
 */
export function useOneAtATime(step: () => Promise<void>, alive: RefObject<boolean>): () => void {
  const running = useRef(false)
  const again = useRef(false)
  return useCallback(() => {
    if (running.current) {
      again.current = true
      return
    }
    running.current = true
    void (async () => {
      do {
        again.current = false
        await step()
      } while (again.current && alive.current)
      running.current = false
    })()
  }, [step, alive])
}
