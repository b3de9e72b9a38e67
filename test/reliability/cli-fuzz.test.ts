/**
 * The bad-input campaign: thousands of generated `halo-admin` invocations (wrong types, missing and
 * extra arguments, unknown commands and options, 100 kB strings, control characters, lone surrogates,
 * invalid UTF-8, impossible dates, odd numbers, repeated options, `--`, empty strings, values that
 * look like options, bad HALO_NOW / HALO_ACTOR…) across every command of the live command tree.
 *
 * How it runs:
 * - The grammar is read off `buildProgram()` by the worker (commands, arguments, options, which take
 *   values); each value slot gets the candidate values its own parser accepts, so a new command, option
 *   or parser is fuzzed without touching this file.
 * - The bulk (HALO_FUZZ_RUNS cases, default 5000; one in five starts with well-formed writer lines,
 *   so about 6500 invocations) runs in-process in two worker processes
 *   (workers/cli-fuzz-worker.mjs) that call the built CLI's `main(argv)` over and over, each on its own
 *   copy of a seeded SQLite file, capturing stdout, stderr and the exit status; fast-check generates and
 *   shrinks, one stream per worker.
 * - A smaller sample (HALO_FUZZ_SPAWNED, default 150) runs as real processes through bin/halo-admin.js,
 *   with argv bytes that are not UTF-8 (through /bin/sh and printf: only a real exec can pass them) and
 *   the terminal-less `tui` and `session end` without --yes.
 *
 * What every invocation must do (`problemsOf`):
 * - exit 0, 2, 3, 4, 5, or 6 only when --db names another, unusable target; never 1 (a bug), never
 *   130 (there is no prompt without a terminal);
 * - when commander cannot read the line (the worker's oracle: the same tree, stopped before any
 *   action), exit 2: 3/4/5 only for well-formed input;
 * - on failure: nothing on stdout, exactly one line on stderr, `error <CODE>: <message>` or with --json
 *   `{"error":{"code","message"}}`, a code whose exit status is the contract's, no control characters;
 *   more lines only with --debug (the stack it asks for);
 * - on success: nothing on stderr, stdout ends with a line break, parses as one JSON document with
 *   --json (or --format json), and for people carries no control characters but line breaks;
 * - no PostgreSQL password in any output, no process.exit, uncaught error, warning, listener left on
 *   the process, or output after main returned;
 * - the database file set (file, -wal, -shm) byte for byte as it was, hashed after every call;
 * - an answer within 10 s (a hang fails the run; the worker is replaced).
 *
 * Writers: the strongest test keeps them in the generator's valid space and asserts "unchanged" on every
 * run except a successful run of a command in WRITERS against the fuzz database (the worker then restores
 * the seed). Every other command must leave the file as it was even when it succeeds, so a command that
 * starts writing (or a new writer command nobody listed) fails here at once. What a writer left must
 * still hold: checkInvariants and every flag readable. One case in five runs one or two well-formed
 * writer lines before its last line (each judged alike), so lines meet other states than the seed's
 * (another zone, reason list or cap, sessions opened or ended, a sweep). `simulate` gets small
 * sizes appended (the last value of a repeated option wins; a bad earlier value still fails) so that a
 * valid 1,000,000-session run does not eat the budget.
 *
 * Replay: a failure prints the seed and fast-check path; HALO_FUZZ_REPLAY=<seed>:<path> replays that
 * case alone, HALO_FUZZ_SEED=<seed> a whole run. `npm run test:soak` raises HALO_FUZZ_RUNS.
 */
import fc from 'fast-check'
import { isUtf8 } from 'node:buffer'
import { spawn, fork, type ChildProcess } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createClosureService, createConfigStore, createReviewService, fixedClock, migrateToLatest, openDatabase, UserType } from '../../src/index.js'
import { fingerprint } from '../support/fingerprint.mjs'
import { ensureBuilt } from '../support/fixtures.js'
import { NOW } from '../support/time.js'

const RUNS = Number(process.env.HALO_FUZZ_RUNS ?? 5000)
const SPAWNED = Number(process.env.HALO_FUZZ_SPAWNED ?? Math.max(150, Math.round(RUNS / 40)))
const SEED = Number(process.env.HALO_FUZZ_SEED ?? Date.now() % 2 ** 31)
const REPLAY = process.env.HALO_FUZZ_REPLAY
const STREAMS = 2
/** A call that takes longer is taken for a hang (nothing here should wait on anything). */
const CALL_TIMEOUT_MS = 10_000

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const BIN = join(ROOT, 'bin', 'halo-admin.js')
const WORKER = fileURLToPath(new URL('./workers/cli-fuzz-worker.mjs', import.meta.url))

/** A PostgreSQL target nobody listens on: DB_ERROR (exit 6), and its password must never be printed. */
const SECRET = 'fuzz-s3cret-pw'
const PG_TARGET = `postgres://fuzz:${SECRET}@127.0.0.1:1/halo`

/** Commands that may change the database when they succeed (`session end` unless --dry-run). */
const WRITERS = new Set([
  'flag set',
  'flag reset',
  'session open',
  'session end',
  'session goodbye',
  'sweep',
  'review resolve',
  'simulate',
  'demo',
  'rollout add',
  'rollout remove',
  'audit verify',
])
/** Appended to `simulate`: small sizes, whatever the line asked for. */
const SMALL_SIMULATION = ['--sessions', '4', '--days', '2', '--mitras', '3', '--customers', '6']

/** The contract's exit status of each error code (§4, §6). */
const EXIT_OF: Record<string, number> = {
  INVALID_INPUT: 2,
  REASON_REQUIRED: 2,
  UNKNOWN_FLAG: 2,
  SESSION_NOT_FOUND: 3,
  REVIEW_NOT_FOUND: 3,
  DATABASE_NOT_FOUND: 3,
  INVALID_STATE: 4,
  EARLY_END_DISABLED: 5,
  FORBIDDEN: 5,
  DAILY_CAP_REACHED: 5,
  DB_ERROR: 6,
}

// ---------------------------------------------------------------------------------------------------
// Values

