/**
 * The crash campaign: real OS processes write to one SQLite file (a `simulate` workload, a `sweep`
 * loop, a stream of early ends and flag changes) and are killed with SIGKILL at random moments, alone
 * or racing each other. After every round the file is opened and `checkInvariants` (the full
 * `integrity_check` included) must pass, and every early end a writer had acknowledged must be there.
 *
 * Size: HALO_SOAK_KILLS kills (default 50; `npm run test:soak` raises it). The plan (which writers,
 * their workloads, the kill delays) comes from one seed, printed with any failure; HALO_CRASH_SEED
 * replays it (the OS scheduling still varies from run to run).
 */
import type { FlagKey } from '../../src/config/flag-registry.js'
import { spawn, type ChildProcess } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  checkInvariants,
  createClosureService,
  createConfigStore,
  fixedClock,
  migrateToLatest,
  openDatabase,
  schemaState,
  seededRandom,
  type Random,
} from '../../src/index.js'
import { ensureBuilt } from '../support/fixtures.js'
import { sleep } from '../support/time.js'

const KILLS = Number(process.env.HALO_SOAK_KILLS ?? 50)
const SEED = process.env.HALO_CRASH_SEED ?? `${Date.now()}`
/** Share of the kills spent on rounds of 2-3 writers racing; the rest kill a lone writer. */
const RACING_SHARE = 0.6
/** Kills of a first migration, on top of HALO_SOAK_KILLS. */
const MIGRATION_KILLS = Math.max(8, Math.ceil(KILLS / 8))
const WORKER = fileURLToPath(new URL('./workers/writer.mjs', import.meta.url))

/** Library writers (workers/writer.mjs) and the CLI's own `simulate` and `sweep`, run in a loop. */
type WriterKind = 'simulate' | 'sweep' | 'end' | 'cli-simulate' | 'cli-sweep'
const KINDS: readonly WriterKind[] = ['simulate', 'sweep', 'end', 'cli-simulate', 'cli-sweep']
/** `migrate`: migrates a new file (then idles); `torn`: a writer that is not atomic on purpose, for the harness's self-check. */
type Kind = WriterKind | 'migrate' | 'torn'

interface WriterJob {
  readonly kind: Kind
  readonly target: string
  readonly seed: string
  /** The built library the worker loads. */
  readonly library: string
}

/**
 * The command one writer runs: the library through workers/writer.mjs, which reports each transaction
 * (B/E/C lines) and each acknowledged early end (`ack N`), or the CLI (bin/halo-admin.js) in a shell
 * loop: `simulate` with HALO_NOW on a November day, `sweep` with HALO_NOW far ahead. The CLI prints no
 * markers: the harness sees it start by the WAL file changing, and cannot tell whether a kill landed
 * inside a transaction.
 */
function writerCommand(job: WriterJob): { command: string; args: string[]; env?: Record<string, string>; markers: boolean } {
  if (!job.kind.startsWith('cli-')) return { command: process.execPath, args: [WORKER, JSON.stringify(job)], markers: true }
  const rnd = seededRandom(job.seed)
  // "$@" is node, the CLI and its global options; the loop ends (and the harness sees it) when a run fails
  const command =
    job.kind === 'cli-simulate'
      ? `simulate --days ${rnd.int(1, 3)} --sessions ${rnd.int(100, 300)} --batch ${rnd.pick([1, 50, 500])} --seed "${job.seed}-$i"`
      : 'sweep'
  const loop = `i=0; while "$@" ${command} >/dev/null; do i=$((i + 1)); done`
  const now = job.kind === 'cli-simulate' ? `2026-11-${String(rnd.int(1, 28)).padStart(2, '0')}T16:00:00Z` : SWEEP_NOW
  return {
    command: 'sh',
    args: ['-c', loop, 'sh', process.execPath, join(job.library, '..', '..', '..', 'bin', 'halo-admin.js'), '--db', job.target, '--json'],
    env: { HALO_NOW: now, HALO_ACTOR: 'crash-cli' },
    markers: false,
  }
}

/** The CLI sweep's clock: past every day the other writers use. */
const SWEEP_NOW = '2027-01-01T00:00:00Z'

interface Writer {
  readonly job: WriterJob
  readonly child: ChildProcess
  readonly markers: boolean
  out: string
  err: string
  exited: { code: number | null; signal: NodeJS.Signals | null } | null
  readonly exit: Promise<void>
}

