/**
 * Races in separate OS processes: each worker connects, says `ready`, and all
 * start together when every one of them is ready (a barrier over stdin).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const DIST = fileURLToPath(new URL('../../dist/src/index.js', import.meta.url))

/** The workers import the built library: fail loudly when it is missing (npm test builds it). */
export function requireBuiltLibrary(): void {
  if (!existsSync(DIST)) throw new Error(`${DIST} is missing: run "npm run build" (npm test does it) before the PostgreSQL process races`)
}

interface Worker {
  child: ChildProcess
  lines: string[]
  ready: Promise<void>
  done: Promise<{ code: number | null; stderr: string }>
}

function startWorker(script: string, args: string[]): Worker {
  const child = spawn(process.execPath, [fileURLToPath(new URL(`./workers/${script}`, import.meta.url)), ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
  const lines: string[] = []
  let stderr = ''
  let buf = ''
  let onReady: () => void = () => {}
  const ready = new Promise<void>((resolve) => (onReady = resolve))
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString()
    let i: number
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i)
      buf = buf.slice(i + 1)
      if (line === 'ready') onReady()
      else lines.push(line)
    }
  })
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stderr })))
  // a worker that dies before `ready` must not hang the barrier
  void done.then(() => onReady())
  return { child, lines, ready, done }
}

/**
 * Starts one process per argument list, releases them together, returns each one's JSON result. Kills
 * them all after `timeoutMs`. `during` runs once they are released, while they work.
 */
export async function raceProcesses<T>(script: string, argLists: string[][], timeoutMs = 20_000, during?: () => Promise<void>): Promise<T[]> {
  requireBuiltLibrary()
  const workers = argLists.map((args) => startWorker(script, args))
  const timer = setTimeout(() => workers.forEach((w) => w.child.kill('SIGKILL')), timeoutMs)
  try {
    return await release(script, workers, during)
  } finally {
    clearTimeout(timer)
  }
}

async function release<T>(script: string, workers: Worker[], during?: () => Promise<void>): Promise<T[]> {
  await Promise.all(workers.map((w) => w.ready))
  for (const w of workers) w.child.stdin!.write('go\n')
  await during?.()
  const out: T[] = []
  for (const w of workers) {
    const { code, stderr } = await w.done
    if (code !== 0 || w.lines.length !== 1) throw new Error(`worker ${script} exited ${code ?? 'killed'}: ${stderr}\n${w.lines.join('\n')}`)
    out.push(JSON.parse(w.lines[0]!) as T)
  }
  return out
}
