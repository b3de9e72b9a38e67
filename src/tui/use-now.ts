import { useEffect, useState } from 'react'
import { useServices } from './services-context.js'

/** The clock's time, read again every `everyMs` so times left count down between refreshes. */
export function useNow(everyMs = 1000): Date {
  const { clock } = useServices()
  const [now, setNow] = useState(() => clock.now())
  useEffect(() => {
    const timer = setInterval(() => {
      const next = clock.now()
      // a fixed clock (HALO_NOW, tests) never moves: no redraw for nothing
      setNow((prev) => (prev.getTime() === next.getTime() ? prev : next))
    }, everyMs)
    return () => clearInterval(timer)
  }, [clock, everyMs])
  return now
}
