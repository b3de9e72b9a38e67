import { Command, CommanderError } from 'commander'
import { completion } from './commands/completion.js'
import { db } from './commands/db/index.js'
import { events } from './commands/events.js'
import { demo } from './commands/demo.js'
import { flag } from './commands/flag/index.js'
import { report } from './commands/report/index.js'
import { review } from './commands/review/index.js'
import { session } from './commands/session/index.js'
import { simulate } from './commands/simulate.js'
import { sweep } from './commands/sweep.js'
import { tui } from './commands/tui.js'
import { whatif } from './commands/whatif/index.js'
import { packageVersion } from './version.js'

/**
 * The `halo-admin` command tree. Command modules only describe their
 * commands; each action loads the library parts it needs when it runs, so
 * building the tree costs little more than loading commander.
 */
export function buildProgram(): Command {
  const program = new Command('halo-admin')
    .description('Control how Halo chat sessions end: flags, sessions, force-close, sweeps, reviews, reports.')
    .option('-V, --version', 'output the version number')
    .option('--db <target>', 'SQLite file or postgres:// URL (else $HALO_DB, else ./halo.db)')
    .option('--actor <id>', 'who you are, for the audit trail (else $HALO_ACTOR, else your OS user)')
    .option('--json', 'print one JSON document on stdout (errors as {"error":{…}} on stderr)')
    .option('--utc', 'show times in UTC (default: business_timezone, e.g. 2026-11-24 10:00 WIB; JSON is always UTC)')
    .option('--no-color', 'no colours (also NO_COLOR=1)')
    .option('--debug', 'show the stack of an unexpected error (also DEBUG=1)')
    .addHelpText(
      'after',
      `
Environment: HALO_DB, HALO_ACTOR, HALO_NOW=<ISO-8601 with zone> (fixes the clock), NO_COLOR.
Exit codes: 0 done, 1 internal error, 2 invalid input, 3 not found, 4 invalid state,
            5 refused by policy, 6 database unavailable or busy, 130 cancelled at a prompt.

Start with:  halo-admin demo`,
    )
  // as commander's .version() does, but reading the version only when asked
  program.on('option:version', () => {
    const version = packageVersion()
    process.stdout.write(`${version}\n`)
    throw new CommanderError(0, 'commander.version', version)
  })
  for (const c of [db, flag, session, sweep, events, review, report, simulate, whatif, demo, tui, completion]) program.addCommand(c)
  return failQuietly(program)
}

/**
 * Commander prints its own errors and exits; we want one line in our format
 * and our exit codes (`report-error.ts`), and help that lists the global
 * options under every command. Settings set on a parent are not inherited by
 * added commands, so every command in the tree gets them.
 */
function failQuietly(cmd: Command): Command {
  cmd.configureOutput({ writeErr: () => {}, outputError: () => {} })
  // --db, --actor, --json, --utc… go anywhere on the line: every command's help lists them
  cmd.configureHelp({ showGlobalOptions: true })
  cmd.exitOverride((e) => {
    if (e.code === 'commander.help') {
      // `halo-admin help [command]` (or `<group> help`) asked for the help it printed: done
      if (e.exitCode === 0) throw new CommanderError(0, 'commander.helpDisplayed', e.message)
      // a group run without one of its commands: commander would print its help as an error
      throw new CommanderError(2, 'halo-admin.missingCommand', missingCommand(cmd))
    }
    // commander checks required options before arguments: `session end` with no id would be told about --as
    if (e.code === 'commander.missingMandatoryOptionValue') {
      const missing = missingArgument(cmd)
      if (missing !== undefined) throw new CommanderError(e.exitCode, 'commander.missingArgument', `error: missing required argument '${missing}'`)
    }
    throw e
  })
  for (const sub of cmd.commands) failQuietly(sub)
  return cmd
}

/** The first required argument the line left out: the words before any option are the arguments given. */
function missingArgument(cmd: Command): string | undefined {
  const given = cmd.args.findIndex((a) => a.startsWith('-'))
  const count = given === -1 ? cmd.args.length : given
  return cmd.registeredArguments.find((a, i) => a.required && i >= count)?.name()
}

function missingCommand(cmd: Command): string {
  const path: string[] = []
  for (let c: Command | null = cmd; c !== null; c = c.parent) path.unshift(c.name())
  const names = cmd.commands.map((c) => c.name())
  return `${path.join(' ')} needs a command: ${names.join(', ')} (${path.join(' ')} --help says more)`
}
