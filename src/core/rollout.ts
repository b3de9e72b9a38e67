/**
 * The staged rollout of mitra early ends (contract §4b): which mitras get "Akhiri" while
 * `early_end_mitra_enabled` is on. Pure: the mitra app's answer (`clientConfig`) and the server's
 * (`initiateEarlyEnd`) both come from here, so they agree for every mitra.
 *
 * A mitra's bucket is a stable hash of their id, 0..99, as Unleash's `normalizedValue` is: a mitra
 * is in at `percent` when their bucket is below it, so whoever is in at p stays in at every p' > p,
 * and no state is stored per mitra. The cohort overrides the bucket per mitra: `always` in, `never` in.
 */

/**
 * A mitra's cohort membership: `always` in the rollout, or `never` (a hold-out).
 *
 * ```ts
 * await rollout.add(['m-7'], { mode: COHORT_MODES[1], actor: 'ops-ana' }) // never
 * ```
 */
export const COHORT_MODES = ['always', 'never'] as const
/**
 * One of `COHORT_MODES`.
 *
 * ```ts
 * const mode: CohortMode = 'never' // a hold-out, whatever the percent
 * ```
 */
export type CohortMode = (typeof COHORT_MODES)[number]

/** Salt of the hash: the same id in another rollout (another switch) lands in another bucket. */
const SALT = 'early_end_mitra:'

const utf8 = new TextEncoder()

/** MurmurHash3 (x86, 32-bit) of the UTF-8 bytes of `text`: what Unleash hashes rollout ids with. */
export function murmur3(text: string, seed = 0): number {
  const bytes = utf8.encode(text)
  let h = seed >>> 0
  const c1 = 0xcc9e2d51
  const c2 = 0x1b873593
  const blocks = bytes.length >> 2
  for (let i = 0; i < blocks; i++) {
    const o = i * 4
    let k = bytes[o]! | (bytes[o + 1]! << 8) | (bytes[o + 2]! << 16) | (bytes[o + 3]! << 24)
    k = Math.imul(k, c1)
    k = (k << 15) | (k >>> 17)
    k = Math.imul(k, c2)
    h ^= k
    h = (h << 13) | (h >>> 19)
    h = (Math.imul(h, 5) + 0xe6546b64) | 0
  }
  const tail = blocks * 4
  const rest = bytes.length & 3
  if (rest > 0) {
    let k = 0
    if (rest === 3) k ^= bytes[tail + 2]! << 16
    if (rest >= 2) k ^= bytes[tail + 1]! << 8
    k ^= bytes[tail]!
    k = Math.imul(k, c1)
    k = (k << 15) | (k >>> 17)
    k = Math.imul(k, c2)
    h ^= k
  }
  h ^= bytes.length
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/**
 * A mitra's rollout bucket, 0..99: stable for the id, spread evenly over ids.
 *
 * ```ts
 * rolloutBucket('mitra-ayu') // the same number on every server and in every app
 * ```
 */
export function rolloutBucket(mitraId: string): number {
  return murmur3(SALT + mitraId) % 100
}

/**
 * Whether a mitra is in the rollout: the cohort decides when it names the mitra, else the bucket
 * against the percent (0: nobody, 100: everybody).
 *
 * ```ts
 * inRollout('m-7', 50, null) // rolloutBucket('m-7') < 50
 * inRollout('m-7', 0, 'always') // true: the cohort overrides the percent
 * ```
 */
export function inRollout(mitraId: string, percent: number, cohort: CohortMode | null): boolean {
  if (cohort === 'always') return true
  if (cohort === 'never') return false
  // every bucket is below 100 and none below 0: no hash on an early end's path when the rollout is whole or off
  if (percent >= 100 || percent <= 0) return percent >= 100
  return rolloutBucket(mitraId) < percent
}

/**
 * Why a mitra is outside the rollout, for the refusal's message; null when they are in.
 *
 * ```ts
 * rolloutExclusion('m-7', 10, null) // 'mitra m-7 is outside the rollout (bucket 63 of 100, early_end_mitra_rollout_percent is 10)'
 * ```
 */
export function rolloutExclusion(mitraId: string, percent: number, cohort: CohortMode | null): string | null {
  if (inRollout(mitraId, percent, cohort)) return null
  if (cohort === 'never') return `mitra ${mitraId} is held out of the rollout (cohort: never)`
  return `mitra ${mitraId} is outside the rollout (bucket ${rolloutBucket(mitraId)}, early_end_mitra_rollout_percent is ${percent})`
}

/**
 * How many of `mitraIds` are in the rollout under a percent and cohort: the share of mitras who see
 * Akhiri (what `whatif rollout` and the TUI show).
 *
 * ```ts
 * rolloutShare(['m-1', 'm-2', 'm-3'], 50, new Map([['m-3', 'never']])) // { inRollout: 1, total: 3 }, say
 * ```
 */
export function rolloutShare(mitraIds: readonly string[], percent: number, cohort: ReadonlyMap<string, CohortMode>): { inRollout: number; total: number } {
  const n = mitraIds.filter((id) => inRollout(id, percent, cohort.get(id) ?? null)).length
  return { inRollout: n, total: mitraIds.length }
}
