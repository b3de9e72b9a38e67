/**
 * "Did you mean …" for words that name one of a known set (flag keys), as
 * commander offers for commands and options. Flag keys are long and share
 * their words (`early_end_mitra_enabled`, `early_end_customer_enabled`), so
 * besides near spellings (commander's rule: at most 3 edits, 40% alike) a
 * word whose parts all appear, in order, in a key suggests that key.
 */

const MAX_EDITS = 3

/** Damerau-Levenshtein distance (adjacent swaps count as one edit). */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > MAX_EDITS) return Math.max(a.length, b.length)
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i])
  for (let j = 0; j <= b.length; j++) d[0]![j] = j
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1)
    }
  return d[a.length]![b.length]!
}

const parts = (word: string) =>
  word
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean)

/** Whether every part of `word` is a part of `candidate`, in the same order. */
function partsWithin(word: string, candidate: string): boolean {
  const want = parts(word)
  const have = parts(candidate)
  let at = 0
  for (const p of want) {
    const found = have.indexOf(p, at)
    if (found === -1) return false
    at = found + 1
  }
  return want.length > 0
}

/**
 * The candidates `word` was probably meant to be, best first: the nearest
 * spellings, else the candidates holding all its parts. Empty when none is close.
 *
 * ```ts
 * suggest('early_end_mitra_enable', keys) // ['early_end_mitra_enabled']
 * suggest('early_end_enabled', keys) // ['early_end_customer_enabled', 'early_end_mitra_enabled']
 * ```
 */
export function suggest(word: string, candidates: readonly string[]): string[] {
  let best = MAX_EDITS
  let near: string[] = []
  for (const c of new Set(candidates)) {
    const distance = editDistance(word.toLowerCase(), c)
    const length = Math.max(word.length, c.length)
    if ((length - distance) / length <= 0.4) continue
    if (distance < best) {
      best = distance
      near = [c]
    } else if (distance === best) near.push(c)
  }
  if (near.length > 0) return near.sort()
  return candidates.filter((c) => partsWithin(word, c)).sort()
}

/** ` (did you mean a or b?)`, or '' when nothing is close. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const s = suggest(word, candidates)
  if (s.length === 0) return ''
  return ` (did you mean ${s.length === 1 ? s[0] : `${s.slice(0, -1).join(', ')} or ${s.at(-1)}`}?)`
}
