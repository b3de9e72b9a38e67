/**
 * Which value a flag had at a past instant, read from its audit trail: the value in force at `at`
 * is the old value of the first change after `at`, or, when nothing changed since, today's. Pure:
 * the changes are read by the caller (`config_audit`), oldest first.
 */

/** One recorded change of one flag: when, and the value it replaced (decoded). */
export interface ChangeAfter<T> {
  readonly at: string
  readonly oldValue: T
}

/**
 * The value in force at `at`, given the changes of that flag made at or after some earlier instant
 * (oldest first) and its value now.
 *
 * ```ts
 * valueInForce([{ at: '2026-11-24T06:00:00Z', oldValue: 4 }], '2026-11-24T03:00:00Z', 6) // 4
 * ```
 */
export function valueInForce<T>(changes: readonly ChangeAfter<T>[], at: string, now: T): T {
  const ms = Date.parse(at)
  for (const c of changes) if (Date.parse(c.at) > ms) return c.oldValue
  return now
}

/** A stretch of time with one value in force: from `from` (null: before the window) until `until` (null: still). */
export interface InForce<T> {
  readonly value: T
  readonly from: string | null
  readonly until: string | null
}

/**
 * The values in force from `start` on, one stretch per value, oldest first: what a report over a past
 * window says was the rule.
 *
 * ```ts
 * periodsInForce([{ at: '2026-11-24T06:00:00Z', oldValue: 4 }], '2026-11-23T17:00:00Z', 6)
 * // [{ value: 4, from: null, until: '2026-11-24T06:00:00Z' }, { value: 6, from: '2026-11-24T06:00:00Z', until: null }]
 * ```
 */
export function periodsInForce<T>(changes: readonly ChangeAfter<T>[], start: string, now: T, same: (a: T, b: T) => boolean = Object.is): InForce<T>[] {
  const startMs = Date.parse(start)
  const after = changes.filter((c) => Date.parse(c.at) > startMs)
  const out: InForce<T>[] = []
  let from: string | null = null
  for (let i = 0; i < after.length; i++) {
    const value = after[i]!.oldValue
    const next = i + 1 < after.length ? after[i + 1]!.oldValue : now
    if (same(value, next)) continue
    out.push({ value, from, until: after[i]!.at })
    from = after[i]!.at
  }
  out.push({ value: now, from, until: null })
  return out
}
