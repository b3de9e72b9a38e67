/** How the person's shell reads quotes: POSIX shells (bash, zsh, dash) or fish. */
export type ShellSyntax = 'posix' | 'fish'

const SAFE = /^[A-Za-z0-9_./:@%+=,-]+$/

/**
 * A word the person's shell reads back as it is: plain, or single-quoted. Every command halo-admin
 * prints for a person to paste (the CLI's hints, the demo's next steps, the TUI's) quotes its words
 * with it. Inside single quotes a POSIX shell takes every character as it is, so a quote is closed,
 * escaped and reopened (`'\''`); fish takes `\'` and `\\` as escapes there, so both are escaped.
 *
 * ```ts
 * shellWord('halo.db')         // halo.db
 * shellWord("it's")            // 'it'\''s'
 * shellWord("it's", 'fish')    // 'it\'s'
 * ```
 */
export function shellWord(word: string, shell: ShellSyntax = 'posix'): string {
  if (SAFE.test(word)) return word
  return shell === 'fish' ? `'${word.replace(/[\\']/g, '\\$&')}'` : `'${word.replace(/'/g, `'\\''`)}'`
}

/** A command line of `words`, each quoted for `shell`. */
export function commandLine(words: readonly string[], shell: ShellSyntax = 'posix'): string {
  return words.map((w) => shellWord(w, shell)).join(' ')
}
