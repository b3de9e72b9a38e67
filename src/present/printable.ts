/**
 * Text from the database is shown to people on terminals, and anyone who can
 * write a row (another backend, SQL by hand, a hostile client id) decides
 * what is in it. A terminal obeys control characters: ESC starts sequences
 * that move the cursor, clear the screen, retitle the window or write the
 * clipboard (OSC 52), and bidi overrides (U+202E) make text read backwards.
 * Every face (CLI tables and lines, CSV on a terminal, the TUI) passes stored
 * text through here. JSON keeps the exact values: `jsonText` only spells the
 * same characters as `\u` escapes.
 */

/**
 * C0 and C1 controls, DEL, the line and paragraph separators, the bidi
 * embeddings, overrides, isolates and marks, the byte-order mark, and UTF-16
 * surrogates without their pair (bad UTF-8 decodes to those).
 */
const UNSAFE =
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }

const escape = (c: string): string => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`

/**
 * `text` with every character a terminal would act on written as an escape:
 * `\n`, `\t`, `\u001b`, `\u202e`. Plain text (any script, emoji) is unchanged.
 *
 * ```ts
 * printable('m-1\u001b]0;pwned\u0007') // 'm-1\\u001b]0;pwned\\u0007'
 * printable('Terima kasih 🙏') // unchanged
 * ```
 */
export function printable(text: string): string {
  return text.replace(UNSAFE, escape)
}

/** Whether `printable(text)` would change anything. */
export function hasUnsafe(text: string): boolean {
  UNSAFE.lastIndex = 0
  const found = UNSAFE.test(text)
  UNSAFE.lastIndex = 0
  return found
}

/**
 * One line for a message that may echo anything back (an argument, a driver
 * error): line breaks become spaces, every other unsafe character its escape.
 */
export function oneLine(text: string): string {
  return printable(text.replace(/\s*[\r\n]+\s*/g, ' ')).trim()
}

/** A colour or style sequence (SGR) as chalk writes it: the only escape sequence a face writes itself. */
const SGR = /\u001b\[[0-9;]*m/y

/**
 * The last guard before text reaches a terminal: keeps line breaks, and the
 * colour sequences of `paint()` when `colors` is on, and escapes everything
 * else `printable` would. Formatters escape stored text where they place it;
 * this catches a place that forgot.
 */
export function terminalText(text: string, colors: boolean): string {
  let out = ''
  let last = 0
  UNSAFE.lastIndex = 0
  for (let m = UNSAFE.exec(text); m !== null; m = UNSAFE.exec(text)) {
    const c = m[0]
    if (c === '\n') continue
    if (colors && c === '\u001b') {
      SGR.lastIndex = m.index
      if (SGR.test(text)) continue
    }
    out += text.slice(last, m.index) + escape(c)
    last = m.index + c.length
  }
  UNSAFE.lastIndex = 0
  return last === 0 ? text : out + text.slice(last)
}

/** Characters JSON.stringify leaves raw that a terminal acts on (it escapes only U+0000-U+001F). */
const JSON_RAW = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g

/**
 * `JSON.stringify` whose output is safe on a terminal and parses to exactly
 * the same value: DEL, C1 controls and bidi characters, which can only stand
 * inside strings, are written as `\u` escapes.
 *
 * ```ts
 * JSON.parse(jsonText({ id: 'a\u202eb' })).id === 'a\u202eb' // true; the text holds \\u202e
 * ```
 */
export function jsonText(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(JSON_RAW, escape)
}
