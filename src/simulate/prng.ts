/**
 * A small seeded PRNG (mulberry32 over an xmur3 hash of the seed): the same seed, the same sequence.
 *
 * ```ts
 * const r: Random = seededRandom('demo')
 * r.pick(['customer_left', 'out_of_scope'])
 * ```
 */
export interface Random {
  /** A float in [0, 1). */
  next(): number
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number
  /** One of `items` (not empty). */
  pick<T>(items: readonly T[]): T
}

function hashSeed(seed: string): number {
  let h = 1779033703 ^ seed.length
  for (let i = 0; i < seed.length; i++) {
    h = Math.imul(h ^ seed.charCodeAt(i), 3432918353)
    h = (h << 13) | (h >>> 19)
  }
  h = Math.imul(h ^ (h >>> 16), 2246822507)
  h = Math.imul(h ^ (h >>> 13), 3266489909)
  return (h ^ (h >>> 16)) >>> 0
}

/**
 * A `Random` seeded with `seed`.
 *
 * ```ts
 * const r = seededRandom('42')
 * r.int(1, 6) // the same on every run with seed '42'
 * ```
 */
export function seededRandom(seed: string | number): Random {
  let a = hashSeed(String(seed))
  const next = (): number => {
    a = (a + 0x6d2b79f5) | 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)]!,
  }
}
