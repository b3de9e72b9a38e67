/** Closures per day as horizontal unicode bars, for `report closures --by day` on a terminal. */

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉']

/**
 * Formats rows as one line each: key, a bar scaled so the largest count fills
 * `width` cells (eighths of a cell for the remainder), then the count. Any
 * non-zero count shows at least a sliver. Pure: rows in, lines out.
 *
 * ```ts
 * barChart([{ key: '2026-11-23', count: 4 }, { key: '2026-11-24', count: 2 }], { width: 4 })
 * // ['2026-11-23 ████ 4', '2026-11-24 ██   2']
 * ```
 */
export function barChart(rows: readonly { key: string | null; count: number }[], options: { width?: number } = {}): string[] {
  const width = Math.max(1, Math.floor(options.width ?? 40))
  const max = rows.reduce((m, r) => Math.max(m, r.count), 0)
  const keyWidth = rows.reduce((w, r) => Math.max(w, (r.key ?? '(none)').length), 0)
  return rows.map((r) => {
    const eighths = max === 0 ? 0 : Math.max(r.count > 0 ? 1 : 0, Math.round((r.count / max) * width * 8))
    const bar = '█'.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8]
    return `${(r.key ?? '(none)').padEnd(keyWidth)} ${bar.padEnd(width)} ${r.count}`
  })
}
