/**
 * What `import 'halo-admin'` costs a backend: the wall time of a Node process that imports the
 * library (dist/src, resolved by its own name as a backend resolves it) against one that imports only
 * the three packages the library stands on, kysely, pg and zod, both spawned the same way,
 * interleaved, medians of BENCH_RUNS runs each (default 21). Target: at most 1.5.
 *
 * First it checks that the import loads no UI library (ink, react, @inquirer/*) and no SQLite driver
 * (better-sqlite3): a resolve hook refuses them, so the import fails if it reaches for one.
 *
 *   npm run build && node bench/run-all.js library-import
 */
import { spawnSync } from 'node:child_process'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { childEnv } from './support/child-env.mjs'

const RUNS = Math.max(15, Number(process.env.BENCH_RUNS ?? 21))
const WARMUP = 3
const TARGET = 1.5
const ROOT = dirname(dirname(fileURLToPath(import.meta.url)))
const round = (n, digits) => Number(n.toFixed(digits))
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const env = childEnv()

const library = ['--input-type=module', '-e', "await import('halo-admin')"]
const floor = ['--input-type=module', '-e', "await Promise.all([import('kysely'), import('pg'), import('zod')])"]
/** Packages `import 'halo-admin'` must not reach: the faces' and the SQLite driver. */
const NOT_LOADED = '/node_modules/(ink|react|react-reconciler|@inquirer/[^/]+|better-sqlite3|chalk|commander)/'
const HOOK = `export async function resolve(specifier, context, next) {
  const r = await next(specifier, context)
  if (new RegExp(process.env.HALO_NOT_LOADED).test(r.url)) throw new Error('import "halo-admin" loaded ' + r.url)
  return r
}`
const refusing = [
  '--input-type=module',
  '-e',
  `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOK)}`)}); await import('halo-admin')`,
]

function timed(args) {
  const t0 = performance.now()
  const r = spawnSync(process.execPath, args, { env: { ...env, HALO_NOT_LOADED: NOT_LOADED }, cwd: ROOT, encoding: 'utf8' })
  const ms = performance.now() - t0
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status ?? r.signal}: ${r.stderr.slice(-500)}`)
  return ms
}

try {
  timed(refusing)
  for (let i = 0; i < WARMUP; i++) {
    timed(floor)
    timed(library)
  }
  const floorMs = []
  const libraryMs = []
  for (let i = 0; i < RUNS; i++) {
    // the order alternates, so neither side always runs on a warmer machine
    const order = i % 2 === 0 ? [floor, library] : [library, floor]
    for (const args of order) (args === floor ? floorMs : libraryMs).push(timed(args))
  }
  const f = median(floorMs)
  const l = median(libraryMs)
  const ratio = l / f
  const verdict = ratio <= TARGET ? 'ok' : 'ABOVE TARGET'
  const result = { bench: 'library-import', runs: RUNS, target: TARGET, floorMs: round(f, 1), libraryMs: round(l, 1), ratio: round(ratio, 3) }
  process.stdout.write(`import cost, ${RUNS} interleaved runs each (wall, medians); no UI library or SQLite driver loaded: checked
  import kysely, pg, zod   ${f.toFixed(1)} ms
  import 'halo-admin'      ${l.toFixed(1)} ms
  ratio ${ratio.toFixed(3)} (target <= ${TARGET}): ${verdict}
${JSON.stringify(result)}
`)
  if (ratio > TARGET) process.exitCode = 1
} catch (e) {
  process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`)
  process.exit(1)
}