/**
 * Well-formed values of every kind the CLI takes: each slot keeps those its parser accepts. Ids and
 * parties match the seed, so that valid lines reach the rules (found, wrong state, refused, done).
 */
const CANDIDATES = [
  ...['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12', '99', '999'],
  ...['0', '50', '250', '300', '1440', '2000', '3600', '100000'],
  ...['2026-11-24', '2026-11-23', '2026-11-20', '2026-11-01', '2025-12-31'],
  ...['m-1', 'm-2', 'm-3', 'm-4', 'm-5', 'c-1', 'c-2', 'c-8', 'ops-ana', 'sim-m-001'],
  ...['customer_left', 'customer_abusive', 'out_of_scope', 'other', 'not_a_code'],
  ...['true', 'false', 'block', 'allow', 'Asia/Jakarta', 'America/New_York', 'UTC', 'customer_left,other'],
  ...['0.1', '0.5', '1', '.25'],
  ...['talked to the mitra', 'Terima kasih', 'rollout day 1', 'ünïcödé 🙏', 'seed-1'],
  // valid, at the edges: zones far from UTC or off the hour, old aliases, the longest codes, far days
  ...['Pacific/Kiritimati', 'Etc/GMT+12', 'Asia/Kathmandu', 'America/St_Johns', 'Asia/Calcutta', 'utc', 'other', 'x'.repeat(40), '1', '1000000'],
  ...['0001-01-01', '9999-12-31', '1970-01-01', '2024-02-29'],
]

const HUGE = 'x'.repeat(100_000)
/** About 100 kB of UTF-8 with control characters and astral characters in it. */
const HUGE_MIXED = 'ab\u001b🙏\u0007'.repeat(12_500)

/** Values that are wrong in some way for most slots. */
const BAD = [
  ...['', ' ', '\t', '\n', 'a\nb', '\r\n', '\u001b[31mred\u001b[0m', '\u0000', 'a\u0000b', '\u007f', '\u0085', '\u2028', '\ufeff1', '\ufffd'],
  ...['\ud800', 'x\udc00', '🙏'.repeat(501), 'é'.repeat(1001), HUGE, HUGE_MIXED],
  ...['-1', '-0', '+1', '1.5', '1.0', '0x10', '0b1', '0o7', '1e3', '1e-3', 'Infinity', '-Infinity', 'NaN'],
  ...['9007199254740992', '9007199254740993', '99999999999999999999', ' 1', '1 ', '١', '１', '1_000', '1,000', '01'],
  ...['2026-02-30', '2026-13-01', '2026-00-10', '2026-11-31', '2026-02-29', '2026-1-1', '26-11-24', '2026/11/24', '2026-11-24T24:00'],
  ...['24:00', '2026-11-24T00:00:00Z', '0000-00-00', '+2026-11-24', '10000-01-01', '2026-11-24 '],
  ...['--json', '-h', '--help', '--', '-', '-1', '--yes', '--db', '--no-color', '-V', '--version', '--as', '--dry-run'],
  ...['null', 'undefined', '[]', '{}', '"', "'", '$(id)', '`id`', '%s%n', '../../etc/passwd', 'a b', 'a,b,,', 'a,', ',', 'TRUE', 'yes'],
  ...['Asia/Atlantis', 'customer_left,customer_left', 'OTHER', 'other ', 'm 1', 'm/1', 'x'.repeat(65)],
]

/** What --db or HALO_DB may say besides the fuzz database: nothing usable, and PostgreSQL's password in several spellings. */
const OTHER_TARGETS = [
  ':memory:',
  '/nonexistent-dir/halo.db',
  tmpdir(),
  PG_TARGET,
  PG_TARGET.replace('//', '/'),
  ` ${PG_TARGET}`,
  `${PG_TARGET}?password=${SECRET}`,
  '',
]
const targets = (db: string) => [db, ...OTHER_TARGETS]

const BAD_NOW = [
  ...['2026-02-30T00:00:00Z', '2026-11-24T24:00:00Z', '2026-13-01T00:00:00Z', '2026-11-24', '2026-11-24T03:00:00', 'now', ' ', '1e12'],
  // well-formed but far: the first and last instants a Date holds, year 1 and 9999, fractions, zones at ±14 h
  ...['+275760-09-13T00:00:00Z', '-271821-04-20T00:00:00Z', '0001-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z', '1970-01-01T00:00:00Z'],
  ...['2026-11-24T03:00:00.123456789Z', '2026-11-24T03:00:00+14:00', '2026-11-24T03:00:00-12:00', '2026-11-23T16:59:59.999Z'],
]
const BAD_ACTOR = ['', 'a b', 'x'.repeat(65), 'ünï', '\u001b[31m', 'ops\nfake', 'ops\ufffd']

// ---------------------------------------------------------------------------------------------------
// The grammar (as the worker reads it off the tree) and invocations generated from it

interface Slot {
  readonly good: readonly string[]
}
interface OptionSlot extends Slot {
  readonly flags: string
  readonly long: string | undefined
  readonly short: string | null
  readonly takesValue: boolean
  readonly mandatory: boolean
  readonly negate: boolean
}
interface ArgumentSlot extends Slot {
  readonly name: string
  readonly required: boolean
  readonly variadic: boolean
}
interface CommandShape {
  readonly path: readonly string[]
  readonly aliases: readonly string[]
  readonly group: boolean
  readonly arguments: readonly ArgumentSlot[]
  readonly options: readonly OptionSlot[]
}
interface Grammar {
  readonly globals: readonly OptionSlot[]
  readonly commands: readonly CommandShape[]
}

export interface Case {
  readonly argv: readonly string[]
  readonly env: Readonly<Record<string, string>>
}

function noise(): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...BAD) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }) },
    { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.bigInt()).map(String) },
    { weight: 1, arbitrary: fc.integer({ min: -10, max: 2 ** 53 + 10 }).map((n) => `0x${n.toString(16)}`) },
  )
}

/** A value the slot's parser accepts (when it has any). */
function goodFor(slot: Slot): fc.Arbitrary<string> {
  return slot.good.length === 0 ? noise() : fc.constantFrom(...slot.good)
}

