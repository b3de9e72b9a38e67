/**
 * Cold start: the wall time of `halo-admin flag get early_end_mitra_enabled` on an existing,
 * migrated SQLite file against bare `node -e 0`, both spawned the same way, interleaved (the
 * order alternates each round, so neither side always runs on a warmer machine), medians of
 * BENCH_RUNS runs each (default 21, at least 15). Start-up is part of the product: the target is
 * a ratio of at most 1.5.
 *
 *   npm run build && node bench/run-all.js cold-start
 *   BENCH_RUNS=41 node bench/run-all.js cold-start
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
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

/** One spawn, timed from before spawn to after exit: what a person waiting at the prompt sees. */
function timed(args, expect) {
  const t0 = performance.now()
  const r = spawnSync(process.execPath, args, { env, encoding: 'utf8' })
  const ms = performance.now() - t0
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
  process.stdout.write(
    [
      `cold start, ${RUNS} interleaved runs each (medians):`,
      `  node -e 0                                   ${node.toFixed(1)} ms`,
      `  halo-admin flag get early_end_mitra_enabled ${cli.toFixed(1)} ms`,
      `  ratio ${ratio.toFixed(3)} (target <= ${TARGET}): ${ratio <= TARGET ? 'ok' : 'ABOVE TARGET'}`,
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
    }) + '\n',
  )
  if (ratio > TARGET) process.exitCode = 1
}

main().catch((e) => {
  process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`)
  process.exit(1)
})
