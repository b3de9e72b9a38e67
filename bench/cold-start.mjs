/**
 * Cold start: the wall time of `halo-admin flag get early_end_mitra_enabled` on an existing,
 * migrated SQLite file against bare `node -e 0`, both spawned the same way, interleaved (the
 * order alternates each round, so neither side always runs on a warmer machine), medians of
 * BENCH_RUNS runs each (default 21, at least 15). Start-up is part of the product: the target is
 * a ratio of at most 1.5.
 *
 * Wall time on a shared machine swings with its load, so the CPU time the children used (user +
 * system, all their threads, read from /proc/self/stat after each one is reaped) is printed too, as
 * a second opinion: mean per run, since /proc counts it in 10 ms ticks (the sums are exact to a tick).
 * The first run of halo-admin after a build writes V8's code cache (bin/load-bundle.js): the warm-up
 * runs pay for it, the timed runs read it, as every start after the first does.
 *
 *   npm run build && node bench/run-all.js cold-start
 *   BENCH_RUNS=41 node bench/run-all.js cold-start
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createConfigStore, migrateToLatest, openDatabase } from '../dist/src/index.js'
import { childEnv } from './support/child-env.mjs'

const RUNS = Math.max(15, Number(process.env.BENCH_RUNS ?? 21))
const WARMUP = 3
const TARGET = 1.5
const ROOT = dirname(dirname(fileURLToPath(import.meta.url)))
const BIN = join(ROOT, 'bin', 'halo-admin.js')
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

const dir = mkdtempSync(join(tmpdir(), 'halo-cold-start-'))
process.on('exit', () => rmSync(dir, { recursive: true, force: true }))

const env = childEnv()

/** CPU time of the reaped children so far, in ms (user + system), or NaN without /proc. */
const STAT = '/proc/self/stat'
const TICK_MS = 10
function childrenCpuMs() {
  if (!existsSync(STAT)) return NaN
  const stat = readFileSync(STAT, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // fields 16 and 17 of stat(5) (cutime, cstime), counted after the ")" that ends field 2
  return (Number(fields[13]) + Number(fields[14])) * TICK_MS
}
const cpu = new Map()

/** One spawn, timed from before spawn to after exit: what a person waiting at the prompt sees. */
function timed(args, expect) {
  const c0 = childrenCpuMs()
  const t0 = performance.now()
  const r = spawnSync(process.execPath, args, { env, encoding: 'utf8' })
  const ms = performance.now() - t0
  cpu.set(args, (cpu.get(args) ?? 0) + childrenCpuMs() - c0)
  if (r.status !== 0 || (expect !== undefined && r.stdout.trim() !== expect)) {
    throw new Error(`${args.join(' ')} exited ${r.status ?? r.signal}: ${r.stdout.slice(-200)} ${r.stderr.slice(-500)}`)
  }
  return ms
}

async function main() {
  const file = join(dir, 'halo.db')
  const handle = await openDatabase(file)
  await migrateToLatest(handle)
  await createConfigStore(handle).set('early_end_mitra_enabled', true, { actor: 'bench' })
  await handle.close()

  const nodeArgs = ['-e', '0']
  const cliArgs = [BIN, '--db', file, 'flag', 'get', 'early_end_mitra_enabled']
  for (let i = 0; i < WARMUP; i++) {
    timed(nodeArgs)
    timed(cliArgs, 'true')
  }
  cpu.clear()
  const nodeMs = []
  const cliMs = []
  for (let i = 0; i < RUNS; i++) {
    if (i % 2 === 0) {
      nodeMs.push(timed(nodeArgs))
      cliMs.push(timed(cliArgs, 'true'))
    } else {
      cliMs.push(timed(cliArgs, 'true'))
      nodeMs.push(timed(nodeArgs))
    }
  }
  const node = median(nodeMs)
  const cli = median(cliMs)
  const ratio = cli / node
  const nodeCpu = cpu.get(nodeArgs) / RUNS
  const cliCpu = cpu.get(cliArgs) / RUNS
  const cpuRatio = cliCpu / nodeCpu
  process.stdout.write(
    [
      `cold start, ${RUNS} interleaved runs each (wall: medians; cpu: means):`,
      `  node -e 0                                   wall ${node.toFixed(1)} ms  cpu ${nodeCpu.toFixed(1)} ms`,
      `  halo-admin flag get early_end_mitra_enabled wall ${cli.toFixed(1)} ms  cpu ${cliCpu.toFixed(1)} ms`,
      `  ratio ${ratio.toFixed(3)} (target <= ${TARGET}): ${ratio <= TARGET ? 'ok' : 'ABOVE TARGET'}; cpu ratio ${cpuRatio.toFixed(3)}`,
      '',
    ].join('\n'),
  )
  process.stdout.write(
    JSON.stringify({
      bench: 'cold-start',
      runs: RUNS,
      target: TARGET,
      nodeMs: Number(node.toFixed(1)),
      cliMs: Number(cli.toFixed(1)),
      ratio: Number(ratio.toFixed(3)),
      nodeCpuMs: Number(nodeCpu.toFixed(1)),
      cliCpuMs: Number(cliCpu.toFixed(1)),
      cpuRatio: Number(cpuRatio.toFixed(3)),
    }) + '\n',
  )
  if (ratio > TARGET) process.exitCode = 1
}

main().catch((e) => {
  process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`)
  process.exit(1)
})
