import { CommanderError } from 'commander'
import { HaloError } from '../errors.js'
import { jsonText, oneLine } from '../present/printable.js'
import { Cancelled } from './cancelled.js'
import { EXIT, exitCodeFor, type CliCode } from './exit-codes.js'

export interface ErrorOutput {
  readonly json: boolean
  /** `--debug` or `DEBUG`: the stack follows the line, for whoever fixes the bug. */
  readonly debug: boolean
  /** Removes secrets (a PostgreSQL password) from anything printed. */
  readonly scrub: (text: string) => string
  readonly stderr: { write(text: string): unknown }
}

/** Commander's own outcomes that are not failures. */
const DONE = new Set(['commander.helpDisplayed', 'commander.version'])

/**
 * The one error handler of the CLI: every failure becomes one line on stderr,
 * `error <CODE>: <message>` (with `--json`: `{"error":{"code","message"}}`),
 * and an exit status from `exit-codes.ts`. Returns that status.
 */
export function reportError(e: unknown, out: ErrorOutput): number {
  if (e instanceof CommanderError && DONE.has(e.code)) return EXIT.OK
  const [code, message] = describe(e)
  const line = oneLine(out.scrub(message))
  out.stderr.write(out.json ? `${jsonText({ error: { code, message: line } })}\n` : `error ${code}: ${line}\n`)
  if (out.debug && e instanceof Error && e.stack !== undefined) out.stderr.write(`${out.scrub(e.stack)}\n`)
  return exitCodeFor(code)
}

function describe(e: unknown): [CliCode, string] {
  if (e instanceof HaloError) return [e.code, e.message]
  if (e instanceof Cancelled) return ['CANCELLED', e.message]
  // usage errors (unknown command or option, missing argument, bad value): commander says "error: ..."
  if (e instanceof CommanderError) return ['INVALID_INPUT', e.message.replace(/^error: /, '')]
  const message = e instanceof Error ? e.message : String(e)
  return ['INTERNAL', `${message} (a bug in halo-admin; --debug shows where)`]
}

/** Keeps a message on one line whatever it echoes back (see present/printable.ts). */
export { oneLine }
