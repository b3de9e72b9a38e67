/**
 * Peak memory of `report closures --detail --format csv` exporting 1,000,000 closures (one CSV line
 * per closure, streamed page by page) from a SQLite file. Peak RSS of the child process from
 * /usr/bin/time -v ("Maximum resident set size"). Target: at most 150 MB. The bench also checks the
 * file has 1,000,001 lines (header + one per closure).
 *
 *   npm run build && node bench/run-all.js csv-rss
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, openSync, closeSync, rmSync, createReadStream, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { cachedMillionClosures } from './support/closure-data.mjs'
import { childEnv } from './support/child-env.mjs'

const TARGET_MB = 150
const ROOT = dirname(dirname(fileURLToPath(import.meta.url)))
const BIN = join(ROOT, 'bin', 'halo-admin.js')

async function countLines(file) {
  let n = 0
  for await (const chunk of createReadStream(file)) for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) n++
  return n
}

async function main() {
  const data = await cachedMillionClosures()
  const dir = mkdtempSync(join(tmpdir(), 'halo-bench-csv-'))
  try {
    const out = join(dir, 'closures.csv')
    const fd = openSync(out, 'w')
    const t0 = performance.now()
    const r = spawnSync(
      '/usr/bin/time',
      ['-v', process.execPath, BIN, 'report', 'closures', '--detail', '--format', 'csv', '--from', data.from, '--to', data.to],
      {
        env: childEnv({ HALO_DB: data.file }),
        stdio: ['ignore', fd, 'pipe'],
        encoding: 'utf8',
      },
    )
    const ms = performance.now() - t0
    closeSync(fd)
    if (r.status !== 0) throw new Error(`halo-admin exited ${r.status}: ${r.stderr.slice(-500)}`)
    const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)
    if (m === null) throw new Error('no peak RSS from /usr/bin/time')
    const peakMb = Number(m[1]) / 1024
    const lines = await countLines(out)
    if (lines !== 1_000_001) throw new Error(`expected 1,000,001 CSV lines, got ${lines}`)
    process.stdout.write(
      [
        `report closures --detail --format csv, 1,000,000 rows (${(statSync(out).size / 1e6).toFixed(0)} MB of CSV in ${(ms / 1000).toFixed(1)} s):`,
        `  peak RSS ${peakMb.toFixed(1)} MB (target <= ${TARGET_MB} MB): ${peakMb <= TARGET_MB ? 'ok' : 'ABOVE TARGET'}`,
        '',
      ].join('\n'),
    )
    process.stdout.write(
      JSON.stringify({
        bench: 'csv-rss',
        rows: 1_000_000,
        peakRssMb: Number(peakMb.toFixed(1)),
        seconds: Number((ms / 1000).toFixed(1)),
        targetMb: TARGET_MB,
      }) + '\n',
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((e) => {
  process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`)
  process.exit(1)
})
