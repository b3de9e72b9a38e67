/**
 * The feed's cursors: what they carry and how they are written and read; no I/O.
 *
 * A cursor names the install it came from (`origin`, migration 0007) and stands on the last event it
 * handed out: that event's id and a check of it (a hash of its id, session, kind and time). A read
 * looks the event up again, so a cursor from another database, or one a restored copy no longer
 * holds (or holds another event under that id), is refused instead of silently skipping or replaying.
 * Id 0 stands before the first event.
 */
import { createHash } from 'node:crypto'

export interface CursorPosition {
  readonly origin: string
  /** The id of the event the cursor stands on, in decimal (it may pass 2^53); '0' before the first. */
  readonly id: string
  readonly check: string
}

/** The fields of an event its check covers: none of them changes once written, on any server. */
export interface CheckedEvent {
  readonly id: number | string | bigint
  readonly session_id: number | string | bigint
  readonly event: string
  readonly created_at: string
}

const CURSOR = /^c:([0-9a-f]{12}):(0|[1-9]\d{0,18}):([0-9a-f]{8})$/
/** The shapes halo-admin gave before 0007: `i:<id>` (SQLite) and `x:<from>:<to>:<id>` (PostgreSQL). */
const EARLIER = /^(i:\d{1,15}|x:\d{1,20}:\d{1,20}:\d{1,15})$/
const BEFORE_FIRST = '00000000'

export function checkOf(e: CheckedEvent): string {
  return createHash('sha256')
    .update(`${String(e.id)}\u0000${String(e.session_id)}\u0000${e.event}\u0000${e.created_at}`)
    .digest('hex')
    .slice(0, 8)
}

/** The cursor standing on `e`, or before the first event when `e` is null. */
export function cursorAt(origin: string, e: CheckedEvent | null): string {
  return e === null ? `c:${origin}:0:${BEFORE_FIRST}` : `c:${origin}:${String(e.id)}:${checkOf(e)}`
}

/** What a cursor the feed gave says, or why `text` is not one: `earlier` for a cursor of a version before 0007. */
export function parseCursor(text: string): CursorPosition | 'earlier' | null {
  if (EARLIER.test(text)) return 'earlier'
  const m = CURSOR.exec(text)
  if (m === null || (m[2] === '0' && m[3] !== BEFORE_FIRST)) return null
  return { origin: m[1]!, id: m[2]!, check: m[3]! }
}

/** Compares two non-negative integers written in decimal without leading zeros (xid8 keys may pass 2^53). */
export function decimalCompare(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0
}
