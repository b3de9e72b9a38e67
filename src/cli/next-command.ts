import { redactTarget } from '../store/target.js'
import type { CliContext } from './context.js'

const SAFE = /^[A-Za-z0-9_./:@%+=,-]+$/

/** A word a POSIX shell or fish reads back as it is: plain, or single-quoted. */
export function shellWord(word: string): string {
  return SAFE.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`
}

/**
 * A command for the person to paste, starting the way they ran halo-admin
 * (`npx halo-admin`, `halo-admin`…), with the `--db` they gave on the line
 * (`$HALO_DB` and ./halo.db need nothing) and `--utc` when they gave it. A
 * `--db` holding a secret (a password, `sslpassword=`…) is printed with the
 * secret as `***`: the line names the right database and never the secret,
 * and pasted as it stands it fails to log in rather than reach another one.
 *
 * ```ts
 * nextCommand(ctx, ['session', 'list', '--after', '140101']) // 'halo-admin session list --after 140101'
 * ```
 */
export function nextCommand(ctx: CliContext, args: readonly string[]): string {
  const db = ctx.targetFrom === 'option' ? ['--db', redactTarget(ctx.openTarget)] : []
  return [...ctx.invocation().words, ...db, ...(ctx.utc ? ['--utc'] : []), ...args].map(shellWord).join(' ')
}
