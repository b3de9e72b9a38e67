const SAFE = /^[A-Za-z0-9_./:@%+=,-]+$/

/**
 * A word a POSIX shell or fish reads back as it is: plain, or single-quoted. Every command halo-admin
 * prints for a person to paste (the CLI's hints, the demo's next steps, the TUI's) quotes its words with it.
 *
 * ```ts
 * shellWord('halo.db') // halo.db
 * shellWord("it's")    // 'it'\''s'
 * ```
 */
export function shellWord(word: string): string {
  return SAFE.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`
}