/** A value that is often wrong for the slot. */
function valueFor(slot: Slot): fc.Arbitrary<string> {
  return fc.oneof({ weight: 1, arbitrary: goodFor(slot) }, { weight: 2, arbitrary: noise() })
}

/** One well-written use of an option: `--long v`, `--long=v`, `-s v`, `-sv`; a flag alone. */
function optionUse(o: OptionSlot, value: fc.Arbitrary<string>): fc.Arbitrary<string[]> {
  const name = o.long ?? o.short!
  if (!o.takesValue) return o.short ? fc.constantFrom([name], [o.short]) : fc.constant([name])
  const uses: fc.Arbitrary<string[]>[] = [value.map((v) => [name, v]), value.map((v) => [name, v]), value.map((v) => [`${name}=${v}`])]
  if (o.short)
    uses.push(
      value.map((v) => [o.short!, v]),
      value.map((v) => [`${o.short}${v}`]),
    )
  return fc.oneof(...uses)
}

const STRAY_OPTIONS = [`--dbb=${PG_TARGET}`, '--bogus', '-z', '--JSON', '--json=1', '--yes=no', '---json', '--no-json', '--db=', '--no-debug', '-', '--']
const RARE_OPTIONS = ['-h', '--help', '-V', '--version']

/** What a mutation does to a well-formed line; `at` picks the unit or position, `value` and `tokens` what goes in. */
interface Mutation {
  readonly kind: 'value' | 'drop' | 'dropValue' | 'insert' | 'dashes' | 'repeat' | 'flagValue' | 'negate' | 'path' | 'env'
  readonly at: number
  readonly value: string
  readonly tokens: readonly string[]
}

/**
 * Invocations of the tree: a well-formed line (the command, its arguments and mandatory options with
 * values their parsers accept, some optional and global options, in any order), then 0-3 mutations:
 * a value made wrong, a token dropped, a stray token or option of another command put in, `--`, an
 * option repeated, a flag given a value, a command name misspelt, a bad HALO_NOW or HALO_ACTOR. About
 * a third of the lines stay well-formed, so the actions (and the rules behind them) see bad input too.
 * `withSetup`: one case in five starts with one or two well-formed writer lines (flag set, session
 * open or end, sweep…), each checked like any other, so the last line meets the database in a state
 * the seed does not have.
 */
function invocations(grammar: Grammar, db: string, withSetup: boolean): fc.Arbitrary<Case[]> {
  const leaves = grammar.commands.filter((c) => !c.group)
  const groups = grammar.commands.filter((c) => c.group)
  const allOptions = grammar.commands.flatMap((c) => c.options)
  const dbSlot: Slot = { good: targets(db) }
  const globalUse = fc.constantFrom(...grammar.globals).chain((o) => optionUse(o, goodFor(o.long === '--db' ? dbSlot : o)))
  const stray = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...STRAY_OPTIONS).map((o) => [o]) },
    { weight: 4, arbitrary: fc.constantFrom(...allOptions).chain((o) => optionUse(o, valueFor(o))) },
    { weight: 3, arbitrary: noise().map((v) => [v]) },
    { weight: 1, arbitrary: fc.constantFrom(...RARE_OPTIONS).map((o) => [o]) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 10 }).map((v) => [`--${v}`]) },
  )
  const mutation: fc.Arbitrary<Mutation> = fc.record({
    kind: fc.constantFrom<Mutation['kind']>(
      'value',
      'value',
      'value',
      'drop',
      'dropValue',
      'insert',
      'insert',
      'dashes',
      'repeat',
      'flagValue',
      'negate',
      'path',
      'env',
      'env',
    ),
    at: fc.nat(1000),
    value: noise(),
    tokens: stray,
  })
  const mutations = fc.oneof(
    { weight: 4, arbitrary: fc.constant<Mutation[]>([]) },
    { weight: 4, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 1 }) },
    { weight: 3, arbitrary: fc.array(mutation, { minLength: 2, maxLength: 3 }) },
  )

  const lineOf = (commands: readonly CommandShape[], mutations: fc.Arbitrary<Mutation[]>) =>
    fc.constantFrom(...commands).chain((cmd) => {
      const args = cmd.arguments.map((a) =>
        a.required
          ? goodFor(a).map((v) => [[v]])
          : fc
              .option(
                goodFor(a).map((v) => [v]),
                { freq: 2 },
              )
              .map((v) => (v === null ? [] : [v])),
      )
      const mandatory = cmd.options.filter((o) => o.mandatory).map((o) => optionUse(o, goodFor(o)))
      const optional = cmd.options.filter((o) => !o.mandatory)
      const extra =
        optional.length === 0
          ? fc.constant([])
          : fc.array(
              fc.constantFrom(...optional).chain((o) => optionUse(o, goodFor(o))),
              { maxLength: 3 },
            )
      return fc
        .record({
          args: fc.tuple(...args).map((a) => a.flat()),
          options: fc.tuple(fc.tuple(...mandatory), extra, fc.array(globalUse, { maxLength: 2 })).map(([a, b, c]) => [...a, ...b, ...c]),
          before: fc.array(globalUse, { maxLength: 1 }),
          order: fc.array(fc.nat(99), { minLength: 8, maxLength: 8 }),
          mutations,
        })
        .map(({ args, options, before, order, mutations }) => {
          // options go anywhere among the arguments; arguments keep their order
          let line = args.map((a) => [...a])
          options.forEach((o, i) => line.splice(order[i % order.length]! % (line.length + 1), 0, [...o]))
          let path = [...cmd.path]
          let env: Record<string, string> = {}
          for (const m of mutations) [line, path, env] = mutate(line, path, env, m)
          // `events --follow` runs until a signal ends it (test/cli/events.test.ts): here it reads one page
          const argv = [...before.flat(), ...path, ...line.flat()].filter((a) => !(a === '--follow' && path[0] === 'events'))
          return { argv: cmd.path[0] === 'simulate' ? [...argv, ...SMALL_SIMULATION] : argv, env }
        })
    })
  const leaf = lineOf(leaves, mutations)

  const group = fc
    .tuple(
      fc.constantFrom(...groups),
      fc.option(fc.oneof(noise(), fc.constantFrom('help', '--help', 'list')), { freq: 2 }),
      fc.array(globalUse, { maxLength: 1 }),
    )
    .map(([g, extra, globals]) => ({ argv: [...globals.flat(), ...g.path, ...(extra === null ? [] : [extra])], env: {} }))
  const names = [...new Set(grammar.commands.flatMap((c) => c.path))]
  const junk = fc
    .oneof(
      fc.array(fc.oneof(noise(), fc.constantFrom(...names)), { maxLength: 4 }),
      fc.array(fc.oneof(globalUse, stray), { maxLength: 3 }).map((u) => u.flat()),
      fc.constantFrom<string[]>(['help'], ['help', 'session', 'end'], ['help', 'bogus'], ['--help'], ['-V'], ['session', 'end', '--help']),
    )
    .map((argv) => ({ argv, env: {} }))

  const withEnv = (c: { argv: string[]; env: Record<string, string> }): Case => ({ argv: c.argv, env: { HALO_NOW: NOW, HALO_ACTOR: 'ops-fuzz', ...c.env } })
  const line = fc.oneof({ weight: 26, arbitrary: leaf }, { weight: 2, arbitrary: group }, { weight: 2, arbitrary: junk }).map(withEnv)
  if (!withSetup) return line.map((c) => [c])
  // well-formed writers first, now and then, so the last line meets a database in another state (demo aside: it replaces the file)
  const writers = leaves.filter((c) => WRITERS.has(c.path.join(' ')) && c.path[0] !== 'demo')
  const setup = fc.oneof(
    { weight: 4, arbitrary: fc.constant([]) },
    { weight: 1, arbitrary: fc.array(lineOf(writers, fc.constant([])).map(withEnv), { minLength: 1, maxLength: 2 }) },
  )
  return fc.tuple(setup, line).map(([before, last]) => [...before, last])
}

