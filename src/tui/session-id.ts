/**
 * A session id as an operator types it: digits, with or without the `#` the TUI prints (`#1234`,
 * `1234`, ` # 1234 `); null for anything else.
 *
 * ```ts
 * parseSessionId('#1234') // 1234
 * ```
 */
export function parseSessionId(text: string): number | null {
  const m = /^\s*#?\s*(\d{1,16})\s*$/.exec(text)
  if (m === null) return null
  const id = Number(m[1])
  return Number.isSafeInteger(id) && id > 0 ? id : null
}
