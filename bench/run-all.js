#!/usr/bin/env node
// Runs the benchmarks in bench/: every *.ts, *.js and *.mjs file (not this
// runner, not bench/support), or only those named as arguments
// (`node bench/run-all.js early-end-sqlite`). TypeScript benches are compiled
// with bench/tsconfig.json into dist/bench first; files in bench/support that
// are not TypeScript are copied next to them. Runs one at a time (timings on a
// shared machine), prints each bench's own output, and exits 1 when any failed.
import { execFileSync, spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const BENCH = dirname(fileURLToPath(import.meta.url))
const ROOT = dirname(BENCH)
const OUT = join(ROOT, 'dist', 'bench')
const RUNNABLE = /\.(ts|js|mjs)$/

const all = readdirSync(BENCH).filter((f) => RUNNABLE.test(f) && !f.endsWith('.d.ts') && f !== 'run-all.js')
const asked = process.argv.slice(2)
const chosen =
  asked.length === 0
    ? all
    : asked.map((a) => {
        const name = basename(a)
        const hit = all.find((f) => f === name || f.replace(RUNNABLE, '') === name.replace(RUNNABLE, ''))
        if (hit === undefined) {
          process.stderr.write(`error: no benchmark "${a}" in bench/ (have: ${all.join(', ')})\n`)
          process.exit(2)
        }
        return hit
      })

if (chosen.some((f) => f.endsWith('.ts'))) {
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(BENCH, 'tsconfig.json')], { stdio: 'inherit' })
  } catch {
    // tsc emits despite type errors elsewhere; a bench that did not compile fails below
  }
  const support = join(BENCH, 'support')
  if (existsSync(support)) {
    mkdirSync(join(OUT, 'support'), { recursive: true })
    for (const f of readdirSync(support)) if (!f.endsWith('.ts')) copyFileSync(join(support, f), join(OUT, 'support', f))
  }
}

let failed = 0
for (const f of chosen) {
  const file = f.endsWith('.ts') ? join(OUT, f.replace(/\.ts$/, '.js')) : join(BENCH, f)
  process.stdout.write(`\n== ${f} ==\n`)
  if (!existsSync(file)) {
    process.stderr.write(`error: ${file} was not built\n`)
    failed++
    continue
  }
  const r = spawnSync(process.execPath, [file], { stdio: 'inherit', cwd: ROOT })
  if (r.status !== 0) {
    process.stderr.write(`error: ${f} exited ${r.status ?? r.signal}\n`)
    failed++
  }
}
process.exit(failed === 0 ? 0 : 1)
