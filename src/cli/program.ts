import { Command, CommanderError } from 'commander'
import { stdout } from './stdio.js'
import { packageVersion } from './version.js'

/**
 * The top-level commands, in the order help lists them, each loaded when the tree needs it: a
 * command module builds its commands when it loads, and building all of them was a tenth of
 * `halo-admin flag get`'s start-up (bench/cold-start.mjs).
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  db: async () => (await import('./commands/db/index.js')).db,
  flag: async () => (await import('./commands/flag/index.js')).flag,
  rollout: async () => (await import('./commands/rollout/index.js')).rollout,
  guard: async () => (await import('./commands/guard/index.js')).guard,
  session: async () => (await import('./commands/session/index.js')).session,
  sweep: async () => (await import('./commands/sweep.js')).sweep,
  events: async () => (await import('./commands/events.js')).events,
  review: async () => (await import('./commands/review/index.js')).review,
  audit: async () => (await import('./commands/audit/index.js')).audit,
  report: async () => (await import('./commands/report/index.js')).report,
  simulate: async () => (await import('./commands/simulate.js')).simulate,
  whatif: async () => (await import('./commands/whatif/index.js')).whatif,
  demo: async () => (await import('./commands/demo.js')).demo,
  tui: async () => (await import('./commands/tui.js')).tui,
  // prints a script made from the whole tree: never alone
  completion: async () => (await import('./commands/completion.js')).completion,
}

/** The global options that take a value: the word after one is not a command. */
const GLOBAL_WITH_VALUE = new Set(['--db', '--actor'])

/**
 * The command `argv` (as `process.argv`) runs, when it names one of ours other than `completion`:
 * the first word that is neither an option nor a global option's value.
 */
function commandNamed(argv: readonly string[]): string | undefined {
  for (let i = 2; i < argv.length; i++) {
    const word = argv[i]!
    // `--help` before the command is the program's help, which lists every command
    if (word === '--' || word === '-h' || word === '--help') return undefined
    if (GLOBAL_WITH_VALUE.has(word)) i++
    else if (!word.startsWith('-')) return Object.hasOwn(COMMANDS, word) && word !== 'completion' ? word : undefined
  }
  return undefined
}

/**
 * The `halo-admin` command tree. Command modules only describe their
 * commands; each action loads the library parts it needs when it runs, so
 * building the tree costs little more than loading commander. Given the
 * command line, the tree holds only the command it names (`flag get` builds
 * `flag`, nothing else); anything else (no command, `help`, `completion`, a
 * misspelt name commander suggests a spelling for) gets the whole tree.
 */
export async function buildProgram(argv?: readonly string[]): Promise<Command> {
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
  // as commander's .version() does, but reading the version only when asked; with --json (before or
  // after it, not yet parsed when this runs) as one JSON document
  program.on('option:version', () => {
    const version = packageVersion()
    const args = argv ?? []
    const json = args.slice(0, args.includes('--') ? args.indexOf('--') : undefined).includes('--json')
    stdout().write(json ? `${JSON.stringify({ version })}\n` : `${version}\n`)
    throw new CommanderError(0, 'commander.version', version)
  })
  const named = argv === undefined ? undefined : commandNamed(argv)
  const names = named === undefined ? Object.keys(COMMANDS) : [named]
  for (const c of await Promise.all(names.map((name) => COMMANDS[name]!()))) program.addCommand(c)
  return failQuietly(program)
}

/**
 * Commander prints its own errors and exits; we want one line in our format
 * and our exit codes (`report-error.ts`), and help that lists the global
 * options under every command. Settings set on a parent are not inherited by
 * added commands, so every command in the tree gets them.
 */
function failQuietly(cmd: Command): Command {
  cmd.configureOutput({ writeOut: (text) => stdout().write(text), writeErr: () => {}, outputError: () => {} })
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
