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

/** What the TUI (and the first frame) says on a terminal smaller than it needs; undefined on one large enough. */
export function tooSmall(columns: number, rows: number): string | undefined {
  if (columns >= MIN_COLUMNS && rows >= MIN_ROWS) return undefined
  return `halo-admin needs a terminal of at least ${MIN_COLUMNS}x${MIN_ROWS}.\nThis one is ${columns}x${rows}: make it larger, or press q to quit.`
}

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

/** How many sessions Sesi Aktif shows at once on a terminal `rows` tall. */
export const sessionListHeight = (rows: number): number => Math.max(1, bodyHeight(rows) - SESSION_CHROME)

/** Which sessions Sesi Aktif lists: the live ones (the default, as `session list`), or the newest closing or closed ones. */
export const SESSION_VIEWS = ['live', 'closing', 'closed'] as const
export type SessionView = (typeof SESSION_VIEWS)[number]

/** How many of the newest closing or closed sessions Sesi Aktif reads (the live ones are all read). */
export const RECENT_SESSIONS = 500

/** What a row of Sesi Aktif shows, for measuring its columns. */
interface SessionCells {
  readonly id: number
  readonly mitraId: string
  readonly customerId: string
}

/** Rows that decide the column widths: the newest ones (as many as the first frame reads) and the ones in view. */
export const MEASURED_ROWS = 200

/**
 * The widths of Sesi Aktif's columns in a frame `width` wide, with or without the `Akhiri ›` action:
 * the session, mitra and customer columns as wide as their content in `rows` (the newest `MEASURED_ROWS` and those in view),
 * no wider; when the terminal is too narrow for both, each party column gets its share and the wider
 * one is cut. The time column fits the view: time left, the grace window, or when it closed.
 */
export function sessionColumns(width: number, akhiri: boolean, rows: readonly SessionCells[] = [], view: SessionView = 'live') {
  let idW = 'session'.length
  let mitraC = 'mitra'.length
  let customerC = 'customer'.length
  for (const r of rows) {
    idW = Math.max(idW, String(r.id).length + 1)
    mitraC = Math.max(mitraC, displayWidth(r.mitraId))
    customerC = Math.max(customerC, displayWidth(r.customerId))
  }
  const statusW = 9
  const leftW = view === 'live' ? 9 : view === 'closing' ? 13 : 20
  const actionW = akhiri ? END_ACTION.length + 2 : 1
  const room = Math.max(16, width - 2 - idW - statusW - leftW - actionW - 5)
  let [mitraW, customerW] = [mitraC, customerC]
  if (mitraW + customerW > room) {
    const half = Math.floor(room / 2)
    if (mitraW <= half) customerW = room - mitraW
    else if (customerW <= room - half) mitraW = room - customerW
    else [mitraW, customerW] = [half, room - half]
  }
  return { idW, statusW, leftW, mitraW, customerW }
}

/**
 * Sesi Aktif's count line: where the cursor is and how many there are (`3 of 120 live sessions`),
 * of how many when a filter narrows them, newest first.
 */
export function sessionCount(position: number, shown: number, all: number, view: SessionView = 'live', filtered = false): string {
  const what = view === 'live' ? 'live sessions' : `${view} sessions${all >= RECENT_SESSIONS ? ` (the newest ${RECENT_SESSIONS})` : ''}`
  const where = shown === 0 ? `0 of ${all}` : `${position} of ${shown}`
  return filtered ? `${where} matching of ${all} ${what}` : `${where} ${what}`
}

/** What Sesi Aktif says with no live session. */
export const NO_LIVE_SESSIONS = 'No live sessions (s: closing and closed ones).'

/** What Sesi Aktif's count line says after the count. */
export const SESSION_HINTS = '  · newest first · o: open #id · s: status · /: filter'
