/**
 * `report closures --by mitra` and `--by day` over 1,000,000 closures in a SQLite file, against the
 * sqlite3 shell answering the same question on the same file the direct way: counting the closures
 * (`select mitra_id, count(*) from session_closures where business_day … group by mitra_id`). The
 * library answers from closure_daily_counts, the rollup migration 0003's triggers keep (137k rows for
 * this data); both answers must agree row for row. Two ratios per grouping (medians of warm runs):
 *
 *   end to end: `halo-admin report closures … --json` wall time / `sqlite3 file "<sql>"` wall time
 *               (includes starting Node and loading the CLI bundle, which the shell does not pay)
 *   query:      the library call `createReportService(h).closures(by, range)` in a warm process /
 *               the shell's own `.timer on` time for its query
 *
 * Target: at most 1.3. The data (1M closures over 28 days, 500 mitras) is generated once with a bulk
 * insert before migration 0003, whose backfill then fills the rollup, and cached in the temp directory.
 *
 *   npm run build && node bench/run-all.js report-sqlite
 *   BENCH_RUNS=9 node bench/run-all.js report-sqlite
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createReportService, fixedClock, openDatabase } from '../dist/src/index.js'
import { cachedMillionClosures } from './support/closure-data.mjs'
import { childEnv } from './support/child-env.mjs'

const RUNS = Number(process.env.BENCH_RUNS ?? 5)
const TARGET = 1.3
const ROOT = dirname(dirname(fileURLToPath(import.meta.url)))
const BIN = join(ROOT, 'bin', 'halo-admin.js')
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

const SQL = {
  mitra: (r) => `select mitra_id, count(*) from session_closures where business_day >= '${r.from}' and business_day <= '${r.to}' group by mitra_id`,
  day: (r) => `select business_day, count(*) from session_closures where business_day >= '${r.from}' and business_day <= '${r.to}' group by business_day`,
}

function timed(fn) {
  const t0 = performance.now()
  const out = fn()
  return { ms: performance.now() - t0, out }
}

function shellQueryMs(file, query) {
  // on stdin: sqlite3 3.40 prints no "Run Time" for `.timer on` given as an argument
  const out = execFileSync('sqlite3', [file], { input: `.timer on\n${query};\n`, encoding: 'utf8', maxBuffer: 64 << 20 })
  const m = /Run Time: real ([\d.]+)/.exec(out)
  if (m === null) throw new Error(`no timer line from sqlite3: ${out.slice(-200)}`)
  return Number(m[1]) * 1000
}

async function main() {
  const data = await cachedMillionClosures()
  const range = { from: data.from, to: data.to }
  const env = childEnv({ HALO_DB: data.file, HALO_NOW: `${data.to}T05:00:00Z` })
  const handle = await openDatabase(data.file)
  const reports = createReportService(handle, { clock: fixedClock(`${data.to}T05:00:00Z`) })
  const results = []
  for (const by of ['mitra', 'day']) {
    const query = SQL[by](range)
    const cliArgs = [BIN, 'report', 'closures', '--by', by, '--from', range.from, '--to', range.to, '--json']
    // warm-up, and the answers must agree
    const cli = JSON.parse(execFileSync(process.execPath, cliArgs, { env, encoding: 'utf8' }))
    const shellRows = execFileSync('sqlite3', [data.file, query], { encoding: 'utf8' }).trim().split('\n')
    const shellTotal = shellRows.reduce((n, line) => n + Number(line.split('|')[1]), 0)
    if (cli.total !== 1_000_000 || shellTotal !== 1_000_000) throw new Error(`totals disagree: cli ${cli.total}, sqlite3 ${shellTotal}`)
    const cliCounts = new Map(cli.rows.map((row) => [row.key, row.count]))
    const differ = shellRows.filter((line) => cliCounts.get(line.split('|')[0]) !== Number(line.split('|')[1]))
    if (differ.length > 0 || cli.rows.length !== shellRows.length) throw new Error(`by ${by}: cli and sqlite3 disagree on ${differ.slice(0, 3).join(', ')}`)
    await reports.closures(by, range)

    const cliMs = []
    const shellMs = []
    const libMs = []
    const shellQuery = []
    for (let i = 0; i < RUNS; i++) {
      cliMs.push(timed(() => spawnSync(process.execPath, cliArgs, { env, stdio: ['ignore', 'ignore', 'inherit'] })).ms)
      shellMs.push(timed(() => spawnSync('sqlite3', [data.file, query], { stdio: ['ignore', 'ignore', 'inherit'] })).ms)
      const t0 = performance.now()
      await reports.closures(by, range)
      libMs.push(performance.now() - t0)
      shellQuery.push(shellQueryMs(data.file, query))
    }
    const r = {
      by,
      cliMs: Math.round(median(cliMs)),
      sqlite3Ms: Math.round(median(shellMs)),
      endToEndRatio: Number((median(cliMs) / median(shellMs)).toFixed(3)),
      libraryQueryMs: Math.round(median(libMs)),
      sqlite3QueryMs: Math.round(median(shellQuery)),
      queryRatio: Number((median(libMs) / median(shellQuery)).toFixed(3)),
    }
    results.push(r)
    process.stdout.write(
      [
        `report closures --by ${by} over 1,000,000 closures (${RUNS} runs, medians):`,
        `  end to end: halo-admin ${r.cliMs} ms, sqlite3 shell ${r.sqlite3Ms} ms, ratio ${r.endToEndRatio} (target <= ${TARGET}): ${r.endToEndRatio <= TARGET ? 'ok' : 'ABOVE TARGET'}`,
        `  query:      library ${r.libraryQueryMs} ms, sqlite3 .timer ${r.sqlite3QueryMs} ms, ratio ${r.queryRatio} (target <= ${TARGET}): ${r.queryRatio <= TARGET ? 'ok' : 'ABOVE TARGET'}`,
        '',
      ].join('\n'),
    )
  }
  await handle.close()
  process.stdout.write(JSON.stringify({ bench: 'report-sqlite', runs: RUNS, target: TARGET, results }) + '\n')
}

main().catch((e) => {
  process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`)
  process.exit(1)
})