/** A line with `m` applied: its units (each an argument or an option with its value), path and environment. */
function mutate(line: string[][], path: string[], env: Record<string, string>, m: Mutation): [string[][], string[], Record<string, string>] {
  const out = line.map((u) => [...u])
  const i = out.length === 0 ? 0 : m.at % out.length
  const unit = out[i]
  switch (m.kind) {
    case 'value':
      if (unit === undefined) out.push([m.value])
      else if (unit.length === 2) unit[1] = m.value
      else if (unit[0]!.startsWith('--') && unit[0]!.includes('=')) unit[0] = `${unit[0]!.slice(0, unit[0]!.indexOf('='))}=${m.value}`
      else if (!unit[0]!.startsWith('-')) unit[0] = m.value
      else unit.push(m.value)
      break
    case 'drop':
      out.splice(i, 1)
      break
    case 'dropValue':
      if (unit !== undefined && unit.length === 2) unit.pop()
      else out.splice(i, 1)
      break
    case 'insert':
      out.splice(m.at % (out.length + 1), 0, [...m.tokens])
      break
    case 'dashes':
      out.splice(m.at % (out.length + 1), 0, ['--'])
      break
    case 'repeat':
      if (unit !== undefined) out.splice(i + 1, 0, unit.length === 2 ? [unit[0]!, m.value] : [...unit])
      break
    case 'flagValue':
      if (unit !== undefined && unit[0]!.startsWith('--')) unit[0] = `${unit[0]!.split('=')[0]}=${m.value}`
      break
    case 'negate':
      if (unit !== undefined && unit[0]!.startsWith('--')) unit[0] = unit[0]!.replace(/^--(no-)?/, (_, no) => (no ? '--' : '--no-'))
      break
    case 'path': {
      if (path.length === 0) return [out, [m.value], env]
      const p = [...path]
      const j = m.at % p.length
      p[j] = [p[j]!.toUpperCase(), `${p[j]}s`, p[j]!.slice(1), `${p[j]} `, `${p[j]}\u0000`, `-${p[j]}`, m.value][m.at % 7]!
      return [out, m.at % 11 === 0 ? p.slice(0, j) : p, env]
    }
    case 'env': {
      const [name, values] = (
        [
          ['HALO_NOW', BAD_NOW],
          ['HALO_ACTOR', BAD_ACTOR],
          ['HALO_DB', OTHER_TARGETS],
        ] as const
      )[m.at % 3]!
      return [out, path, { ...env, [name]: values[Math.floor(m.at / 3) % values.length]! }]
    }
  }
  return [out, path, env]
}

// ---------------------------------------------------------------------------------------------------
// Judging one run

interface Oracle {
  readonly parsed: boolean
  readonly path?: readonly string[]
  readonly opts?: Record<string, unknown>
  readonly globals?: { db: string | null; json: boolean; debug: boolean; actor: string | null }
  readonly error?: { kind: string; code: string | null; message: string }
}

interface RunResult {
  readonly oracle: Oracle
  readonly exitCode: number
  readonly stdout: string
  readonly stderr: string
  readonly incidents: readonly string[]
  readonly listenersGrown: readonly string[]
  readonly dbChanged: boolean
  /** After a writer's exit 0: failed invariants, flags that no longer read. */
  readonly unhealthy: readonly string[]
  readonly stray: { out: string; err: string; incidents: readonly string[] }
  readonly ms: number
  readonly signal?: string | null
}

const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/
const HELP_OR_VERSION = new Set(['commander.helpDisplayed', 'commander.version'])

