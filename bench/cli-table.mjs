/**
 * `session list` of 10,000 sessions as a table for people against the same list as `--json`, in the
 * same run, as a ratio: the table must cost at most twice the JSON (issue 11; cli-table3 made it 59 s
 * against 0.9 s at 20,000 rows, quadratic in the rows). Also 20,000 rows, to show the table's time
 * grows with the rows as the JSON's does. Each command runs as a user runs it, stdout to a pipe;
 * the median of a few runs counts.
 *
 *   npm run build && node bench/run-all.js cli-table
 */
import Database from 'better-sqlite3'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { childEnv } from './support/child-env.mjs'

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)))
const BIN = join(ROOT, 'bin', 'halo-admin.js')
const NOW = '2026-11-24T03:00:00Z'
const TARGET = 2
const RUNS = 3

/** A migrated SQLite file with `n` live sessions, written straight into the table (bench data, no rules). */
async function liveSessions(file, n) {
  const { openDatabase, migrateToLatest } = await import('../dist/src/index.js')
  const h = await openDatabase(file)
  await migrateToLatest(h)
  await h.close()
  const raw = new Database(file)
  const insert = raw.prepare(`insert into sessions (customer_id, mitra_id, status, started_at, ends_at) values (?, ?, ?, ?, ?)`)
  raw.transaction(() => {
    for (let i = 0; i < n; i++) {
      const started = new Date(Date.parse(NOW) - (n - i) * 1000).toISOString()
      const ends = new Date(Date.parse(started) + 3_600_000).toISOString()
      insert.run(`cust-${String(i).padStart(6, '0')}`, `mitra-${String(i % 400).padStart(4, '0')}`, i % 5 === 0 ? 'extending' : 'active', started, ends)
    }
  })()
  raw.close()
}

function timed(args) {
  const t0 = performance.now()
  const r = spawnSync(process.execPath, [BIN, ...args], { env: childEnv({ HALO_NOW: NOW, HALO_ACTOR: 'bench' }), encoding: 'utf8', maxBuffer: 1 << 30 })
  const ms = performance.now() - t0
  if (r.status !== 0) throw new Error(`halo-admin ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(-500)}`)
  return { ms, lines: r.stdout.split('\n').length - 1 }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

function measure(file, n) {
  const list = ['--db', file, 'session', 'list', '--limit', String(n)]
  const table = []
  const json = []
  let tableLines = 0
  for (let i = 0; i < RUNS; i++) {
    const t = timed(list)
    tableLines = t.lines
    table.push(t.ms)
    json.push(timed(['--json', ...list]).ms)
  }
  // the header, a row per session, and the line saying how to get the next page (there is none here)
  if (tableLines < n + 1) throw new Error(`the table has ${tableLines} lines for ${n} sessions`)
  return { table: median(table), json: median(json) }
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'halo-bench-table-'))
  try {
    const out = []
    for (const n of [10_000, 20_000]) {
      const file = join(dir, `live-${n}.db`)
      await liveSessions(file, n)
      const m = measure(file, n)
      out.push({ rows: n, tableMs: Math.round(m.table), jsonMs: Math.round(m.json), ratio: Number((m.table / m.json).toFixed(2)) })
    }
    const [ten] = out
    process.stdout.write(
      [
        ...out.map((o) => `session list --limit ${o.rows}: table ${o.tableMs} ms, --json ${o.jsonMs} ms: ratio ${o.ratio.toFixed(2)}`),
        `target at 10,000 rows: table <= ${TARGET}x --json: ${ten.ratio <= TARGET ? 'ok' : 'ABOVE TARGET'}`,
        '',
      ].join('\n'),
    )
    process.stdout.write(`${JSON.stringify({ bench: 'cli-table', runs: RUNS, target: TARGET, results: out })}\n`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((e) => {
  process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`)
  process.exit(1)
})
