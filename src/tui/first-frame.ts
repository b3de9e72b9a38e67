import type { LiveHead } from '../closure/live-sessions.js'
import type { Clock } from '../core/clock.js'
import type { FlagState } from '../config/config-store.js'
import type { Flags } from '../config/flag-registry.js'
import { HaloError } from '../errors.js'
import { END_ACTION } from '../present/prd-strings.js'
import { printable } from '../present/printable.js'
import { charWidth, displayWidth } from '../present/width.js'
import type { HaloDatabase } from '../store/database.js'
import {
  bodyHeight,
  FOOTER,
  MIN_COLUMNS,
  MIN_ROWS,
  SCREENS,
  NO_LIVE_SESSIONS,
  SESSION_HINTS,
  tooSmall,
  sessionColumns,
  sessionCount,
  sessionListHeight,
  tabText,
  whereLine,
  type ScreenId,
} from './layout.js'
import { fit } from './scroll-window.js'
import { flagColumns, flagDetail, flagHeader, flagRow, ROLLOUT_LOADING } from './flag-rows.js'
import { timeLeft } from './session-format.js'
import { mitraSeesEndAction } from '../core/early-end-rules.js'

/**
 * The TUI's first frame, drawn by the CLI before ink, react and the screens have loaded.
 *
 * Loading them takes longer than `halo-admin` took to start (their code, yoga's WebAssembly, the
 * first render of a cold ink): the terminal stayed blank for most of a second. So `tui` reads what
 * the first screen shows (the flags; on Flags every flag's row; on Sesi Aktif the count of live
 * sessions and the first screenful, ~3 ms at 25,000: `LiveSessions.head`), draws the shell and that
 * screen as plain text (layout.ts and flag-rows.ts hold what both draw), and hands it to the TUI,
 * whose first frame then shows the same rows (written over this one, line by line). The rest of the
 * live sessions the TUI reads in pages that keys pass between (`LiveSessions.snapshot`); Reviews and
 * Reports get the shell, their data following with the TUI.
 *
 * The TUI loads in a thread of its own (tui-host.ts), so this frame takes keys meanwhile: on Flags and
 * Sesi Aktif it moves its cursor over the rows it drew (early-keys.ts), and `q` quits; any other key
 * waits, in order, for the TUI, which starts where this frame's cursor is.
 * `test/tui/first-frame.test.tsx` checks this frame against the TUI's.
 */
export interface FirstFrameState {
  readonly screen: ScreenId
  readonly flags: Flags
  /** Sesi Aktif's first screenful; undefined on the other screens. */
  readonly head: LiveHead | undefined
  /** Where the list's cursor is, in `head`; at the newest session when not given. */
  readonly place?: ListPlace
  /** The Flags screen's rows (`ConfigStore.list`); undefined on the other screens. */
  readonly flagList?: readonly FlagState[]
  /**
   * The newest flag change in the audit trail, read before `flags`: the TUI announces every change after
   * it (flag-announcements.ts), so none made while the TUI loads goes unsaid. 0 when there is none.
   */
  readonly auditSeen?: number
}

/** A list's cursor and scroll: the row the cursor is on and the first row shown, as indexes. */
export interface ListPlace {
  readonly cursor: number
  readonly top: number
}

export const NEWEST: ListPlace = Object.freeze({ cursor: 0, top: 0 })

export interface FirstFrame extends FirstFrameState {
  /** Draws the frame again over itself, its cursor at `place`, as wide and tall as the terminal is now. */
  redraw(place: ListPlace): void
  /** Leaves the alternate screen and gives the terminal back; once, whoever calls it first. */
  leave(): void
}

/** False where the environment asks for no colour: `NO_COLOR` (any value but empty) or `TERM=dumb`. */
export function colorAllowed(env: NodeJS.ProcessEnv = process.env): boolean {
  return !(env.NO_COLOR !== undefined && env.NO_COLOR !== '') && env.TERM !== 'dumb'
}

/** Why the TUI does not start (INVALID_INPUT: exit 2): keys need raw mode. */
export const noTerminal = (): HaloError => new HaloError('INVALID_INPUT', 'the TUI needs a terminal (stdin and stdout must be a TTY)')

/** More rows than a terminal shows: Sesi Aktif's first read. */
export const HEAD_ROWS = 200