function startWriter(job: WriterJob): Writer {
  const { command, args, env, markers } = writerCommand(job)
  // a process group of its own: the kill takes the shell loop and the CLI run inside it together
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, ...env } })
  const w: Writer = {
    job,
    child,
    markers,
    out: '',
    err: '',
    exited: null,
    exit: new Promise((resolve) => child.on('close', (code, signal) => ((w.exited = { code, signal }), resolve()))),
  }
  child.stdout!.on('data', (d: Buffer) => (w.out += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (w.err += d.toString()))
  return w
}

/** SIGKILL to the writer's process group. */
function kill(w: Writer): void {
  try {
    process.kill(-w.child.pid!, 'SIGKILL')
  } catch {
    // already gone
  }
}

/** The WAL file's size and time, to see a writer that prints no markers start writing. */
function walStamp(file: string): string {
  const wal = `${file}-wal`
  if (!existsSync(wal)) return ''
  const s = statSync(wal)
  return `${s.size}/${s.mtimeMs}`
}

/** Resolves once the writer is inside its first write transaction (or has written to the WAL). */
async function startedWriting(w: Writer, walBefore: string): Promise<void> {
  for (let waited = 0; ; waited += 5) {
    if (w.exited !== null) throw new Error(`${w.job.kind} writer exited before writing (${JSON.stringify(w.exited)}): ${w.err || w.out}`)
    if (w.markers ? w.out.includes('B\n') : walStamp(w.job.target) !== walBefore) return
    if (waited > 20_000) throw new Error(`${w.job.kind} writer never started writing: ${w.err || w.out}`)
    await sleep(5)
  }
}

/** Where a kill landed, from the writer's last complete line: inside a transaction (B, E) or between two. */
function landing(w: Writer): 'in-transaction' | 'between' | 'unknown' {
  if (!w.markers) return 'unknown'
  const last = w.out
    .split('\n')
    .filter((l) => l === 'B' || l === 'E' || l === 'C')
    .at(-1)
  return last === 'B' || last === 'E' ? 'in-transaction' : 'between'
}

interface Tally {
  kills: number
  inTransaction: number
  rounds: number
  acked: Set<number>
  unfinishedMigrations: number
}

const newTally = (): Tally => ({ kills: 0, inTransaction: 0, rounds: 0, acked: new Set(), unfinishedMigrations: 0 })

interface RoundOptions {
  /** Kill delay after the writer started writing, in ms (default 5-300). */
  readonly delays?: readonly [number, number]
  /** Also run checkInvariants while the writers write: one snapshot must never see half a change. */
  readonly checkWhileWriting?: boolean
  /** The writer migrated a new file: after the kill, migrateToLatest must finish the job (counted in `tally.unfinishedMigrations`). */
  readonly finishMigration?: boolean
}

/**
 * One round: starts the writers together, kills each with SIGKILL a random delay after it started
 * writing, then opens the file and returns what is wrong with it: failing invariants (the full
 * `integrity_check` included) and acknowledged early ends that are missing.
 */
async function round(file: string, rnd: Random, kinds: readonly Kind[], tally: Tally, options: RoundOptions = {}): Promise<string[]> {
  const [min, max] = options.delays ?? [5, 300]
  // the CLI's sweep opens nothing itself: give it sessions to expire
  if (kinds.includes('cli-sweep')) await openDueSessions(file, rnd.int(100, 600))
  const walBefore = walStamp(file)
  const writers = kinds.map((kind) => startWriter({ kind, target: file, seed: `${SEED}-${tally.rounds}-${kind}`, library }))
  const delays = writers.map(() => rnd.int(min, max))
  let during: string[] = []
  try {
    const started = writers.map((w) => startedWriting(w, walBefore))
    const live = options.checkWhileWriting ? Promise.all(started).then(() => failingChecks(file, 'quick')) : Promise.resolve([])
    await Promise.all(
      writers.map(async (w, i) => {
        await started[i]
        await sleep(delays[i]!)
        if (w.exited !== null) throw new Error(`${w.job.kind} writer died on its own (${JSON.stringify(w.exited)}): ${w.err || w.out}`)
        kill(w)
        await w.exit
      }),
    )
    during = (await live).map((d) => `while writing: ${d}`)
  } finally {
    for (const w of writers) if (w.exited === null) kill(w)
    await Promise.all(writers.map((w) => w.exit))
  }
  tally.rounds++
  for (const w of writers) {
    expect(w.exited?.signal, `seed ${SEED}: the ${w.job.kind} writer was killed, not failed: ${w.err}`).toBe('SIGKILL')
    tally.kills++
    if (landing(w) === 'in-transaction') tally.inTransaction++
    for (const m of w.out.matchAll(/^ack (\d+)$/gm)) tally.acked.add(Number(m[1]))
  }
  if (options.finishMigration) {
    const h = await openDatabase(file)
    try {
      if ((await schemaState(h)) !== 'current') tally.unfinishedMigrations++
      await migrateToLatest(h)
    } finally {
      await h.close()
    }
  }
  return [...during, ...(await damage(file, tally))]
}

