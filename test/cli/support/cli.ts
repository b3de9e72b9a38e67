/**
 * Runs the built `halo-admin` binary as a user would: a child process with
 * its own environment (no HALO_* leaking in from the test runner), no
 * terminal, and the exit status, stdout and stderr captured.
 */
import { execFileSync, spawn } from 'node:child_process'
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { onTestFinished } from 'vitest'
import { ensureBuilt } from '../../support/fixtures.js'
import { NOW } from '../../support/time.js'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
export const BIN = join(ROOT, 'bin', 'halo-admin.js')

export interface CliRun {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

export interface CliOptions {
  /** Added to a clean environment (PATH, HOME, LANG only). */
  readonly env?: Record<string, string | undefined>
  readonly input?: string
  readonly cwd?: string
  readonly timeoutMs?: number
}

/** `halo-admin ...args`, finished. */
export function cli(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  ensureBuilt()
  return new Promise((resolve, reject) => {
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8' }
    for (const [k, v] of Object.entries(options.env ?? {})) if (v !== undefined) env[k] = v
    const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd ?? ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
    child.stdin.end(options.input ?? '')
  })
}

/** A temporary directory with a SQLite file path in it (not created), removed after the test. */
export function newDbPath(name = 'halo.db'): string {
  const dir = mkdtempSync(join(tmpdir(), 'halo-cli-'))
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  return join(dir, name)
}

let template: string | undefined

/** A migrated, empty database made once per test file by `db migrate` (only it, demo and simulate create one). */
function migratedTemplate(): string {
  if (template === undefined) {
    ensureBuilt()
    const dir = mkdtempSync(join(tmpdir(), 'halo-cli-template-'))
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }))
    const path = join(dir, 'template.db')
    execFileSync(process.execPath, [BIN, '--db', path, 'db', 'migrate'], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root' } })
    template = path
  }
  return template
}

/** A temporary SQLite file holding a new, migrated, empty halo-admin database, removed after the test. */
export function tempDb(name = 'halo.db'): string {
  const path = newDbPath(name)
  copyFileSync(migratedTemplate(), path)
  return path
}

/** `halo-admin --db <db> ...args` with HALO_NOW and HALO_ACTOR fixed, as most tests want. */
export function cliOn(db: string, args: readonly string[], options: CliOptions & { now?: string; actor?: string } = {}): Promise<CliRun> {
  return cli(['--db', db, ...args], {
    ...options,
    env: { HALO_NOW: options.now ?? NOW, HALO_ACTOR: options.actor ?? 'ops-test', ...options.env },
  })
}

/** The one error line a failed command printed: `error <CODE>: <message>`. */
export function errorLine(run: CliRun): { code: string; message: string } {
  const lines = run.stderr.split('\n').filter((l) => l !== '')
  if (lines.length !== 1) throw new Error(`expected one line on stderr, got ${lines.length}: ${JSON.stringify(run.stderr)}`)
  const m = /^error ([A-Z_]+): (.+)$/.exec(lines[0]!)
  if (m === null) throw new Error(`not an error line: ${lines[0]}`)
  return { code: m[1]!, message: m[2]! }
}
