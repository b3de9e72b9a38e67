/** How many terminal columns text takes: the CLI's tables and the TUI's first frame measure with it. */

/** A colour or style sequence (SGR), which takes no room on the screen. */
export const SGR = /\u001b\[[0-9;]*m/g
const PLAIN = /^[\u0020-\u007e]*$/
/** Marks drawn on the character before them: no width of their own. */
const MARK = /^[\p{Mn}\p{Me}]$/u
/** East Asian wide and fullwidth ranges and emoji: two columns each. */
const WIDE =
  /^[\u1100-\u115f\u231a\u231b\u2329\u232a\u23e9-\u23ec\u23f0\u23f3\u25fd\u25fe\u2614\u2615\u2648-\u2653\u267f\u2693\u26a1\u26aa\u26ab\u26bd\u26be\u26c4\u26c5\u26ce\u26d4\u26ea\u26f2\u26f3\u26f5\u26fa\u26fd\u2705\u270a\u270b\u2728\u274c\u274e\u2753-\u2755\u2757\u2795-\u2797\u27b0\u27bf\u2b1b\u2b1c\u2b50\u2b55\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\ua960-\ua97f\uac00-\ud7a3\uf900-\ufaff\ufe10-\ufe19\ufe30-\ufe6f\uff00-\uff60\uffe0-\uffe6\u{16fe0}-\u{16fe4}\u{17000}-\u{18cff}\u{1b000}-\u{1b2ff}\u{1f004}\u{1f0cf}\u{1f18e}\u{1f191}-\u{1f19a}\u{1f200}-\u{1f251}\u{1f300}-\u{1f64f}\u{1f680}-\u{1f6ff}\u{1f7e0}-\u{1f7eb}\u{1f90c}-\u{1f9ff}\u{1fa70}-\u{1faff}\u{20000}-\u{3fffd}]$/u

/** How many terminal columns `text` takes: styles take none, wide characters and emoji two. */
export function displayWidth(text: string): number {
  if (PLAIN.test(text)) return text.length
  let width = 0
  for (const c of text.replace(SGR, '')) width += charWidth(c)
  return width
}

/** The columns one character (code point) takes: 0, 1 or 2. */
export function charWidth(c: string): number {
  if (c.charCodeAt(0) < 0x300) return 1
  const code = c.codePointAt(0)!
  // zero-width space and joiners, word joiner, variation selectors
  if ((code >= 0x200b && code <= 0x200d) || code === 0x2060 || (code >= 0xfe00 && code <= 0xfe0f) || MARK.test(c)) return 0
  return WIDE.test(c) ? 2 : 1
}
