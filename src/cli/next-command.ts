import { commandLine } from '../present/shell-word.js'
import { parseTarget } from '../store/target.js'
import type { CliContext } from './context.js'

/**
 * The `--db` for a printed command: the target as given, or, when it holds a password, the same
 * PostgreSQL URL without it (the driver then reads `PGPASSWORD`): never a secret, never `***`.
 */
function printableDb(given: string): { db: string; password: boolean } {
  const parsed = parseTarget(given)
  if (parsed.engine !== 'postgres') return { db: given, password: false }
  const u = new URL(parsed.url)
  const secret = u.password !== '' || [...u.searchParams.keys()].some((k) => /^(ssl)?password$/i.test(k))
  if (!secret) return { db: given, password: false }
  u.password = ''
  for (const k of [...u.searchParams.keys()]) if (/^(ssl)?password$/i.test(k)) u.searchParams.delete(k)
  return { db: u.toString(), password: true }
}

/**
 * A command for the person to paste, starting the way they ran halo-admin
 * (`npx halo-admin`, `halo-admin`…), with the `--db` they gave on the line
 * (`$HALO_DB` and ./halo.db need nothing) and `--utc` when they gave it. A
 * `--db` holding a password is printed without it (the driver reads
 * `PGPASSWORD`; `passwordNote` says so): the line names the same database
 * and never the secret.
 *
 * ```ts
 * nextCommand(ctx, ['session', 'list', '--after', '140101']) // 'halo-admin session list --after 140101'
 * ```
 */
export function nextCommand(ctx: CliContext, args: readonly string[]): string {
  return commandLine([...commandWords(ctx), ...args], ctx.invocation().shell)
}

/** The words every printed command starts with (`nextCommand`'s, before its arguments), unquoted. */
export function commandWords(ctx: CliContext): string[] {
  const given = ctx.targetFrom === 'option' ? printableDb(ctx.openTarget) : null
  const db = given === null ? [] : ['--db', given.db]
  return [...ctx.invocation().words, ...db, ...(ctx.utc ? ['--utc'] : [])]
}

/** What a printed command needs besides itself: the password of a `--db` that held one, from the environment. */
export function passwordNote(ctx: CliContext): string {
  return ctx.targetFrom === 'option' && printableDb(ctx.openTarget).password ? ' (export PGPASSWORD first: the password of --db is not printed)' : ''
}

/** The line that ends a full page: `more sessions; next page:  halo-admin … --after 17`. */
export function nextPageLine(ctx: CliContext, what: string, args: readonly string[]): string {
  return `${what}; next page${passwordNote(ctx)}:  ${nextCommand(ctx, args)}`
}
