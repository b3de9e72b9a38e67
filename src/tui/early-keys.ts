import { windowTop } from './scroll-window.js'
import type { ListPlace } from './first-frame.js'

/**
 * The keys the CLI's first frame answers itself while the TUI loads in its thread (tui-host.ts):
 * pure, so the frame and the TUI can be checked to agree.
 *
 * On Sesi Aktif the frame holds the first screenful (`LiveSessions.head`), on Flags every flag, and it
 * moves its cursor as the TUI's list would (use-list-cursor.ts): ↑ ↓ j k, PgUp PgDn, Home g, within
 * those rows; End and G (and moves past them) only when they are the whole list (every flag; every
 * live session when there are no more than the frame read). `q` and Ctrl-C quit on any screen.
 * The first key it cannot answer (Enter, `o`, a filter, another screen, an unknown sequence) and
 * everything typed after it wait for the TUI, byte for byte, so nothing is answered out of order.
 */

/** The rows the first frame can move its cursor over. */
export interface EarlyList {
  /** Rows it holds: the first screenful, newest first. */
  readonly rows: number
  /** True when those are every live session (End then lands where it would in the TUI). */
  readonly complete: boolean
  /** Rows shown at once (`sessionListHeight`). */
  readonly height: number
}

export interface EarlyOutcome {
  /** Where the cursor is after the keys answered. */
  readonly place: ListPlace
  /** `q` or Ctrl-C, with nothing waiting before it. */
  readonly quit: boolean
  /** The input from the first key not answered on: for the TUI, as typed. */
  readonly rest: string
}

type Move = 'up' | 'down' | 'pageup' | 'pagedown' | 'home' | 'end'

/** What one key's bytes mean to the first frame; undefined for a key it leaves to the TUI. */
const MEANING: Readonly<Record<string, Move | 'quit'>> = {
  '\x1b[A': 'up',
  '\x1bOA': 'up',
  k: 'up',
  '\x1b[B': 'down',
  '\x1bOB': 'down',
  j: 'down',
  '\x1b[5~': 'pageup',
  '\x1b[6~': 'pagedown',
  '\x1b[H': 'home',
  '\x1bOH': 'home',
  '\x1b[1~': 'home',
  '\x1b[7~': 'home',
  g: 'home',
  '\x1b[F': 'end',
  '\x1bOF': 'end',
  '\x1b[4~': 'end',
  '\x1b[8~': 'end',
  G: 'end',
  q: 'quit',
  '\x03': 'quit',
}

/**
 * Splits terminal input into keys: an escape sequence (CSI `ESC [ … final`, SS3 `ESC O x`) is one
 * key, anything else one character. A lone ESC, or one before another character, is a key of its
 * own too: the frame answers neither, so both reach the TUI as typed.
 */
export function splitKeys(input: string): string[] {
  const keys: string[] = []
  let i = 0
  while (i < input.length) {
    let end = i + 1
    if (input[i] === '\x1b' && input[i + 1] === '[') {
      end = i + 2
      while (end < input.length && !/[\x40-\x7e]/.test(input[end]!)) end++
      end = Math.min(end + 1, input.length)
    } else if (input[i] === '\x1b' && input[i + 1] === 'O' && i + 2 < input.length) end = i + 3
    else if (input.codePointAt(i)! > 0xffff) end = i + 2
    keys.push(input.slice(i, end))
    i = end
  }
  return keys
}

/**
 * Answers `input` on the first frame: from `place` on `list` (undefined: a screen with no list drawn
 * yet), the keys it can answer, in order, until one it cannot.
 *
 * ```ts
 * answerEarly('jj', { cursor: 0, top: 0 }, { rows: 200, complete: false, height: 20 }) // cursor 2, rest ''
 * answerEarly('jo5', { cursor: 0, top: 0 }, list) // cursor 1, rest 'o5'
 * ```
 */
export function answerEarly(input: string, place: ListPlace, list: EarlyList | undefined): EarlyOutcome {
  const keys = splitKeys(input)
  let at = place
  for (let i = 0; i < keys.length; i++) {
    const meaning = MEANING[keys[i]!]
    if (meaning === 'quit') return { place: at, quit: true, rest: '' }
    const to = meaning === undefined || list === undefined ? undefined : moved(meaning, at, list)
    if (to === undefined) return { place: at, quit: false, rest: keys.slice(i).join('') }
    at = to
  }
  return { place: at, quit: false, rest: '' }
}

/** Where `move` takes the cursor, as the TUI's list would; undefined when that needs rows the frame does not hold. */
function moved(move: Move, place: ListPlace, list: EarlyList): ListPlace | undefined {
  const height = Math.max(1, list.height)
  const target = {
    up: place.cursor - 1,
    down: place.cursor + 1,
    pageup: place.cursor - height,
    pagedown: place.cursor + height,
    home: 0,
    end: list.rows - 1,
  }[move]
  if (!list.complete && (move === 'end' || target >= list.rows)) return undefined
  if (list.rows === 0) return place
  const cursor = Math.min(Math.max(0, target), list.rows - 1)
  return { cursor, top: windowTop(list.rows, cursor, height, place.top) }
}
