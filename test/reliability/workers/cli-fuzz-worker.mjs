// One in-process runner of the CLI fuzz campaign (test/reliability/cli-fuzz.test.ts): it imports the
// built CLI (dist/src/cli/main.js) and runs `main(argv)` once per request, on its own copy of a seeded
// SQLite file, capturing what a real process would show: stdout, stderr, the exit status.
//
// Usage: fork(worker, [JSON.stringify({ template, dir })]) with an IPC channel; stdin is not a terminal.
//
// Requests (process.send), one at a time:
//   { op: 'grammar', candidates }  the live command tree, each argument and option value slot with the
//                                  candidates its own parser accepts
//   { op: 'run', argv, env, keep } one invocation; the reply says what it printed and did (see runCase);
//                                  keep: leave the database as this run left it, for the next step of a case
//   { op: 'oracle', argv }         only how commander reads argv (for the cases spawned as real processes)
//
// The database: `${dir}/fuzz.db`, a copy of `template`, is HALO_DB unless the request's env says
// otherwise. After each run the file set (db, -wal, -shm) is hashed; the reply says whether it changed
// (a writer that succeeded, or a bug) and, when it did with exit 0, whether the data still holds
// (checkInvariants, every flag readable). Unless `keep`, the copy is then restored, so every case
// starts from the seed.
// The working directory is `${dir}/cwd`, emptied after each run (a relative --db lands there).
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { fingerprint as fileSet } from '../../support/fingerprint.mjs'

const { template, dir } = JSON.parse(process.argv[2])
const DIST = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'dist', 'src')
const DB = join(dir, 'fuzz.db')
const CWD = join(dir, 'cwd')
mkdirSync(CWD, { recursive: true })
process.chdir(CWD)

// Every module of the built package is loaded first, so what a module adds to the process once, when it
// loads (ink's exit hooks…), is not taken for a listener leaked by a call.
for (const file of readdirSync(DIST, { recursive: true })) if (String(file).endsWith('.js')) await import(pathToFileURL(join(DIST, String(file))).href)
const { main } = await import(pathToFileURL(join(DIST, 'cli', 'main.js')).href)
const { checkInvariants, createConfigStore, fixedClock, openDatabase, parseInstant } = await import(pathToFileURL(join(DIST, 'index.js')).href)
const { buildProgram } = await import(pathToFileURL(join(DIST, 'cli', 'program.js')).href)

// Output: every write to stdout and stderr, from anywhere (console, streams, warnings), is captured.
const captured = { out: [], err: [] }
const capture = (into) =>
  function write(chunk, encoding, callback) {
    into.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'))
    const done = typeof encoding === 'function' ? encoding : callback
    if (typeof done === 'function') process.nextTick(done)
    return true
  }
process.stdout.write = capture(captured.out)
process.stderr.write = capture(captured.err)

// What a real process would die of, or exit with early, is recorded against the run in progress.
const incidents = []
process.exit = (code) => {
  incidents.push(`process.exit(${code}) called`)
  throw new Error(`process.exit(${code}) called inside main`)
}
process.on('uncaughtException', (e) => incidents.push(`uncaught exception: ${e?.stack ?? e}`))
process.on('unhandledRejection', (e) => incidents.push(`unhandled rejection: ${e?.stack ?? e}`))
process.on('warning', (w) => incidents.push(`process warning: ${w.name}: ${w.message}`))

function resetDatabase() {
  for (const f of [DB, `${DB}-wal`, `${DB}-shm`]) rmSync(f, { force: true })
  copyFileSync(template, DB)
}

/** The database file set as it stands: contents of the file and its WAL, and which of the three exist. */
const fingerprint = () => fileSet(DB, { files: true })

function emptyCwd() {
  const files = readdirSync(CWD)
  for (const f of files) rmSync(join(CWD, f), { recursive: true, force: true })
  return files
}

/** Listener counts on the objects a CLI run may listen on. */
function listeners() {
  const out = {}
  for (const [name, emitter] of Object.entries({ process, stdout: process.stdout, stderr: process.stderr, stdin: process.stdin }))
    for (const event of emitter.eventNames()) out[`${name}.${String(event)}`] = emitter.listenerCount(event)
  return out
}

const settle = () => new Promise((resolve) => setImmediate(() => setTimeout(resolve, 0)))

// ---------------------------------------------------------------------------------------------------
// The grammar: the live command tree as data.

function argumentsOf(cmd) {
  return cmd.registeredArguments.map((a) => ({ name: a.name(), required: a.required, variadic: a.variadic, parse: a.parseArg }))
}

function optionsOf(cmd) {
  return cmd.options.map((o) => ({
    flags: o.flags,
    long: o.long,
    short: o.short ?? null,
    takesValue: o.required || o.optional,
    optionalValue: o.optional,
    mandatory: o.mandatory,
    negate: o.negate,
    parse: o.parseArg,
  }))
}

/** The values of `candidates` that `parse` takes (all of them when there is no parser), plus the values it lists as its own. */
function accepted(parse, candidates) {
  const own = parse?.completions ? [...parse.completions.values] : []
  if (parse?.completions?.list && own.length > 1) own.push(own.slice(0, 2).join(','))
  if (parse === undefined) return [...new Set([...own, ...candidates])]
  const ok = candidates.filter((c) => {
    try {
      parse(c, undefined)
      return true
    } catch {
      return false
    }
  })
  return [...new Set([...own, ...ok])]
}

