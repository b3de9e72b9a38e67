// A write nested in another on one SQLite file, through the ES modules (dist/src) and the CommonJS
// build (dist/cjs) in one process, and a write started from a callback that began before the outer
// write. Prints one JSON line: for each case, how each write ended (`ok`, a HaloError code, or `hung`
// after 10 s) and how long the outer one took.
// Usage: node nested-writes.mjs <sqlite file>
import { createRequire } from 'node:module'

const esm = await import('../../../dist/src/index.js')
const cjs = createRequire(import.meta.url)('../../../dist/cjs/src/index.js')
const file = process.argv[2]
const BUSY_MS = 800

const a = await esm.openDatabase(file, { busyTimeoutMs: BUSY_MS })
await esm.migrateToLatest(a)
const b = await cjs.openDatabase(file, { busyTimeoutMs: BUSY_MS })

const settle = (p) =>
  Promise.race([
    p.then(
      () => 'ok',
      (e) => (e instanceof esm.HaloError ? e.code : String(e)),
    ),
    new Promise((resolve) => setTimeout(resolve, 10_000, 'hung').unref()),
  ])

/** `inner()` awaited inside `outer`'s write; returns how both ended and the outer's time. */
async function nested(outer, inner) {
  const started = Date.now()
  let innerEnded
  const outerEnded = await settle(
    outer.write(async () => {
      innerEnded = await settle(inner())
    }),
  )
  return { outer: outerEnded, inner: innerEnded, ms: Date.now() - started }
}

/** A write whose callback began before `outer`'s write (a `.then` registered earlier), awaited inside it. */
async function startedBefore(outer, innerHandle) {
  let release
  const gate = new Promise((resolve) => (release = resolve))
  const inner = settle(gate.then(() => innerHandle.write(async () => 'inner')))
  const started = Date.now()
  const outerEnded = await settle(
    outer.write(async () => {
      release()
      await inner
    }),
  )
  return { outer: outerEnded, inner: await inner, ms: Date.now() - started }
}

const result = {
  esmInCjs: await nested(b, () => a.write(async () => 1)),
  cjsInEsm: await nested(a, () => b.write(async () => 1)),
  sameHandle: await nested(a, () => a.write(async () => 1)),
  startedBeforeSameCopy: await startedBefore(a, a),
  startedBeforeOtherCopy: await startedBefore(a, b),
}
// a queue longer than the busy timeout, each write in it finishing in time: all of them commit
const slow = (h) => h.write(() => new Promise((resolve) => setTimeout(resolve, 100)))
const queueStarted = Date.now()
result.longQueue = {
  writes: await Promise.all(Array.from({ length: 20 }, (_, i) => settle(slow(i % 2 === 0 ? a : b)))),
  ms: Date.now() - queueStarted,
}
// and the file takes writes from both copies afterwards
result.after = [await settle(a.write(async () => 1)), await settle(b.write(async () => 1))]
await a.close()
await b.close()
process.stdout.write(JSON.stringify(result) + '\n')
process.exit(0)
