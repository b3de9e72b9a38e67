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

/** Cuts or pads `text` to exactly `width` cells (ids and codes here are single-width). */
export function fit(text: string, width: number): string {
  if (width <= 0) return ''
  return text.length > width ? text.slice(0, Math.max(0, width - 1)) + '…' : text.padEnd(width)
}