async function grammar(candidates) {
  const program = await buildProgram()
  const slot = (s) => {
    const { parse, ...rest } = s
    return { ...rest, good: accepted(parse, candidates) }
  }
  const commands = []
  const walk = (cmd, path) => {
    for (const sub of cmd.commands) {
      const p = [...path, sub.name()]
      commands.push({
        path: p,
        aliases: sub.aliases(),
        group: sub.commands.length > 0,
        arguments: argumentsOf(sub).map(slot),
        options: optionsOf(sub).map(slot),
      })
      walk(sub, p)
    }
  }
  walk(program, [])
  return { globals: optionsOf(program).map(slot), commands }
}

// ---------------------------------------------------------------------------------------------------
// The oracle: how commander itself reads argv, on a tree built like main's, stopped before any action.

class Stop extends Error {}

async function oracle(argv) {
  const program = await buildProgram()
  let leaf = null
  program.hook('preAction', (_root, actionCommand) => {
    leaf = actionCommand
    throw new Stop()
  })
  try {
    await program.parseAsync(['node', 'halo-admin', ...argv])
    return { parsed: false, error: { kind: 'none', code: null, message: 'parsed without reaching an action' } }
  } catch (e) {
    if (!(e instanceof Stop))
      return { parsed: false, error: { kind: e?.constructor?.name ?? typeof e, code: e?.code ?? null, message: String(e?.message ?? e) } }
  } finally {
    captured.out.length = 0
    captured.err.length = 0
  }
  const path = []
  for (let c = leaf; c !== null && c.parent !== null; c = c.parent) path.unshift(c.name())
  const globals = leaf.optsWithGlobals()
  return {
    parsed: true,
    path,
    opts: leaf.opts(),
    args: leaf.processedArgs,
    globals: { db: globals.db ?? null, json: globals.json === true, debug: globals.debug === true, actor: globals.actor ?? null },
  }
}

// ---------------------------------------------------------------------------------------------------

const FUZZ_ENV = ['HALO_DB', 'HALO_NOW', 'HALO_ACTOR', 'NO_COLOR', 'DEBUG', 'CI']

/** The latest clock a writer of the database as it now is ran on (HALO_NOW may lie far ahead): no stamp may pass it. */
let latestClock = Date.now()

/** What is wrong with the data a successful writer left: failed invariants, flags that no longer read. */
async function health() {
  const handle = await openDatabase(DB)
  try {
    const report = await checkInvariants(handle, { clock: fixedClock(new Date(latestClock)) })
    const failed = report.checks.filter((c) => !c.ok).map((c) => `invariant ${c.name}: ${c.violations} (${c.examples.join(' ')})`)
    await createConfigStore(handle).list()
    return failed
  } catch (e) {
    return [`the data no longer reads: ${e?.stack ?? e}`]
  } finally {
    await handle.close()
  }
}

async function runCase({ argv, env, keep }) {
  for (const k of FUZZ_ENV) delete process.env[k]
  process.env.HALO_DB = DB
  for (const [k, v] of Object.entries(env ?? {})) if (v !== undefined && v !== null) process.env[k] = v
  // only a HALO_NOW the CLI takes: it refuses the others before writing anything
  const caseNow = process.env.HALO_NOW === undefined ? null : parseInstant(process.env.HALO_NOW)
  if (caseNow !== null) latestClock = Math.max(latestClock, caseNow.getTime())
  const stray = { out: captured.out.splice(0).join(''), err: captured.err.splice(0).join(''), incidents: incidents.splice(0) }
  const parse = await oracle(argv)
  const before = { ...listeners(), state: fingerprint() }
  process.exitCode = undefined
  const started = performance.now()
  try {
    await main(['node', 'halo-admin', ...argv])
  } catch (e) {
    incidents.push(`main rejected: ${e?.stack ?? e}`)
  }
  const ms = performance.now() - started
  await settle()
  const after = listeners()
  const grown = Object.entries(after)
    .filter(([k, n]) => n > (before[k] ?? 0))
    .map(([k, n]) => `${k} ${before[k] ?? 0} -> ${n}`)
  const exitCode = process.exitCode === undefined ? 0 : Number(process.exitCode)
  process.exitCode = undefined
  const state = fingerprint()
  const changed = state !== before.state
  const unhealthy = changed && exitCode === 0 ? await health() : []
  if (!keep && fingerprint() !== seeded) {
    resetDatabase()
    latestClock = Date.now()
  }
  const cwdFiles = emptyCwd()
  return {
    oracle: parse,
    exitCode,
    stdout: captured.out.splice(0).join(''),
    stderr: captured.err.splice(0).join(''),
    incidents: incidents.splice(0),
    listenersGrown: grown,
    dbChanged: changed,
    unhealthy,
    cwdFiles,
    stray,
    ms,
  }
}

resetDatabase()
/** The file set as seeded. */
const seeded = fingerprint()
// main adds its one stdout listener on its first call: that call is not the first case's
await main(['node', 'halo-admin', '--version'])
captured.out.length = 0
process.exitCode = undefined

// One request at a time, in order.
let queue = Promise.resolve()
process.on('message', (msg) => {
  queue = queue.then(async () => {
    let reply
    try {
      if (msg.op === 'grammar') reply = { grammar: await grammar(msg.candidates) }
      else if (msg.op === 'oracle') reply = { oracle: await oracle(msg.argv) }
      else if (msg.op === 'run') reply = await runCase(msg)
      else reply = { failure: `unknown op ${msg.op}` }
    } catch (e) {
      reply = { failure: `worker: ${e?.stack ?? e}` }
    }
    process.send({ id: msg.id, ...reply })
  })
})
process.send({ ready: true })
