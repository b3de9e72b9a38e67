import { maskTargetsIn } from '../store/target.js'
import { buildProgram } from './program.js'
import { reportError } from './report-error.js'

/**
 * Runs `halo-admin` with `argv` (as `process.argv`). Sets `process.exitCode`
 * rather than exiting, so output is flushed and handles close first. May be
 * called more than once in a process (tests, embedding): it adds nothing to
 * the process that a second call would add again.
 */
export async function main(argv: readonly string[] = process.argv): Promise<void> {
  // stacks shown by --debug point into src/, not into the bundle
  if (argv.includes('--debug') || process.env.DEBUG) process.setSourceMapsEnabled(true)
  if (!process.stdout.listeners('error').includes(exitOnClosedPipe)) process.stdout.on('error', exitOnClosedPipe)
  try {
    await buildProgram().parseAsync([...argv])
  } catch (e) {
    // only usage errors get here (an action reports its own): they may echo any argument back
    const given = [...argv, process.env.HALO_DB ?? ''].filter((a) => a !== '')
    process.exitCode = reportError(e, {
      json: argv.includes('--json'),
      debug: argv.includes('--debug') || Boolean(process.env.DEBUG),
      scrub: (text) => maskTargetsIn(text, given),
      stderr: process.stderr,
    })
  }
}

/** A reader that went away (`halo-admin report closures --format csv | head`) is not an error. */
function exitOnClosedPipe(e: NodeJS.ErrnoException): void {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0)
  throw e
}