export interface FirstFrameOptions {
  readonly actor: string
  readonly clock: Clock
  readonly initialScreen: ScreenId
  readonly color: boolean
}

/**
 * Reads the first screen's data and draws the frame on the terminal it takes (`enterTerminal`). Nothing
 * when stdin or stdout is not a terminal or the terminal is too small: the TUI says so itself.
 */
export async function drawFirstFrame(handle: HaloDatabase, options: FirstFrameOptions): Promise<FirstFrame | undefined> {
  const out = process.stdout
  if (out.isTTY !== true || process.stdin.isTTY !== true) return undefined
  if ((out.columns || MIN_COLUMNS) < MIN_COLUMNS || (out.rows || MIN_ROWS) < MIN_ROWS) return undefined
  const [{ createConfigStore }, { newestAuditId }, { createLiveSessions }] = await Promise.all([
    import('../config/config-store.js'),
    import('../config/config-repository.js'),
    import('../closure/live-sessions.js'),
  ])
  const sessions = options.initialScreen === 'sessions' ? createLiveSessions(handle) : undefined
  const config = createConfigStore(handle, { clock: options.clock })
  // the audit trail's newest change before the flags: a change made in between is announced (again), never lost
  // (plain SQL, as the flags and the head are read: the query builder would cost the frame ~0.1 s to load)
  const auditSeen = await newestAuditId(handle)
  const [flags, head, flagList] = await Promise.all([config.all(), sessions?.head(HEAD_ROWS), options.initialScreen === 'flags' ? config.list() : undefined])
  const text = (place: ListPlace) =>
    tooSmall(out.columns || MIN_COLUMNS, out.rows || MIN_ROWS) ??
    firstFrameText({
      screen: options.initialScreen,
      flags,
      head,
      flagList,
      place,
      database: { engine: handle.engineName, target: handle.target },
      actor: options.actor,
      now: options.clock.now(),
      columns: out.columns || MIN_COLUMNS,
      rows: out.rows || MIN_ROWS,
      color: options.color && colorAllowed(),
    })
  const terminal = enterTerminal()
  out.write(text(NEWEST))
  // over the frame before: from the top left, each line erased to its end, and the rest of the screen below
  const redraw = (place: ListPlace) => {
    if (!terminal.left) out.write(`\x1b[H${text(place).replace(/\n/g, '\x1b[K\n')}\x1b[K\x1b[J`)
  }
  return { screen: options.initialScreen, flags, head, flagList, auditSeen, redraw, leave: terminal.leave }
}

/**
 * Takes the terminal for the TUI: the alternate screen (the operator's scrollback stays as it was),
 * the cursor hidden at the top left, the keys raw (typed now, they wait instead of echoing over the
 * frame). `leave` gives it back, once, whoever calls it first.
 */
export function enterTerminal(): { leave(): void; readonly left: boolean } {
  process.stdout.write('\x1b[?1049h\x1b[?25l\x1b[H')
  process.stdin.setRawMode(true)
  let left = false
  return {
    leave() {
      if (left) return
      left = true
      process.stdin.setRawMode(false)
      process.stdout.write('\x1b[?1049l\x1b[?25h')
    },
    get left() {
      return left
    },
  }
}

/** A run of text in one style: SGR parameters (`1;35` bold magenta), or none. */
interface Run {
  readonly text: string
  readonly sgr?: string
}

export interface FirstFrameData extends FirstFrameState {
  readonly database: { readonly engine: 'sqlite' | 'postgres'; readonly target: string }
  readonly actor: string
  readonly now: Date
  readonly columns: number
  readonly rows: number
  readonly color: boolean
}

/** The frame as the TUI draws it for `data` (app.tsx, header.tsx, session-list.tsx): `rows - 1` lines. */
export function firstFrameText(data: FirstFrameData): string {
  const width = data.columns
  const line = (...runs: Run[]) => styled(truncated(runs, width), data.color)
  const where = whereLine(data.database.engine, printable(data.database.target), printable(data.actor), width)
  const header = [
    line(
      { text: 'halo-admin', sgr: '1;35' },
      ...SCREENS.map((s, i) => ({ text: tabText(i, s.title, s.id === data.screen), sgr: s.id === data.screen ? '1;7' : undefined })),
    ),
    line({ text: where.kind, sgr: data.database.engine === 'postgres' ? '1;7;31' : '1;36' }, { text: where.target }, { text: where.who, sgr: '2' }),
  ]
  const body = data.screen === 'sessions' ? sessionsBody(data, line) : data.screen === 'flags' ? flagsBody(data, line) : []
  const room = bodyHeight(data.rows)
  const lines = [...header, ...body.slice(0, room), ...Array<string>(Math.max(0, room - body.length)).fill(''), line({ text: FOOTER, sgr: '2' })]
  return lines.join('\n')
}

