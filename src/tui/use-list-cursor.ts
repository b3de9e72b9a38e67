import { useEffect, useRef } from 'react'
import { is, type Key } from './keys.js'
import { useMemoryMap, useRemembered } from './screen-memory.js'
import { windowTop } from './scroll-window.js'

export interface ListCursor<T, Id> {
  /** Where the chosen row is in `rows`; -1 when `rows` is empty. */
  readonly index: number
  readonly selected: T | undefined
  /** The first row drawn, and the rows drawn (`height` at most). */
  readonly top: number
  readonly visible: readonly T[]
  /**
   * The id the cursor was on, in the render where its row left `rows` (ended
   * elsewhere, or filtered out); the cursor is then on the row that took its
   * place. Null otherwise.
   */
  readonly lost: Id | null
  /** The row under the newest cursor (a key handler's choice: `↓ Enter` typed at once opens the row ↓ reached). */
  current(): T | undefined
  /** Moves on ↑ ↓ j k, PgUp PgDn, Home End g G; true when `key` was one of them. */
  onKey(key: Key): boolean
  /**
   * True when `key` moves the cursor (↑ ↓ j k, PgUp PgDn, Home g) to a row `rows` holds: when `rows` is
   * only the first part of a longer list, the move lands where it would on the whole list. End and G,
   * and moves past the last row, are false: they need the whole list.
   */
  movesWithin(key: Key): boolean
  /** Puts the cursor on the row with `id`. */
  select(id: Id): void
}

/**
 * The cursor of a list, pinned to a row by its id (model: gemini-cli's
 * `useSelectionList`, but keyed): rows added, removed or reordered above it
 * by a refresh or a filter never move it to another row. When its row goes,
 * it moves to the row that followed it and says so once through `lost`.
 * Cursor and scroll are remembered under `memory` while another screen is
 * shown. Every list screen uses it; none clamps its own cursor.
 *
 * ```ts
 * const cursor = useListCursor(sessions, (s) => s.id, { height: 18, memory: 'sessions' })
 * useKeys((key) => cursor.onKey(key) || (key.name === 'return' && open(cursor.selected)))
 * ```
 */
export function useListCursor<T, Id extends string | number>(
  rows: readonly T[],
  idOf: (row: T) => Id,
  options: { height: number; memory: string },
): ListCursor<T, Id> {
  const [cursorId, setCursorState] = useRemembered<Id | null>(`${options.memory}.cursor`, null)
  // the newest cursor: keys of a burst move it several times before the next render
  const latest = useRef(cursorId)
  const setCursorId = (id: Id | null) => {
    latest.current = id
    setCursorState(id)
  }
  const memory = useMemoryMap()
  // The last rows that held the chosen id, to find the row that followed it once it is gone. Kept
  // with the cursor: a session ended while another screen was shown is found on the way back.
  const anchorKey = `${options.memory}.anchor`

  let index = -1
  let lost: Id | null = null
  if (rows.length > 0) {
    index = cursorId === null ? -1 : rows.findIndex((r) => idOf(r) === cursorId)
    if (index === -1) {
      if (cursorId !== null) lost = cursorId
      index = cursorId === null ? 0 : follower(memory.get(anchorKey) as Anchor<T> | undefined, rows, idOf)
    }
  }
  const selected = index === -1 ? undefined : rows[index]
  const effectiveId = selected === undefined ? cursorId : idOf(selected)
  const height = Math.max(1, options.height)
  const topKey = `${options.memory}.top`
  const top = windowTop(rows.length, Math.max(0, index), height, (memory.get(topKey) as number | undefined) ?? 0)
  memory.set(topKey, top)

  useEffect(() => {
    if (index !== -1) memory.set(anchorKey, { rows, index } satisfies Anchor<T>)
    // Pin the cursor to the row it is on now (the follower of a lost row, or the first row), unless a key
    // moved it since this render: this effect may run after that key's handler.
    if (effectiveId !== cursorId && latest.current === cursorId) setCursorId(effectiveId)
  })

  /** Where the newest cursor is in this render's rows. */
  const newest = (): number => {
    if (latest.current === cursorId || latest.current === null) return Math.max(0, index)
    const at = rows.findIndex((r) => idOf(r) === latest.current)
    return at === -1 ? Math.max(0, index) : at
  }
  const moveTo = (i: number) => {
    if (rows.length === 0) return
    setCursorId(idOf(rows[Math.min(Math.max(0, i), rows.length - 1)]!))
  }
  /** Where a cursor key moves the newest cursor (before clamping), else undefined. */
  const target = (key: Key): number | undefined => {
    const at = newest()
    if (key.name === 'up' || is(key, 'k')) return at - 1
    if (key.name === 'down' || is(key, 'j')) return at + 1
    if (key.name === 'pageup') return at - height
    if (key.name === 'pagedown') return at + height
    if (key.name === 'home' || is(key, 'g')) return 0
    if (key.name === 'end' || is(key, 'G')) return rows.length - 1
    return undefined
  }
  return {
    index,
    selected,
    top,
    visible: rows.slice(top, top + height),
    lost,
    current: () => {
      const at = newest()
      return rows.length === 0 ? undefined : rows[at]
    },
    onKey(key) {
      const to = target(key)
      if (to === undefined) return false
      moveTo(to)
      return true
    },
    movesWithin(key) {
      const to = target(key)
      return to !== undefined && to < rows.length && key.name !== 'end' && !is(key, 'G')
    },
    select: (id) => setCursorId(id),
  }
}

interface Anchor<T> {
  readonly rows: readonly T[]
  readonly index: number
}

/** Where the row that followed the lost one is in `rows` (else the one before it, else the same position). */
function follower<T, Id>(anchor: Anchor<T> | undefined, rows: readonly T[], idOf: (row: T) => Id): number {
  if (anchor === undefined) return 0
  const at = new Map(rows.map((r, i) => [idOf(r), i]))
  for (let i = anchor.index + 1; i < anchor.rows.length; i++) {
    const found = at.get(idOf(anchor.rows[i]!))
    if (found !== undefined) return found
  }
  for (let i = anchor.index - 1; i >= 0; i--) {
    const found = at.get(idOf(anchor.rows[i]!))
    if (found !== undefined) return found
  }
  return Math.min(anchor.index, rows.length - 1)
}
