import { ACTIVE_SESSIONS, END_ACTION } from '../present/prd-strings.js'
import { charWidth, displayWidth } from '../present/width.js'

/**
 * The TUI's layout as plain values, shared by the ink components and by the first frame the CLI
 * draws before ink has loaded (first-frame.ts): one source for what both draw. No ink, no react.
 */

export const SCREENS = [
  { id: 'flags', title: 'Flags' },
  { id: 'sessions', title: ACTIVE_SESSIONS },
  { id: 'reviews', title: 'Reviews' },
  { id: 'reports', title: 'Reports' },
] as const
export type ScreenId = (typeof SCREENS)[number]['id']

/** The smallest terminal every screen fits in without overlapping text. */
export const MIN_COLUMNS = 80
export const MIN_ROWS = 24

/** The footer when there is no notice and no dialog. */
export const FOOTER = '1-4 screens · ? keys · q quit'

/** Rows of the frame: one fewer than the terminal's (a frame as tall as the terminal makes ink clear and redraw it all). */
export const frameHeight = (rows: number): number => rows - 1

/** Rows of a screen's body: the frame less the header's two lines and the footer. */
export const bodyHeight = (rows: number): number => frameHeight(rows) - 3

/** The header's tab for a screen: `[2 Sesi Aktif]` when shown. */
export const tabText = (index: number, title: string, current: boolean): string => (current ? ` [${index + 1} ${title}]` : `  ${index + 1} ${title} `)

/** `text` cut to `width` cells from the left, so a long path keeps its file name: `…/var/lib/halo/halo.db`. */
export function keepEnd(text: string, width: number): string {
  if (displayWidth(text) <= width) return text
  if (width <= 1) return '…'
  // by terminal columns and whole characters: a wide character or an emoji is never cut in half
  const chars = [...text]
  let room = width - 1
  let from = chars.length
  while (from > 0 && charWidth(chars[from - 1]!) <= room) room -= charWidth(chars[--from]!)
  return `…${chars.slice(from).join('')}`
}

/** The header's second line, unstyled: the kind of database, where it is, and as whom. */
export function whereLine(engine: 'sqlite' | 'postgres', target: string, actor: string, width: number): { kind: string; target: string; who: string } {
  const kind = engine === 'postgres' ? 'PostgreSQL' : 'SQLite file'
  const who = ` · operator ${actor}`
  return { kind: ` ${kind} `, target: ` ${keepEnd(target, Math.max(10, width - kind.length - 4 - displayWidth(who)))}`, who }
}

/** Sesi Aktif's rows that are not sessions: the count line and the column header. */
export const SESSION_CHROME = 2

/** The widths of Sesi Aktif's columns in a frame `width` wide, with or without the `Akhiri ›` action. */
export function sessionColumns(width: number, akhiri: boolean) {
  const [idW, statusW, leftW] = [8, 10, 9]
  const actionW = akhiri ? END_ACTION.length + 2 : 1
  const partyW = Math.max(8, Math.floor((width - 2 - idW - statusW - leftW - actionW - 5) / 2))
  return { idW, statusW, leftW, partyW }
}

/** Sesi Aktif's count line: how many sessions are live (of them, how many the filter shows). */
export const sessionCount = (all: number, shown?: number): string => (shown === undefined ? `${all} live sessions` : `${shown} of ${all} live sessions`)

/** What Sesi Aktif's count line says after the count. */
export const SESSION_HINTS = '  · Enter: open · /: filter'
