import { passwordOf } from '../store/database.js'
import { buildProgram } from './program.js'
import { reportError } from './report-error.js'

/**
 * Runs `halo-admin` with `argv` (as `process.argv`). Sets `process.exitCode`
 * rather than exiting, so output is flushed and handles close first.
 */
export async function main(argv: readonly string[] = process.argv): Promise<void> {
  // a reader that went away (`halo-admin report closures --format csv | head`) is not an error
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0)
    throw e
  })
  try {
    await buildProgram().parseAsync([...argv])
  } catch (e) {
    // only usage errors get here (an action reports its own): they may echo any argument back
    const secrets = [...argv, process.env.HALO_DB ?? ''].map(passwordOf).filter((s): s is string => s !== null)
    process.exitCode = reportError(e, {
      json: argv.includes('--json'),
      debug: argv.includes('--debug') || Boolean(process.env.DEBUG),
      scrub: (text) => secrets.reduce((t, s) => t.split(s).join('***'), text),
      stderr: process.stderr,
    })
  }
}