/** Everything wrong with how `c` ran; empty when it behaved. */
export function problemsOf(c: Case, r: RunResult, fuzzDb: string): string[] {
  const problems: string[] = []
  const o = r.oracle
  const command = o.parsed ? o.path!.join(' ') : null
  const target = (o.parsed ? o.globals!.db : null) ?? c.env.HALO_DB ?? fuzzDb
  const json = o.parsed ? o.globals!.json : c.argv.includes('--json')
  const debug = (o.parsed ? o.globals!.debug : c.argv.includes('--debug')) || Boolean(c.env.DEBUG)

  if (r.signal) problems.push(`killed by ${r.signal}`)
  for (const i of r.incidents) problems.push(i)
  for (const u of r.unhealthy) problems.push(`the data a successful ${command} left does not hold: ${u}`)
  if (r.listenersGrown.length > 0) problems.push(`left listeners behind: ${r.listenersGrown.join(', ')}`)
  if (r.stray.out || r.stray.err || r.stray.incidents.length > 0)
    problems.push(`output or incidents after the previous call returned: ${JSON.stringify(r.stray).slice(0, 500)}`)
  if (![0, 2, 3, 4, 5, 6].includes(r.exitCode)) problems.push(`exit ${r.exitCode} is not one bad input may get`)
  if (r.exitCode === 6 && target === fuzzDb) problems.push('exit 6 (database unavailable) on the fuzz database, which is always available')
  if (!o.parsed) {
    const expected = HELP_OR_VERSION.has(o.error?.code ?? '') ? 0 : 2
    if (r.exitCode !== expected)
      problems.push(`commander refuses this line (${o.error?.code}: ${o.error?.message}) but it exited ${r.exitCode}, not ${expected}`)
  }
  if (`${r.stdout}${r.stderr}`.includes(SECRET)) problems.push('printed the PostgreSQL password')

  // `db check` finding a broken invariant (a HALO_NOW before the data makes every row "in the future")
  // prints its report and exits 4, with nothing on stderr: a report, read as a success's output
  const checkFound = command === 'db check' && r.exitCode === 4 && r.stderr === '' && r.stdout !== ''
  if (r.exitCode === 0 || checkFound) {
    // a success may say something to the person on stderr (a "more" line, "no …", a hint: issue 19 put them
    // there so stdout holds only data), but never an error line or a stack
    if (/^error |\n\s+at |Error:/m.test(r.stderr)) problems.push(`exit 0 with an error on stderr ${JSON.stringify(r.stderr.slice(0, 300))}`)
    // no data is an empty stdout (the notice says so on stderr); any data ends its last line
    if (r.stdout === '' ? r.stderr === '' : !r.stdout.endsWith('\n'))
      problems.push(`exit 0 with stdout not ending in a line break: ${JSON.stringify(r.stdout.slice(-200))}`)
    const format = o.opts?.format
    const asJson = o.parsed && command !== 'completion' && (json || format === 'json')
    if (asJson) {
      try {
        JSON.parse(r.stdout)
      } catch (e) {
        problems.push(`--json output is not one JSON document: ${(e as Error).message}: ${JSON.stringify(r.stdout.slice(0, 300))}`)
      }
    } else if (format !== 'csv' && command !== 'completion' && CONTROL.test(r.stdout.replaceAll('\n', ''))) {
      // (a completion script is for a shell: fish separates a word from its description with a tab)
      const at = r.stdout.search(CONTROL)
      problems.push(`control character in output for people: ${JSON.stringify(r.stdout.slice(Math.max(0, at - 60), at + 20))}`)
    }
  } else {
    if (r.stdout !== '') problems.push(`failed but printed on stdout: ${JSON.stringify(r.stdout.slice(0, 300))}`)
    const lines = r.stderr.split('\n')
    if (!r.stderr.endsWith('\n')) problems.push(`stderr does not end with a line break: ${JSON.stringify(r.stderr.slice(-200))}`)
    if (!debug && lines.length !== 2) problems.push(`${lines.length - 1} lines on stderr, not one: ${JSON.stringify(r.stderr.slice(0, 600))}`)
    const line = lines[0] ?? ''
    let code: string | undefined
    let message: string | undefined
    if (json) {
      try {
        const doc = JSON.parse(line) as { error?: { code?: unknown; message?: unknown } }
        const keys = Object.keys(doc).join(',')
        if (keys !== 'error' || typeof doc.error?.code !== 'string' || typeof doc.error?.message !== 'string')
          problems.push(`--json error is not {"error":{"code","message"}}: ${line.slice(0, 300)}`)
        code = String(doc.error?.code)
        message = String(doc.error?.message)
      } catch {
        problems.push(`--json error line is not JSON: ${JSON.stringify(line.slice(0, 300))}`)
      }
    } else {
      const m = /^error ([A-Z_]+): (.*)$/s.exec(line)
      if (m === null) problems.push(`not an error line: ${JSON.stringify(line.slice(0, 300))}`)
      else [, code, message] = m
    }
    if (code !== undefined) {
      if (EXIT_OF[code] === undefined) problems.push(`error code ${code} is not one bad input may get`)
      else if (EXIT_OF[code] !== r.exitCode) problems.push(`error ${code} exited ${r.exitCode}, not ${EXIT_OF[code]}`)
    }
    if (message !== undefined && (message.trim() === '' || CONTROL.test(message)))
      problems.push(`empty message or control characters in it: ${JSON.stringify(message.slice(0, 300))}`)
    if (!debug && /^\s+at .+:\d+:\d+\)?$/m.test(r.stderr)) problems.push('a stack trace on stderr')
  }

  if (r.dbChanged) {
    const writer = o.parsed && WRITERS.has(command!) && !(command === 'session end' && o.opts?.dryRun === true)
    if (!(r.exitCode === 0 && writer && target === fuzzDb))
      problems.push(`the database changed (exit ${r.exitCode}, ${command ?? 'a line commander refuses'}${writer ? '' : ', which is not a writer'})`)
  }
  return problems
}

