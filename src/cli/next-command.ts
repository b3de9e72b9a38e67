import type { CliContext } from './context.js'

const SAFE = /^[A-Za-z0-9_./:@%+=,-]+$/

/** A word a POSIX shell or fish reads back as it is: plain, or single-quoted. */
export function shellWord(word: string): string {
  return SAFE.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`
}

/**
 * A command for the person to paste, starting the way they ran halo-admin
 * (`npx halo-admin`, `halo-admin`…), with the `--db` they gave on the line
 * when it has no password (never printed; `$HALO_DB` and ./halo.db need
 * nothing) and `--utc` when they gave it.
 *
 * ```ts
 * nextCommand(ctx, ['session', 'list', '--after', '140101']) // 'halo-admin session list --after 140101'
 * ```
 */
export function nextCommand(ctx: CliContext, args: readonly string[]): string {
  const target = ctx.parsedTarget
  const db = ctx.targetFrom === 'option' && !(target.engine === 'postgres' && target.password !== null) ? ['--db', ctx.openTarget] : []
  return [...ctx.invocation().words, ...db, ...(ctx.utc ? ['--utc'] : []), ...args].map(shellWord).join(' ')
}
