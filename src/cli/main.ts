import { maskTargetsIn } from '../store/target.js'
import { buildProgram } from './program.js'
import { reportError } from './report-error.js'
import { directStdout } from './stdio.js'

/**
 * Runs `halo-admin` with `argv` (as `process.argv`). Sets `process.exitCode`
 * rather than exiting, so output is flushed and handles close first. May be
 * called more than once in a process (tests, embedding): it adds nothing to
 * the process that a second call would add again. `ownProcess` (bin/halo-admin.js)
 * says the process is halo-admin's alone: its stdout is then written without
 * making `process.stdout` when it can be (stdio.ts).
 */
export async function main(argv: readonly string[] = process.argv, { ownProcess = false }: { ownProcess?: boolean } = {}): Promise<void> {
  // stacks shown by --debug point into src/, not into the bundle
  if (argv.includes('--debug') || process.env.DEBUG) process.setSourceMapsEnabled(true)
  // stdout is made when first written (stdio.ts), and a closed pipe ends the process quietly there
  if (ownProcess) directStdout()
  try {
    await (await buildProgram(argv)).parseAsync([...argv])
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