/** JSON, with the characters JSON leaves as they are but a terminal does not show (DEL, C1, U+2028/9) escaped too. */
function shown(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\u009f\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

function describeRun(c: Case, r: RunResult): string {
  const clip = (s: string) => (s.length > 800 ? `${s.slice(0, 800)}… (${s.length} characters)` : s)
  const argv = c.argv.map((a) => (a.length > 200 ? `<${a.length} characters: ${shown(a.slice(0, 20))}…>` : shown(a)))
  return [
    `argv: [${argv.join(', ')}]`,
    `env: ${shown(c.env)}`,
    `commander reads it as: ${shown(r.oracle).slice(0, 600)}`,
    `exit ${r.exitCode}${r.signal ? ` (${r.signal})` : ''}, database ${r.dbChanged ? 'CHANGED' : 'unchanged'}, ${r.ms.toFixed(0)} ms`,
    `stdout: ${shown(clip(r.stdout))}`,
    `stderr: ${shown(clip(r.stderr))}`,
  ].join('\n')
}

// ---------------------------------------------------------------------------------------------------
// Workers

class FuzzWorker {
  #child!: ChildProcess
  #pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>()
  #next = 0
  #output = ''
  readonly db: string

  private constructor(
    readonly dir: string,
    readonly template: string,
  ) {
    this.db = join(dir, 'fuzz.db')
  }

  static async start(dir: string, template: string): Promise<FuzzWorker> {
    const w = new FuzzWorker(dir, template)
    await w.#spawn()
    return w
  }

  #spawn(): Promise<void> {
    const child = fork(WORKER, [JSON.stringify({ template: this.template, dir: this.dir })], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8' },
      execArgv: [],
    })
    this.#child = child
    child.stdout!.on('data', (d: Buffer) => (this.#output += d.toString()))
    child.stderr!.on('data', (d: Buffer) => (this.#output += d.toString()))
    return new Promise((resolve, reject) => {
      child.on('message', (msg: any) => {
        if (msg.ready) return resolve()
        const p = this.#pending.get(msg.id)
        this.#pending.delete(msg.id)
        if (msg.failure) p?.reject(new Error(msg.failure))
        else p?.resolve(msg)
      })
      child.on('exit', (code, signal) => {
        const e = new Error(`fuzz worker exited (${code ?? signal}): ${this.#output.slice(-2000)}`)
        for (const p of this.#pending.values()) p.reject(e)
        this.#pending.clear()
        reject(e)
      })
    })
  }

  request<T>(msg: Record<string, unknown>): Promise<T> {
    const id = this.#next++
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id)
        // the old child's exit must not reject what the fresh worker is asked next
        this.#child.removeAllListeners('exit')
        this.#child.kill('SIGKILL')
        // a fresh worker for whatever comes next (shrinking), this call counted as a hang
        void this.#spawn().catch(() => {})
        reject(new Error(`no answer within ${CALL_TIMEOUT_MS} ms: the call hangs`))
      }, CALL_TIMEOUT_MS)
      this.#pending.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v as T)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      })
      this.#child.send({ ...msg, id })
    })
  }

  /** Runs `c`; with `keep`, the database stays as `c` left it for the next step. */
  run(c: Case, keep = false): Promise<RunResult> {
    return this.request<RunResult>({ op: 'run', argv: c.argv, env: c.env, keep })
  }

  stop(): void {
    this.#child.removeAllListeners('exit')
    this.#child.kill()
  }
}

// ---------------------------------------------------------------------------------------------------
// The seed every run starts from

/**
 * Sessions and reviews in every state the rules tell apart, at NOW (Jakarta business day 2026-11-24,
 * cap 2, customer early ends off), and notes and a goodbye holding control characters:
 *  1 m-1/c-1 active · 2 m-2/c-2 active · 3 m-1/c-3 extending · 4 m-3/c-4 closing (grace to 03:03)
 *  5 m-3/c-5 closed, with goodbye · 6, 7 m-4 ended (review 1 open: m-4 is at the cap) · 8 m-4/c-8 active
 *  9, 10 m-5 ended (review 2 resolved) · 11 m-6/c-11 active, overdue (a sweep expires it)
 */
async function seedTemplate(file: string): Promise<void> {
  const handle = await openDatabase(file)
  try {
    await migrateToLatest(handle)
    const clock = fixedClock('2026-11-24T01:00:00Z')
    const config = createConfigStore(handle, { clock })
    const closures = createClosureService(handle, { clock })
    const reviews = createReviewService(handle, { clock })
    await config.set('early_end_mitra_enabled', true, { actor: 'seed', note: 'rollout\n\u001b[31mday 1\u0007' })
    await config.set('early_end_mitra_daily_cap', 2, { actor: 'seed' })
    const open = (mitraId: string, customerId: string, extra: object = {}) => closures.openSession({ mitraId, customerId, durationMinutes: 120, ...extra })
    const mitraEnds = (id: number, mitraId: string, note?: string) =>
      closures.initiateEarlyEnd(id, UserType.MITRA, {
        actorId: mitraId,
        reason: note === undefined ? 'customer_left' : 'other',
        ...(note === undefined ? {} : { note }),
      })
    await open('m-1', 'c-1')
    await open('m-2', 'c-2')
    await open('m-1', 'c-3', { status: 'extending' })
    const s4 = await open('m-3', 'c-4')
    const s5 = await open('m-3', 'c-5')
    await closures.initiateEarlyEnd(s5.id, UserType.SUPPORT, { actorId: 'ops-seed', reason: 'customer_abusive' })
    await closures.postGoodbye(s5.id, UserType.MITRA, { actorId: 'm-3', message: 'bye\r\n\u001b[1mbold\u0007' })
    const s6 = await open('m-4', 'c-6')
    const s7 = await open('m-4', 'c-7')
    await mitraEnds(s6.id, 'm-4')
    await mitraEnds(s7.id, 'm-4')
    await open('m-4', 'c-8')
    const s9 = await open('m-5', 'c-9')
    const s10 = await open('m-5', 'c-10')
    await mitraEnds(s9.id, 'm-5')
    await mitraEnds(s10.id, 'm-5', 'left\n\u001b[2Jearly')
    const [m5Review] = await reviews.list({ status: 'open', mitraId: 'm-5' })
    await reviews.resolve(m5Review!.id, { outcome: 'warned', actor: 'cc-seed', note: 'called\n\u001b[31mher' })
    clock.set('2026-11-24T01:10:00Z')
    await closures.sweep()
    await closures.openSession({ mitraId: 'm-6', customerId: 'c-11', durationMinutes: 1 })
    clock.set('2026-11-24T02:58:00Z')
    await mitraEnds(s4.id, 'm-3', 'koneksi\nputus\u001b[2J')
  } finally {
    await handle.close()
  }
}

// ---------------------------------------------------------------------------------------------------
// Real processes

/** The file set of `db`: its bytes and its WAL's, and whether the -shm exists. */
const fileSet = (db: string) => fingerprint(db, { files: true })

