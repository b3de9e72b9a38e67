/** Where the library reads the time. Inject a fixed or stepping clock in tests and replays. */
export interface Clock {
  now(): Date
}

export const systemClock: Clock = Object.freeze({ now: () => new Date() })

/**
 * A clock that stands still until moved; for tests and `HALO_NOW`.
 *
 * ```ts
 * const clock = fixedClock('2026-11-24T16:59:59Z')
 * clock.advance(1000) // now 17:00:00Z, the next Jakarta day
 * ```
 */
export function fixedClock(start: Date | string): Clock & { set(t: Date | string): void; advance(ms: number): void } {
  let t = new Date(start).getTime()
  if (Number.isNaN(t)) throw new RangeError(`not a time: ${String(start)}`)
  return {
    now: () => new Date(t),
    set: (next) => {
      t = new Date(next).getTime()
    },
    advance: (ms) => {
      t += ms
    },
  }
}
