/**
 * The first row to show so that `cursor` stays visible in a window of
 * `height` rows, moving as little as possible from `previousTop`.
 *
 * ```ts
 * windowTop(100, 50, 10, 0) // 41: the cursor is the last visible row
 * ```
 */
export function windowTop(total: number, cursor: number, height: number, previousTop: number): number {
  const h = Math.max(1, height)
  const maxTop = Math.max(0, total - h)
  let top = Math.min(Math.max(0, previousTop), maxTop)
  if (cursor < top) top = cursor
  if (cursor >= top + h) top = cursor - h + 1
  return Math.min(Math.max(0, top), maxTop)
}

/** The cursor after a key: arrows move one row, page keys a window, home/end to the ends. */
export function moveCursor(
  cursor: number,
  total: number,
  page: number,
  key: { upArrow?: boolean; downArrow?: boolean; pageUp?: boolean; pageDown?: boolean; home?: boolean; end?: boolean },
  input = '',
): number {
  if (total === 0) return 0
  let next = cursor
  if (key.upArrow || input === 'k') next = cursor - 1
  else if (key.downArrow || input === 'j') next = cursor + 1
  else if (key.pageUp) next = cursor - Math.max(1, page)
  else if (key.pageDown) next = cursor + Math.max(1, page)
  else if (key.home || input === 'g') next = 0
  else if (key.end || input === 'G') next = total - 1
  return Math.min(Math.max(0, next), total - 1)
}

/** True for the keys `moveCursor` acts on. */
export function isMoveKey(
  key: { upArrow?: boolean; downArrow?: boolean; pageUp?: boolean; pageDown?: boolean; home?: boolean; end?: boolean },
  input = '',
): boolean {
  return Boolean(key.upArrow || key.downArrow || key.pageUp || key.pageDown || key.home || key.end) || ['j', 'k', 'g', 'G'].includes(input)
}

/** Cuts or pads `text` to exactly `width` cells (ids and codes here are single-width). */
export function fit(text: string, width: number): string {
  if (width <= 0) return ''
  return text.length > width ? text.slice(0, Math.max(0, width - 1)) + '…' : text.padEnd(width)
}