async function failingChecks(file: string, integrity: 'quick' | 'full'): Promise<string[]> {
  const h = await openDatabase(file)
  try {
    // the writers run on clocks up to SWEEP_NOW, ahead of the real one
    const report = await checkInvariants(h, { integrity, clock: fixedClock(SWEEP_NOW) })
    return report.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.violations} (${c.examples.join('; ')})`)
  } finally {
    await h.close()
  }
}

async function damage(file: string, tally: Tally): Promise<string[]> {
  const found = await failingChecks(file, 'full')
  // every acknowledged early end was committed before the kill: it is there
  const h = await openDatabase(file)
  try {
    const acked = [...tally.acked]
    for (let i = 0; i < acked.length; i += 500) {
      const ids = acked.slice(i, i + 500)
      const kept = await h.db.selectFrom('session_closures').select('session_id').where('session_id', 'in', ids).execute()
      if (kept.length !== ids.length) found.push(`acknowledged early ends lost: ${ids.length - kept.length}`)
    }
    return found
  } finally {
    await h.close()
  }
}

/** Sessions that end before SWEEP_NOW, as the services open them. */
async function openDueSessions(file: string, n: number): Promise<void> {
  const h = await openDatabase(file)
  try {
    const opening = createClosureService(h, { clock: fixedClock('2026-12-31T12:00:00Z') })
    for (let i = 0; i < n; i++) await opening.openSession({ mitraId: `cli-m-${i % 4}`, customerId: `cli-c-${i % 40}`, durationMinutes: 30 })
  } finally {
    await h.close()
  }
}

async function newFile(dir: string, name: string): Promise<string> {
  const file = join(dir, name)
  const h = await openDatabase(file)
  await migrateToLatest(h)
  const config = createConfigStore(h)
  for (const [key, value] of Object.entries({
    early_end_mitra_enabled: true,
    early_end_customer_enabled: true,
    early_end_mitra_daily_cap: 2,
    early_end_mitra_over_cap_action: 'allow',
  })) {
    await config.set(key as FlagKey, value as never, { actor: 'crash-setup' })
  }
  await h.close()
  return file
}

async function closures(file: string): Promise<number> {
  const h = await openDatabase(file, { readonly: true })
  try {
    const r = await h.db
      .selectFrom('session_closures')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    return Number(r.n)
  } finally {
    await h.close()
  }
}

let dir: string | undefined
let library: string
let snapshot: string | undefined
beforeAll(() => {
  const entry = ensureBuilt()
  dir = mkdtempSync(join(tmpdir(), 'halo-crash-'))
  // The workers load a copy of dist/ and bin/, so a rebuild during the campaign (another `npm run build` in the
  // same checkout) cannot hand a worker half-written modules; the copy sits inside the checkout to find node_modules.
  const dist = dirname(dirname(entry))
  mkdirSync(join(dirname(dist), '.tmp'), { recursive: true })
  snapshot = mkdtempSync(join(dirname(dist), '.tmp', 'crash-dist-'))
  cpSync(dist, join(snapshot, 'dist'), { recursive: true })
  cpSync(join(dirname(dist), 'bin'), join(snapshot, 'bin'), { recursive: true })
  library = join(snapshot, 'dist', relative(dist, entry))
}, 120_000)
afterAll(() => {
  for (const d of [dir, snapshot]) if (d !== undefined) rmSync(d, { recursive: true, force: true })
})

/** Enough time for every round on a loaded two-core machine. */
const timeoutFor = (kills: number) => 30_000 + kills * 2_000

describe(`crash campaign on SQLite (seed ${SEED}, HALO_CRASH_SEED replays it)`, () => {
  // at least two rounds of each writer alone, and a few racing rounds, whatever the size
  const racingKills = Math.max(6, Math.ceil(KILLS * RACING_SHARE))
  const loneKills = Math.max(6, KILLS - racingKills)

  it(
    `keeps the file whole through ${loneKills} kills of a lone writer (library or CLI: simulate, sweep, early ends) mid-work`,
    async () => {
      const file = await newFile(dir!, 'lone.db')
      const rnd = seededRandom(`${SEED}-lone`)
      const tally = newTally()
      const context = () => `seed ${SEED}, lone round ${tally.rounds}`
      while (tally.kills < loneKills) expect(await round(file, rnd, [KINDS[tally.rounds % KINDS.length]!], tally), context()).toEqual([])
      report('lone', tally, await closures(file))
      expect(await closures(file), context()).toBeGreaterThan(0)
      expect(tally.acked.size, `${context()}: some early ends were acknowledged`).toBeGreaterThan(0)
      // the kills really land inside transactions, not only between them
      expect(tally.inTransaction, `${context()}: kills inside a transaction`).toBeGreaterThanOrEqual(Math.ceil(tally.kills / 4))
    },
    timeoutFor(loneKills),
  )

  it(
    `keeps the file whole through ${racingKills} kills of 2-3 writers racing on it`,
    async () => {
      const file = await newFile(dir!, 'racing.db')
      const rnd = seededRandom(`${SEED}-racing`)
      const tally = newTally()
      const context = () => `seed ${SEED}, racing round ${tally.rounds}`
      while (tally.kills < racingKills) {
        // two or three different writers
        const kinds = [...KINDS].sort(() => rnd.next() - 0.5).slice(0, rnd.int(2, 3))
        expect(await round(file, rnd, kinds, tally, { checkWhileWriting: true }), context()).toEqual([])
      }
      report('racing', tally, await closures(file))
      expect(tally.acked.size, `${context()}: some early ends were acknowledged`).toBeGreaterThan(0)
      // fewer than alone: a writer often waits for another's lock when it is killed
      expect(tally.inTransaction, `${context()}: kills inside a transaction`).toBeGreaterThanOrEqual(Math.ceil(tally.kills / 6))
    },
    timeoutFor(racingKills),
  )
})

describe('a migration killed mid-way', () => {
  it(`leaves a file the next migrateToLatest finishes, whole (${MIGRATION_KILLS} kills of a first migration)`, async () => {
    const rnd = seededRandom(`${SEED}-migrate`)
    const tally = newTally()
    for (let i = 0; i < MIGRATION_KILLS; i++) {
      const found = await round(join(dir!, `migrate-${i}.db`), rnd, ['migrate'], tally, { delays: [0, 8], finishMigration: true })
      expect(found, `seed ${SEED}, migration round ${i}`).toEqual([])
    }
    report('migrate', tally, 0)
    expect(tally.unfinishedMigrations, `seed ${SEED}: kills that stopped a migration before it committed`).toBeGreaterThan(0)
  }, 60_000)
})

describe('the crash harness', () => {
  it('notices a writer that is not atomic: a session moved to closing in one transaction, its closure written in the next', async () => {
    const file = await newFile(dir!, 'torn.db')
    const rnd = seededRandom(`${SEED}-torn`)
    const tally = newTally()
    let found: string[] = []
    while (found.length === 0 && tally.rounds < 10) found = await round(file, rnd, ['torn'], tally)
    expect(found.join('\n'), `seed ${SEED}: ${tally.rounds} kills of a torn writer went unnoticed`).toMatch(/^closure_per_closing_session: [1-9]/)
  }, 60_000)
})

function report(name: string, t: Tally, closureCount: number): void {
  if (process.env.HALO_SHOW_STORY || process.env.HALO_SOAK_KILLS) {
    console.log(
      `${name}: seed ${SEED}, ${t.rounds} rounds, ${t.kills} kills (${t.inTransaction} inside a transaction, ${t.unfinishedMigrations} before a migration committed), ${t.acked.size} acknowledged early ends, ${closureCount} closures`,
    )
  }
}