/** Octal escapes of every byte, for printf: the only way to put bytes that are not UTF-8 into argv. */
function printfArg(bytes: Buffer): string {
  return `"$(printf '${[...bytes].map((b) => `\\${b.toString(8).padStart(3, '0')}`).join('')}')"`
}

interface Spawned {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
  readonly ms: number
}

/**
 * `halo-admin ...argv` as a real process, through /bin/sh: arguments that are UTF-8 go in as the
 * shell's positional parameters, the others through printf, so each may be any bytes but NUL.
 */
function spawnCli(argv: readonly Buffer[], env: Record<string, string>, cwd: string): Promise<Spawned> {
  const plain: string[] = []
  const words = argv.map((b) => {
    if (isUtf8(b)) return `"\${${plain.push(b.toString('utf8'))}}"`
    return printfArg(b)
  })
  const script = `exec "$HALO_FUZZ_NODE" "$HALO_FUZZ_BIN" ${words.join(' ')}`
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', script, 'sh', ...plain], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8', HALO_FUZZ_NODE: process.execPath, HALO_FUZZ_BIN: BIN, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (d: Buffer) => out.push(d))
    child.stderr.on('data', (d: Buffer) => err.push(d))
    const timer = setTimeout(() => child.kill('SIGKILL'), CALL_TIMEOUT_MS)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), ms: performance.now() - started })
    })
    child.stdin.end()
  })
}

/** Bytes that are not UTF-8: lone continuation and lead bytes, overlong and surrogate forms, 0xFE/0xFF. */
const INVALID_UTF8 = [
  [0xff],
  [0xfe, 0xff],
  [0xc3],
  [0xc3, 0x28],
  [0xe2, 0x82],
  [0xed, 0xa0, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xc0, 0xaf],
  [0x80],
  [0xf4, 0x90, 0x80, 0x80],
]

/** A generated case with one argument (or a part of it) replaced by bytes that are not UTF-8; NUL dropped. */
function withInvalidUtf8(base: fc.Arbitrary<Case>): fc.Arbitrary<{ env: Case['env']; bytes: Buffer[] }> {
  return fc.tuple(base, fc.nat(), fc.constantFrom(...INVALID_UTF8), fc.constantFrom('replace', 'prefix', 'suffix', 'append')).map(([c, at, bad, how]) => {
    const bytes = c.argv.map((a) => Buffer.from(a.replaceAll('\u0000', ''), 'utf8'))
    const junk = Buffer.from(bad)
    const i = bytes.length === 0 ? 0 : at % bytes.length
    if (how === 'append' || bytes.length === 0) bytes.push(junk)
    else bytes[i] = how === 'replace' ? junk : how === 'prefix' ? Buffer.concat([junk, bytes[i]!]) : Buffer.concat([bytes[i]!, junk])
    return { env: c.env, bytes }
  })
}

// ---------------------------------------------------------------------------------------------------

let base: string
let template: string
let workers: FuzzWorker[] = []
let grammar: Grammar
const seen = {
  cases: 0,
  exits: new Map<number, number>(),
  commands: new Map<string, number>(),
  parsed: 0,
  changed: 0,
  total: 0,
  slowest: [] as { ms: number; what: string }[],
  mainMs: 0,
  wallMs: 0,
}

beforeAll(async () => {
  ensureBuilt()
  base = mkdtempSync(join(tmpdir(), 'halo-fuzz-'))
  template = join(base, 'template.db')
  await seedTemplate(template)
  workers = await Promise.all(
    Array.from({ length: STREAMS }, (_, i) => {
      const dir = join(base, `worker-${i}`)
      mkdirSync(dir)
      return FuzzWorker.start(dir, template)
    }),
  )
  grammar = (await workers[0]!.request<{ grammar: Grammar }>({ op: 'grammar', candidates: CANDIDATES })).grammar
}, 120_000)

afterAll(() => {
  for (const w of workers) w.stop()
  if (base) rmSync(base, { recursive: true, force: true })
})

function tally(c: Case, r: RunResult, wallMs: number): void {
  seen.total++
  seen.mainMs += r.ms
  seen.wallMs += wallMs
  seen.slowest.push({ ms: wallMs, what: `${c.argv.join(' ').slice(0, 100)} (main ${r.ms.toFixed(0)} ms, exit ${r.exitCode})` })
  seen.slowest = seen.slowest.sort((a, b) => b.ms - a.ms).slice(0, 5)
  seen.exits.set(r.exitCode, (seen.exits.get(r.exitCode) ?? 0) + 1)
  if (r.oracle.parsed) {
    seen.parsed++
    const name = r.oracle.path!.join(' ')
    seen.commands.set(name, (seen.commands.get(name) ?? 0) + 1)
  }
  if (r.dbChanged) seen.changed++
}

function property(w: FuzzWorker) {
  return fc.asyncProperty(invocations(grammar, w.db, true), async (steps) => {
    seen.cases++
    for (const [i, c] of steps.entries()) {
      const started = performance.now()
      const r = await w.run(c, i < steps.length - 1)
      tally(c, r, performance.now() - started)
      const problems = problemsOf(c, r, w.db)
      const before = steps.slice(0, i).map((s) => `  after: ${s.argv.map((a) => shown(a)).join(' ')}`)
      if (problems.length > 0) throw new Error(`${problems.map((p) => `- ${p}`).join('\n')}\n${[...before, describeRun(c, r)].join('\n')}`)
    }
  })
}