type Line = (...runs: Run[]) => string

/** Sesi Aktif as session-list.tsx draws it: the count, the columns, the first screenful from `place`. */
function sessionsBody(data: FirstFrameData, line: Line): string[] {
  if (data.head === undefined) return []
  const { sessions, total } = data.head
  const place = data.place ?? NEWEST
  const akhiri = mitraSeesEndAction(data.flags)
  const { idW, statusW, leftW, mitraW, customerW } = sessionColumns(data.columns, akhiri, sessions)
  const body = [
    line({ text: sessionCount(place.cursor + 1, total, total), sgr: '1' }, { text: SESSION_HINTS, sgr: '2' }),
    line({
      text: `  ${fit('session', idW)} ${fit('status', statusW)} ${fit('mitra', mitraW)} ${fit('customer', customerW)} ${fit('left', leftW)}`,
      sgr: '2',
    }),
  ]
  // the head is newest first, as the list is
  sessions.slice(place.top, place.top + sessionListHeight(data.rows)).forEach((s, i) => {
    const here = place.top + i === place.cursor
    const text = `${here ? '›' : ' '} ${fit(`#${s.id}`, idW)} ${fit(s.status, statusW)} ${fit(printable(s.mitraId), mitraW)} ${fit(printable(s.customerId), customerW)} ${fit(timeLeft(s, data.now), leftW)} `
    const action = akhiri ? `${END_ACTION} ›` : '›'
    body.push(here ? line({ text: text + action, sgr: '7' }) : line({ text }, { text: action, sgr: akhiri ? '31' : undefined }))
  })
  if (sessions.length === 0) body.push(line({ text: NO_LIVE_SESSIONS, sgr: '2' }))
  return body
}

/** The Flags screen as flags-screen.tsx draws it before the rollout panel has read: every flag, the chosen one's detail. */
function flagsBody(data: FirstFrameData, line: Line): string[] {
  const list = data.flagList
  if (list === undefined || list.length === 0) return []
  const cursor = Math.min((data.place ?? NEWEST).cursor, list.length - 1)
  const { keyWidth, valueWidth } = flagColumns(list, data.columns)
  const body = [line({ text: flagHeader(keyWidth, valueWidth), sgr: '2' })]
  list.forEach((f, i) => {
    const { row, more } = flagRow(f, i === cursor, keyWidth, valueWidth)
    const bold = f.isSet ? '1' : undefined
    body.push(line({ text: row, sgr: i === cursor ? (f.isSet ? '1;7' : '7') : bold }), ...more.map((text) => line({ text, sgr: bold })))
  })
  const [description, type, keys] = flagDetail(list[cursor]!, data.flags.business_timezone)
  body.push(line({ text: ROLLOUT_LOADING, sgr: '2' }), '', line({ text: description }), line({ text: type, sgr: '2' }), line({ text: keys, sgr: '2' }))
  return body
}

/** `runs` cut to `width` cells, the last one kept ending in `…` as ink's `truncate-end` does. */
function truncated(runs: readonly Run[], width: number): Run[] {
  const length = runs.reduce((n, r) => n + displayWidth(r.text), 0)
  if (length <= width) return [...runs]
  const out: Run[] = []
  let room = Math.max(0, width - 1)
  for (const r of runs) {
    if (room === 0) break
    // by terminal columns and whole characters, as ink measures
    let text = ''
    for (const c of r.text) {
      const w = charWidth(c)
      if (w > room) {
        room = 0
        break
      }
      text += c
      room -= w
    }
    out.push({ text: room === 0 ? `${text}…` : text, sgr: r.sgr })
  }
  return out
}

function styled(runs: readonly Run[], color: boolean): string {
  return runs
    .map((r) => (color && r.sgr !== undefined && r.text !== '' ? `\x1b[${r.sgr}m${r.text}\x1b[0m` : r.text))
    .join('')
    .trimEnd()
}
