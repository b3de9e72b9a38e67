/**
 * A drawn TUI at 25,000 live sessions (of 165,000): how fast it answers keys and what it costs idle.
 *
 * - First key: `halo-admin tui --screen sessions` in a tmux pane (100x30); the moment the first frame
 *   shows the list, ↓ is pressed and the frame that answers it (the cursor on the second row) timed;
 *   then, once it has settled, ↓ again, timed the same way: a later key. The goal (issue 21): the first
 *   key answered no slower than a later one (ratio <= 1). Medians of BENCH_RUNS runs (default 5).
 * - Idle: the CPU time (utime + stime, /proc/<pid>/stat) the TUI process uses over BENCH_IDLE_S seconds
 *   (default 10) on Sesi Aktif once it has settled, as a share of one core. Goal: <= 2%.
 *
 * The screen is read with `tmux capture-pane` every 10 ms, so times are a little late, never early.
 * Needs tmux and Linux's /proc.
 *
 *   npm run build && node bench/run-all.js tui-idle
 *   BENCH_LIVE=25000 BENCH_TOTAL=165000 BENCH_RUNS=5 BENCH_IDLE_S=10 node bench/tui-idle.mjs
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { median, q, sleep, tuiBench } from './support/tui-bench.mjs'

const LIVE = Number(process.env.BENCH_LIVE ?? 25_000)
const TOTAL = Math.max(LIVE, Number(process.env.BENCH_TOTAL ?? 165_000))
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 5))
const IDLE_S = Math.max(2, Number(process.env.BENCH_IDLE_S ?? 10))
const NOW = '2026-11-24T03:00:00.000Z'
const { bin: BIN, file, tmux, assignments } = await tuiBench('tui-idle', { live: LIVE, total: TOTAL, now: NOW })

/** Waits until the pane shows `re`; the time it took from `t0`. */
async function until(re, t0, what) {
  for (;;) {
    if (re.test(tmux('capture-pane', '-p', '-t', 'idle:tui'))) return performance.now() - t0
    if (performance.now() - t0 > 30_000) throw new Error(`no ${what} within 30 s`)
    await sleep(10)
  }
}

/** The node process the pane runs (`exec`ed, so the pane's own process). */
const panePid = () => Number(tmux('display-message', '-p', '-t', 'idle:tui', '#{pane_pid}').trim())
/** utime + stime of `pid`, in clock ticks. */
function cpuTicks(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return Number(fields[11]) + Number(fields[12])
}
const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100

async function run({ idle }) {
  const row = (n) => new RegExp(`^› #${TOTAL - n}\\s`, 'm')
  tmux(
    'new-window',
    '-t',
    'idle',
    '-n',
    'tui',
    `exec env -i TERM="$TERM" ${assignments} ${q(process.execPath)} ${q(BIN)} --db ${q(file)} tui --screen sessions`,
  )
  try {
    let t0 = performance.now()
    await until(new RegExp(`${LIVE} live sessions`), t0, 'first frame')
    t0 = performance.now()
    tmux('send-keys', '-t', 'idle:tui', 'Down')
    const first = await until(row(1), t0, 'first ↓ answered')
    await sleep(1500)
    t0 = performance.now()
    tmux('send-keys', '-t', 'idle:tui', 'Down')
    const later = await until(row(2), t0, 'later ↓ answered')
    let share
    if (idle) {
      await sleep(3000)
      const pid = panePid()
      const before = cpuTicks(pid)
      const t = performance.now()
      await sleep(IDLE_S * 1000)
      share = (cpuTicks(pid) - before) / TICKS / ((performance.now() - t) / 1000)
    }
    return { first, later, share }
  } finally {
    tmux('kill-window', '-t', 'idle:tui')
  }
}

await run({ idle: false }) // warm the file cache
const first = []
const later = []
let share = 0
for (let i = 0; i < RUNS; i++) {
  const r = await run({ idle: i === RUNS - 1 })
  first.push(r.first)
  later.push(r.later)
  if (r.share !== undefined) share = r.share
}
const ratio = median(first) / median(later)
console.log(`${TOTAL} sessions, ${LIVE} live; ${RUNS} runs`)
console.log(
  `first ↓ after the first frame answered: median ${median(first).toFixed(0)} ms (min ${Math.min(...first).toFixed(0)}, max ${Math.max(...first).toFixed(0)})`,
)
console.log(
  `a later ↓ answered:                     median ${median(later).toFixed(0)} ms (min ${Math.min(...later).toFixed(0)}, max ${Math.max(...later).toFixed(0)})`,
)
console.log(`first/later ratio ${ratio.toFixed(2)} (goal <= 1)`)
console.log(`idle on Sesi Aktif over ${IDLE_S} s: ${(share * 100).toFixed(1)}% of a core (goal <= 2%)`)
const ok = ratio <= 1 && share <= 0.02
console.log(ok ? 'PASS' : 'FAIL')
process.exitCode = ok ? 0 : 1
