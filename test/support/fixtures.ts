/**
 * Small helpers shared by the service tests: flag presets, session batches,
 * row counts and error assertions. No rules live here.
 */
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, onTestFinished } from 'vitest'
import { HaloError, UserType, type ErrorCode, type FlagKey, type HaloDatabase } from '../../src/index.js'
import { setup, type EngineName, type Setup } from './engines.js'

export const TABLES = [
  'sessions',
  'session_closures',
  'cc_reviews',
  'session_goodbyes',
  'mitra_daily_counts',
  'app_config',
  'config_audit',
  'session_events',
  'closure_daily_counts',
  'rollout_cohort',
] as const
export type TableName = (typeof TABLES)[number]

/** A fresh database (cleaned up when the test ends). */
export async function fresh(engine: EngineName, now?: string): Promise<Setup> {
  const t = await setup(engine, now === undefined ? {} : { now })
  onTestFinished(t.cleanup)
  return t
}

/** Flags as the tests usually need them: mitra early end on, plus any overrides. */
export async function flags(t: Setup, values: Record<string, unknown>): Promise<void> {
  for (const [key, value] of Object.entries(values)) await t.config.set(key as FlagKey, value as never, { actor: 'test-ops' })
}

/** Mitra early end on, with an optional cap and over-cap action. */
export async function enableMitra(t: Setup, extra: Record<string, unknown> = {}): Promise<void> {
  await flags(t, { early_end_mitra_enabled: true, ...extra })
}

/** Opens `n` sessions of one mitra (customers c-0, c-1, …). */
export async function openSessions(t: Setup, n: number, mitraId = 'm-1'): Promise<number[]> {
  const ids: number[] = []
  for (let i = 0; i < n; i++) ids.push((await t.closures.openSession({ customerId: `c-${i}`, mitraId })).id)
  return ids
}

/** A mitra ending its own session with a reason. */
export function mitraEnds(t: Setup, sessionId: number, mitraId = 'm-1', extra: Record<string, unknown> = {}) {
  return t.closures.initiateEarlyEnd(sessionId, UserType.MITRA, { actorId: mitraId, reason: 'customer_left', ...extra })
}

/** Rows in every table, to prove a refusal or a dry run wrote nothing. */
export async function tableCounts(handle: HaloDatabase): Promise<Record<TableName, number>> {
  const out = {} as Record<TableName, number>
  for (const table of TABLES) {
    const row = await handle.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    out[table] = Number(row.n)
  }
  return out
}

/** The mitra's counter row for a day (0 when missing). */
export async function counterOf(handle: HaloDatabase, mitraId: string, day: string): Promise<number> {
  const row = await handle.db
    .selectFrom('mitra_daily_counts')
    .select('early_end_count')
    .where('mitra_id', '=', mitraId)
    .where('business_day', '=', day)
    .executeTakeFirst()
  return Number(row?.early_end_count ?? 0)
}

/** Awaits `p` and asserts it failed with a HaloError of `code`; returns the error. */
export async function expectCode(p: Promise<unknown>, code: ErrorCode): Promise<HaloError> {
  let caught: unknown
  try {
    await p
  } catch (e) {
    caught = e
  }
  expect(caught, `expected ${code}`).toBeInstanceOf(HaloError)
  expect((caught as HaloError).code).toBe(code)
  return caught as HaloError
}

/**
 * Awaits `p`, which must fail within `withinMs` (default 5 s) with a DB_ERROR HaloError of one line:
 * never a hang, a raw driver error or a stack. Returns the error.
 */
export async function expectDbError(p: Promise<unknown>, withinMs = 5000): Promise<HaloError> {
  const started = Date.now()
  const caught = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(Date.now() - started, 'reported promptly, not after a hang').toBeLessThan(withinMs)
  return expectOneLineDbError(caught)
}

/** `e` is a DB_ERROR HaloError whose message is one line, without a stack. */
export function expectOneLineDbError(e: unknown): HaloError {
  expect(e, `expected DB_ERROR, got ${String(e)}`).toBeInstanceOf(HaloError)
  const err = e as HaloError
  expect(err.code).toBe('DB_ERROR')
  expect(err.message, 'one line, no stack').not.toMatch(/\n|\s+at \S+ \(/)
  return err
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

function newestMtime(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name)
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p))
    else if (/\.tsx?$/.test(entry.name)) newest = Math.max(newest, statSync(p).mtimeMs)
  }
  return newest
}

/**
 * Makes sure `dist/` is built from the current sources, as `npm run build`
 * builds it (tsc, the CLI bundle, the CommonJS build), for tests that run the library or the
 * binary in child processes (`npm test` builds first; `npx vitest run` does
 * not). Returns the path of `dist/src/index.js`.
 */
export function ensureBuilt(): string {
  const entry = join(ROOT, 'dist', 'src', 'index.js')
  const bundle = join(ROOT, 'dist', 'cli', 'halo-admin.cjs')
  const sourcesAt = Math.max(newestMtime(join(ROOT, 'src')), newestMtime(join(ROOT, 'migrations')))
  const stale = (file: string) => !existsSync(file) || statSync(file).mtimeMs < sourcesAt
  if (stale(entry)) {
    try {
      execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { stdio: 'pipe' })
    } catch {
      // tsc still emits when some other file has a type error; the check below decides
    }
  }
  if (stale(bundle)) execFileSync(process.execPath, [join(ROOT, 'scripts', 'bundle-cli.mjs')], { stdio: 'pipe' })
  if (stale(join(ROOT, 'dist', 'cjs', 'src', 'index.js'))) execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-cjs.mjs')], { stdio: 'pipe' })
  if (!existsSync(entry) || !existsSync(bundle)) throw new Error(`could not build ${entry} and ${bundle}`)
  return entry
}

/**
 * Starts one `node worker '<json>'` process per entry of `args` (each gets
 * `goFile` added), waits until every one printed `ready`, releases them all at
 * once by creating the go-file, and returns the JSON line each one printed.
 */
export async function runTogether<T>(worker: string, args: ReadonlyArray<Record<string, unknown>>): Promise<T[]> {
  const dir = mkdtempSync(join(tmpdir(), 'halo-race-'))
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  const goFile = join(dir, 'go')
  let ready = 0
  let release!: () => void
  const allReady = new Promise<void>((r) => (release = r))
  const runs = args.map((arg, i) => {
    const child = spawn(process.execPath, [worker, JSON.stringify({ ...arg, goFile })], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => {
      const before = out
      out += d.toString()
      if (!before.includes('ready\n') && out.includes('ready\n') && ++ready === args.length) release()
    })
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    return new Promise<T>((resolve, reject) => {
      child.on('error', reject)
      child.on('close', (code) => {
        const line = out.split('\n').find((l) => l.startsWith('{'))
        if (code !== 0 || line === undefined) reject(new Error(`worker ${i} exited ${code}: ${err || out}`))
        else resolve(JSON.parse(line) as T)
      })
    })
  })
  // a worker that dies before it is ready fails the race instead of hanging it
  const failed = Promise.race(runs.map((r) => r.then(() => new Promise<never>(() => {}))))
  await Promise.race([allReady, failed])
  writeFileSync(goFile, 'go')
  return Promise.all(runs)
}
