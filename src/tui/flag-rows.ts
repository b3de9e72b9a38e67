import type { FlagState } from '../config/config-store.js'
import { flagText } from '../config/flag-registry.js'
import { printable } from '../present/printable.js'
import { formatInstant } from '../present/time.js'
import { fit } from './scroll-window.js'

/**
 * What the Flags screen shows of each flag, as plain text: drawn by its ink component (flags-screen.tsx)
 * and by the CLI's first frame (first-frame.ts) from the same functions, so the two read the same.
 */

/** The key and value columns' widths in a frame `width` wide. */
export function flagColumns(list: readonly FlagState[], width: number): { keyWidth: number; valueWidth: number } {
  const keyWidth = Math.max(...list.map((f) => f.key.length)) + 1
  return { keyWidth, valueWidth: Math.max(12, Math.min(40, width - keyWidth - 24)) }
}

/** The column header above the flags. */
export const flagHeader = (keyWidth: number, valueWidth: number): string => `  ${fit('key', keyWidth)} ${fit('value', valueWidth)} default`

/**
 * A flag's row (`›` on the chosen one) and the lines its value goes on in when longer than its
 * column (the reason codes): it is what the operator decides on, so it is shown whole.
 */
export function flagRow(f: FlagState, here: boolean, keyWidth: number, valueWidth: number): { row: string; more: string[] } {
  const [first = '', ...wrapped] = wrapList(printable(flagText(f.value)), valueWidth)
  return {
    row: `${here ? '›' : ' '} ${fit(f.key, keyWidth)} ${fit(first, valueWidth)} ${printable(flagText(f.default))}`,
    more: wrapped.map((line) => `  ${' '.repeat(keyWidth)} ${line}`),
  }
}

/** The chosen flag's description, its type and who set it, and what its keys do: three lines. */
export function flagDetail(f: FlagState, timeZone: string): [string, string, string] {
  const set = f.updatedBy !== null ? ` · set by ${printable(f.updatedBy)} at ${formatInstant(f.updatedAt, timeZone)}` : ' · default'
  return [f.description, `${f.type}: ${f.hint}${set}`, `${f.type === 'boolean' ? 'Space/Enter: toggle' : 'Enter: edit'} · r: reset to default`]
}

/** What the rollout and guard panel says until its first read (rollout-guard-panel.tsx). */
export const ROLLOUT_LOADING = 'Loading the rollout…'

/** `text` in lines of at most `width` columns, broken after a comma where it can be (a list of codes), else anywhere. */
export function wrapList(text: string, width: number): string[] {
  const w = Math.max(1, width)
  const lines: string[] = []
  let rest = text
  while (rest.length > w) {
    const comma = rest.lastIndexOf(',', w - 1)
    const cut = comma >= 0 ? comma + 1 : w
    lines.push(rest.slice(0, cut))
    rest = rest.slice(cut)
  }
  lines.push(rest)
  return lines
}
