/**
 * The TUI's Sesi Aktif screen with 10,000 active sessions, rendered by ink into a fake stdout
 * (ink-testing-library):
 *
 *   first frame: time from the moment the live sessions are read (the first snapshot resolved)
 *                to the first frame that shows them. Target: at most 300 ms.
 *   scroll step: time from a key (↓, PgDn) written to stdin to the next frame. Only the visible
 *                window is rendered, so a step costs the same for 100 or 10,000 rows.
 *   filter key:  time from a letter typed into the `/` filter to the frame with its matches.
 *   refresh:     a refresh reads only the sessions that changed: its cost with nothing changed,
 *                and the full read it replaces.
 *   re-entry:    time from switching back to Sesi Aktif to the frame with its list (kept while away).
 *
 * The 10,000 sessions are opened through the library in a temporary SQLite file.
 *
 *   npm run build && node bench/tui-render.mjs
 *   BENCH_SESSIONS=25000 node bench/tui-render.mjs
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createElement as h } from 'react'
import { render } from 'ink-testing-library'
import { createClosureService, fixedClock, migrateToLatest, openDatabase } from '../dist/src/index.js'
import { App } from '../dist/src/tui/app.js'
import { ServicesProvider, servicesFor } from '../dist/src/tui/services-context.js'

const N = Number(process.env.BENCH_SESSIONS ?? 10_000)
const STEPS = Number(process.env.BENCH_STEPS ?? 200)
const TARGET_MS = 300
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]
const fmt = (ms) => `${ms.toFixed(2)} ms`

const dir = mkdtempSync(join(tmpdir(), 'halo-tui-bench-'))
try {
  const handle = await openDatabase(join(dir, 'halo.db'))
  await migrateToLatest(handle)
  const clock = fixedClock('2026-11-24T03:00:00Z')
  const closures = createClosureService(handle, { clock })
  let t = performance.now()
  for (let i = 0; i < N; i++)
    await closures.openSession({ customerId: `c-${i}`, mitraId: `m-${i % 500}`, durationMinutes: 60 + (i % 600), status: i % 7 === 0 ? 'extending' : 'active' })
  console.log(`seeded ${N} sessions in ${((performance.now() - t) / 1000).toFixed(1)} s`)

  const base = servicesFor(handle, { actor: 'bench', clock, refreshMs: 3_600_000 })
  let loadedAt = []
  // the screen reads the first screenful (head) and then everything (snapshot): data is loaded at the first of them
  const timedLive = Object.freeze({
    ...base.live,
    head: async (limit) => {
      const head = await base.live.head(limit)
      loadedAt.push(performance.now())
      return head
    },
    snapshot: async () => {
      const snap = await base.live.snapshot()
      loadedAt.push(performance.now())
      return snap
    },
  })
  const services = Object.freeze({ ...base, live: timedLive })

  globalThis.IS_REACT_ACT_ENVIRONMENT = false
  let frames = []
  let waiter = null
  const renderAt = performance.now()
  const inst = render(h(ServicesProvider, { services }, h(App, { initialScreen: 'sessions' })))
  const write = inst.stdout.write
  inst.stdout.write = (frame) => {
    const at = performance.now()
    frames.push({ at, frame })
    write(frame)
    if (waiter !== null && waiter.test(frame)) {
      const w = waiter
      waiter = null
      w.resolve(at)
    }
  }
  const nextFrame = (test = () => true) => new Promise((resolve) => (waiter = { test, resolve }))

  const shown = `${N} live sessions`
  const firstAt = await nextFrame((f) => f.includes(shown))
  const firstMs = firstAt - loadedAt[0]
  console.log(`first frame after data loaded: ${fmt(firstMs)} (render to data loaded: ${fmt(loadedAt[0] - renderAt)}) target <= ${TARGET_MS} ms`)

  async function steps(key, count) {
    const ms = []
    for (let i = 0; i < count; i++) {
      // let React run the frame's effects (ink re-subscribes the key handler there) before the next key
      await new Promise((r) => setTimeout(r, 2))
      const p = Promise.race([
        nextFrame(),
        new Promise((_, no) => setTimeout(() => no(new Error(`no frame after key ${JSON.stringify(key)} (step ${i}, ${frames.length} frames)`)), 5000)),
      ])
      const t0 = performance.now()
      inst.stdin.write(key)
      ms.push((await p) - t0)
    }
    return ms
  }
  const down = await steps('\x1b[B', STEPS)
  const page = await steps('\x1b[6~', Math.min(STEPS, 100))
  console.log(`scroll ↓   x${down.length}: median ${fmt(pct(down, 50))}, p95 ${fmt(pct(down, 95))}, max ${fmt(Math.max(...down))}`)
  console.log(`scroll PgDn x${page.length}: median ${fmt(pct(page, 50))}, p95 ${fmt(pct(page, 95))}, max ${fmt(Math.max(...page))}`)
  const last = frames[frames.length - 1].frame.split('\n').find((l) => l.startsWith('›'))
  console.log(`cursor row after scrolling: ${last?.trim()}`)

  // a letter typed into the filter: the frame that shows the filter with it
  inst.stdin.write('/')
  await nextFrame()
  const typed = []
  for (const [i, c] of [...'m-17'].entries()) {
    const t0 = performance.now()
    const p = nextFrame((f) => f.includes(`/ ${'m-17'.slice(0, i + 1)}`))
    inst.stdin.write(c)
    typed.push((await p) - t0)
  }
  console.log(`filter key x${typed.length}: median ${fmt(pct(typed, 50))}, max ${fmt(Math.max(...typed))}`)
  inst.stdin.write('\x1b')
  await nextFrame((f) => f.includes(shown))

  // a refresh with nothing changed, against the full read it replaces
  const quiet = []
  const full = []
  let { cursor } = await base.live.snapshot()
  for (let i = 0; i < 5; i++) {
    let t0 = performance.now()
    cursor = (await base.live.changes(cursor)).cursor
    quiet.push(performance.now() - t0)
    t0 = performance.now()
    await base.live.snapshot()
    full.push(performance.now() - t0)
  }
  console.log(`refresh (changes since the last one, none): median ${fmt(pct(quiet, 50))}; a full read of ${N}: median ${fmt(pct(full, 50))}`)

  const back = []
  for (let i = 0; i < 5; i++) {
    inst.stdin.write('1')
    await nextFrame((f) => f.includes('business_timezone'))
    const t0 = performance.now()
    const p = nextFrame((f) => f.includes(shown))
    inst.stdin.write('2')
    back.push((await p) - t0)
  }
  console.log(`screen re-entered, key to frame: median ${fmt(pct(back, 50))}`)
  inst.unmount()
  await handle.close()
  const ok = firstMs <= TARGET_MS
  console.log(ok ? 'PASS' : 'FAIL')
  process.exitCode = ok ? 0 : 1
} finally {
  rmSync(dir, { recursive: true, force: true })
}