describe('generated bad input', () => {
  it('the grammar covers every command of the contract', () => {
    const top = new Set(grammar.commands.map((c) => c.path[0]))
    for (const name of ['db', 'flag', 'session', 'sweep', 'events', 'review', 'report', 'simulate', 'whatif', 'demo', 'tui', 'completion'])
      expect(top).toContain(name)
    // every slot that takes a value has values its parser accepts, so valid lines reach the actions
    for (const c of grammar.commands)
      for (const s of [...c.arguments, ...c.options.filter((o) => o.takesValue)]) expect(s.good, `${c.path.join(' ')} ${JSON.stringify(s)}`).not.toHaveLength(0)
  })

  it(
    `${RUNS} invocations in-process: a documented exit, one error line, nothing half-printed, the database unchanged`,
    async () => {
      const started = performance.now()
      if (REPLAY !== undefined) {
        const [seed, path] = REPLAY.split(':')
        await fc.assert(property(workers[0]!), { seed: Number(seed), path, endOnFailure: true, includeErrorInReport: true })
        return
      }
      const perStream = Math.ceil(RUNS / STREAMS)
      const outcomes = await Promise.allSettled(
        workers.map((w, i) => fc.assert(property(w), { seed: SEED + i, numRuns: perStream, includeErrorInReport: true })),
      )
      const failed = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [{ i, error: o.reason as Error }] : []))
      const secs = ((performance.now() - started) / 1000).toFixed(1)
      console.log(
        `cli fuzz: ${seen.cases} cases, ${seen.total} invocations in ${secs} s (seed ${SEED}); commander accepted ${seen.parsed}, the database changed ${seen.changed} times; exits ${JSON.stringify(Object.fromEntries([...seen.exits].sort((a, b) => a[0] - b[0])))}; main ${seen.mainMs.toFixed(0)} ms of ${seen.wallMs.toFixed(0)} ms; slowest: ${seen.slowest.map((s) => `${s.ms.toFixed(0)} ms ${s.what}`).join(' | ')}`,
      )
      if (failed.length > 0) {
        const { i, error } = failed[0]!
        const path = /path: "([^"]*)"/.exec(error.message)?.[1] ?? ''
        throw new Error(`stream ${i} (seed ${SEED + i}) failed; replay it alone with HALO_FUZZ_REPLAY=${SEED + i}:${path}\n${error.message}`)
      }
      // every leaf command was reached with a line commander accepts, so every action was fuzzed
      const leaves = grammar.commands.filter((c) => !c.group).map((c) => c.path.join(' '))
      if (RUNS >= 2000) expect(leaves.filter((l) => !seen.commands.has(l))).toEqual([])
    },
    Math.max(300_000, RUNS * 200),
  )

  it(
    `${SPAWNED} invocations as real processes, with argv that is not UTF-8, and no terminal`,
    async () => {
      const slots = [0, 1].map((i) => {
        const dir = join(base, `spawned-${i}`)
        mkdirSync(join(dir, 'cwd'), { recursive: true })
        const db = join(dir, 'fuzz.db')
        copyFileSync(template, db)
        return { db, cwd: join(dir, 'cwd'), fingerprint: fileSet(db) }
      })
      const arb = (db: string) => invocations(grammar, db, false).map(([c]) => c!)
      const generated = fc.sample(arb(slots[0]!.db), { seed: SEED + 100, numRuns: Math.round(SPAWNED * 0.6) })
      const invalid = fc.sample(withInvalidUtf8(arb(slots[0]!.db)), { seed: SEED + 101, numRuns: SPAWNED - Math.round(SPAWNED * 0.6) })
      // the ones that must refuse without a terminal rather than wait for one
      const terminal: Case[] = [
        ['tui'],
        ['tui', '--screen', 'sessions', '--refresh', '250'],
        ['session', 'end', '1', '--as', 'support', '--reason', 'customer_left'],
        ['session', 'end', '1', '--as', 'mitra', '--reason', 'other', '--note', 'x'],
        ['--json', 'session', 'end', '2', '--as', 'mitra', '--reason', 'customer_left'],
      ].map((argv) => ({ argv, env: { HALO_NOW: NOW, HALO_ACTOR: 'ops-fuzz' } }))
      const jobs = [
        ...terminal.map((c) => ({ env: c.env, bytes: c.argv.map((a) => Buffer.from(a)), mustExit: 2 })),
        ...generated.map((c) => ({ env: c.env, bytes: c.argv.map((a) => Buffer.from(a.replaceAll('\u0000', ''), 'utf8')) })),
        ...invalid,
        // one argument is at most 128 kB on Linux; printf spells each byte in 4
      ].filter((j) => j.bytes.every((b) => b.length < (isUtf8(b) ? 120_000 : 30_000) && b.at(-1) !== 0x0a))

      const failures: string[] = []
      let next = 0
      await Promise.all(
        slots.map(async (slot) => {
          while (next < jobs.length) {
            const job = jobs[next++]!
            const swap = (b: Buffer) => Buffer.from(b.toString('utf8').replaceAll(slots[0]!.db, slot.db))
            const bytes = job.bytes.map(swap)
            const argv = bytes.map((b) => b.toString('utf8'))
            const c: Case = { argv, env: job.env }
            const { oracle } = await workers[0]!.request<{ oracle: Oracle }>({ op: 'oracle', argv })
            const p = await spawnCli(bytes, { HALO_DB: slot.db, ...job.env }, slot.cwd)
            const now = fileSet(slot.db)
            const r: RunResult = {
              oracle,
              exitCode: p.code ?? -1,
              signal: p.signal,
              stdout: p.stdout,
              stderr: p.stderr,
              incidents: [],
              listenersGrown: [],
              dbChanged: now !== slot.fingerprint,
              unhealthy: [],
              stray: { out: '', err: '', incidents: [] },
              ms: p.ms,
            }
            if (r.dbChanged) {
              for (const f of [slot.db, `${slot.db}-wal`, `${slot.db}-shm`]) rmSync(f, { force: true })
              copyFileSync(template, slot.db)
              slot.fingerprint = fileSet(slot.db)
            }
            for (const f of readdirSync(slot.cwd)) rmSync(join(slot.cwd, f), { recursive: true, force: true })
            const problems = problemsOf(c, r, slot.db)
            if ('mustExit' in job && r.exitCode !== job.mustExit) problems.push(`exit ${r.exitCode}, not ${job.mustExit}`)
            if (problems.length > 0)
              failures.push(
                `${problems.map((x) => `- ${x}`).join('\n')}\n${describeRun(c, r)}\nbytes: ${bytes.map((b) => b.toString('hex').slice(0, 80)).join(' ')}`,
              )
          }
        }),
      )
      if (failures.length > 0)
        throw new Error(`${failures.length} of ${jobs.length} spawned runs misbehaved (seed ${SEED}):\n\n${failures.slice(0, 5).join('\n\n')}`)
    },
    Math.max(300_000, SPAWNED * 2_000),
  )
})
