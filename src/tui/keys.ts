import type { Key as InkKey } from 'ink'

/** One key a person pressed, named once for every screen. */
export interface Key {
  readonly name: 'char' | 'return' | 'escape' | 'tab' | 'backspace' | 'up' | 'down' | 'left' | 'right' | 'pageup' | 'pagedown' | 'home' | 'end'
  /** The character typed, for `char`; '' otherwise. */
  readonly text: string
  readonly ctrl: boolean
  readonly meta: boolean
  readonly shift: boolean
}

const named = (name: Key['name'], mods: Partial<Pick<Key, 'ctrl' | 'meta' | 'shift'>> = {}): Key => ({
  name,
  text: '',
  ctrl: mods.ctrl ?? false,
  meta: mods.meta ?? false,
  shift: mods.shift ?? false,
})

/** The key one character stands for: Enter, Tab, Backspace, a Ctrl-letter, or itself. */
export function keyOfChar(c: string): Key {
  if (c === '\r' || c === '\n') return named('return')
  if (c === '\t') return named('tab')
  if (c === '\x7f' || c === '\b') return named('backspace')
  if (c === '\x1b') return named('escape')
  const code = c.codePointAt(0) ?? 0
  if (code < 0x20) return { ...named('char', { ctrl: true }), text: String.fromCharCode(code + 0x60) }
  return { ...named('char', { shift: /^[A-Z]$/.test(c) }), text: c }
}

/**
 * The keys in one input event of ink. A terminal (or tmux, or a paste)
 * delivers keys typed faster than the process reads them as one string:
 * ink hands `"jjj"` or `"\r21"` to a handler once. Every key counts, in
 * order, so such a string is split into one key per character. An escape
 * sequence (an arrow, PgDn) is always alone in its event.
 *
 * ```ts
 * keysOf('jjj', inkKey).length // 3
 * keysOf('\r21', inkKey).map((k) => k.name) // ['return', 'char', 'char']
 * ```
 */
export function keysOf(input: string, key: InkKey): Key[] {
  const mods = { ctrl: key.ctrl, meta: key.meta, shift: key.shift }
  if (key.upArrow) return [named('up', mods)]
  if (key.downArrow) return [named('down', mods)]
  if (key.leftArrow) return [named('left', mods)]
  if (key.rightArrow) return [named('right', mods)]
  if (key.pageUp) return [named('pageup', mods)]
  if (key.pageDown) return [named('pagedown', mods)]
  if (key.home) return [named('home', mods)]
  if (key.end) return [named('end', mods)]
  if (key.return) return [named('return', mods)]
  if (key.tab) return [named('tab', mods)]
  // ink names DEL (what most terminals send for Backspace) `delete`; there is no cursor inside a field to delete forward from
  if (key.backspace || key.delete) return [named('backspace', mods)]
  if (key.escape && input === '') return [named('escape')]
  if (key.ctrl) return [{ ...named('char', { ctrl: true }), text: input }]
  if (key.meta) return [{ ...named('char', { meta: true }), text: input }]
  return Array.from(input, keyOfChar)
}

/** True for a printable character without Ctrl or Meta: text for a field. */
export function isText(key: Key): boolean {
  return key.name === 'char' && !key.ctrl && !key.meta && key.text !== ''
}

/** The character when `key` is that plain character (`is(key, 'q')`). */
export function is(key: Key, text: string): boolean {
  return key.name === 'char' && !key.ctrl && !key.meta && key.text === text
}
