/**
 * The text table of every CLI list, in time linear in its cells: each cell is
 * measured once, each column's width is the widest cell's, and each row is
 * written once. cli-table3, which drew them before, spent time quadratic in
 * the rows (20,000 sessions took 59 s against 0.9 s as `--json`);
 * `bench/cli-table.mjs` keeps the ratio in view.
 */

import { charWidth, displayWidth, SGR } from '../present/width.js'

/** Spaces after every column but the last. */
export const PAD = 2
/** A wrapping column is never narrower than this. */
const MIN_WRAP = 16

export interface Layout {
  readonly align?: readonly ('left' | 'right')[]
  /** Columns (by index) that may wrap onto more lines when the table is wider than `width`. */
  readonly wrap?: readonly number[]
  /** Columns (by index) left out when the table cannot fit `width` even wrapped. */
  readonly optional?: readonly number[]
  /** The width to fit (a terminal's columns); no limit when absent. */
  readonly width?: number
  /** How the header cells are drawn (bold on a colour terminal); measured before. */
  readonly head?: (text: string) => string
}

/**
 * Aligned columns under a header, no box drawing: it greps and pastes
 * cleanly. When wider than `layout.width`, the `wrap` columns wrap (widest
 * first, at spaces where they can), and when that is not enough the
 * `optional` columns go. Cells are drawn as given: escape stored text first.
 *
 * ```ts
 * renderTable(['id', 'status'], [['1', 'active']], { align: ['right'] }) // 'id  status\n 1  active'
 * ```
 */
export function renderTable(head: readonly string[], rows: readonly (readonly string[])[], layout: Layout = {}): string {
  let columns = head.map((_, i) => i)
  let widths = naturalWidths(head, rows)
  const limit = layout.width ?? Infinity
  let fitted = fit(widths, columns, layout.wrap ?? [], limit)
  if (fitted === null && layout.optional !== undefined && layout.optional.length > 0) {
    columns = columns.filter((i) => !layout.optional!.includes(i))
    widths = columns.map((i) => widths[i]!)
    fitted = fit(widths, columns, layout.wrap ?? [], limit)
  }
  const shown = fitted ?? widths
  const align = columns.map((i) => layout.align?.[i] ?? 'left')
  const bold = layout.head ?? ((t: string) => t)
  const out: string[] = []
  const write = (cells: readonly string[], style: (t: string) => string) => {
    const split = columns.map((i, c) => {
      const text = cells[i] ?? ''
      return displayWidth(text) <= shown[c]! ? [text] : wrapText(text, shown[c]!)
    })
    const height = split.reduce((h, lines) => Math.max(h, lines.length), 1)
    for (let l = 0; l < height; l++) {
      let line = ''
      for (let c = 0; c < columns.length; c++) {
        const text = split[c]![l] ?? ''
        const room = shown[c]! - displayWidth(text)
        const last = c === columns.length - 1
        const cell = style(text)
        line += align[c] === 'right' ? ' '.repeat(room) + cell : last ? cell : cell + ' '.repeat(room)
        if (!last) line += ' '.repeat(PAD)
      }
      out.push(line.trimEnd())
    }
  }
  write(head, (t) => (t === '' ? t : bold(t)))
  for (const row of rows) write(row, (t) => t)
  return out.join('\n')
}

/** The width of each column's widest cell, header included. */
function naturalWidths(head: readonly string[], rows: readonly (readonly string[])[]): number[] {
  const widths = head.map((h) => displayWidth(h))
  for (const row of rows)
    for (let i = 0; i < widths.length; i++) {
      const w = displayWidth(row[i] ?? '')
      if (w > widths[i]!) widths[i] = w
    }
  return widths
}

/**
 * The widths of `columns` (indexes into the table) narrowed to fit `limit`,
 * the widest wrap column first, never below MIN_WRAP: null when they cannot.
 */
function fit(widths: readonly number[], columns: readonly number[], wrap: readonly number[], limit: number): number[] | null {
  const out = [...widths]
  let total = out.reduce((a, b) => a + b, 0) + PAD * (out.length - 1)
  const wrappable = columns.map((i, c) => (wrap.includes(i) ? c : -1)).filter((c) => c >= 0)
  while (total > limit) {
    let widest = -1
    for (const c of wrappable) if (out[c]! > MIN_WRAP && (widest === -1 || out[c]! > out[widest]!)) widest = c
    if (widest === -1) return null
    const next = Math.max(MIN_WRAP, out[widest]! - (total - limit))
    // narrow one step at a time only as far as the next widest, so the widest keep turns
    const second = wrappable.reduce((m, c) => (c !== widest && out[c]! > m ? out[c]! : m), MIN_WRAP)
    const to = Math.max(next, Math.min(out[widest]! - 1, second))
    total -= out[widest]! - to
    out[widest] = to
  }
  return out
}

/**
 * `text` in lines at most `width` columns wide: broken at spaces, a word
 * longer than a line broken where it must. A cell styled whole (one style
 * around plain text) keeps its style on every line; any other styled cell
 * wraps as plain text.
 */
export function wrapText(text: string, width: number): string[] {
  const styled = /^((?:\u001b\[[0-9;]*m)+)([^\u001b]*)((?:\u001b\[[0-9;]*m)+)$/.exec(text)
  if (styled !== null) return wrapText(styled[2]!, width).map((l) => `${styled[1]}${l}${styled[3]}`)
  const plain = text.replace(SGR, '')
  const lines: string[] = []
  let line = ''
  let lineWidth = 0
  for (const word of plain.split(/(?<= )/)) {
    const w = displayWidth(word)
    if (lineWidth + w <= width || (lineWidth + w - 1 <= width && word.endsWith(' '))) {
      line += word
      lineWidth += w
      continue
    }
    if (line !== '') lines.push(line.trimEnd())
    line = ''
    lineWidth = 0
    for (const c of word) {
      const cw = charWidth(c)
      if (lineWidth + cw > width && !(c === ' ' && lineWidth === width)) {
        lines.push(line.trimEnd())
        line = ''
        lineWidth = 0
      }
      line += c
      lineWidth += cw
    }
  }
  if (line.trimEnd() !== '' || lines.length === 0) lines.push(line.trimEnd())
  return lines
}
