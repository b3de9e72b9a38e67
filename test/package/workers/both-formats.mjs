// One process that loads halo-admin both ways, as a backend mixing `import` and `require` (or a
// CommonJS dependency of an ES-module app) does: tsc's ES modules (dist/src) and the CommonJS build
// (dist/cjs). Prints one JSON line: the export names of each, whether their HaloErrors are one
// type, and how 20 concurrent writes through a handle of each copy on one SQLite file went.
// Usage: node both-formats.mjs <sqlite file>
import { createRequire } from 'node:module'

const esm = await import('../../../dist/src/index.js')
const cjs = createRequire(import.meta.url)('../../../dist/cjs/src/index.js')
const file = process.argv[2]

const a = await esm.openDatabase(file)
await esm.migrateToLatest(a)
const b = await cjs.openDatabase(file)
const copies = [esm.createClosureService(a), cjs.createClosureService(b)]
const started = Date.now()
const writes = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => copies[i % 2].openSession({ customerId: `c-${i}`, mitraId: 'm-1' })))
const ms = Date.now() - started
let crossInstance = null
try {
  await copies[1].initiateEarlyEnd(1, cjs.UserType.MITRA, { actorId: 'm-1' })
} catch (e) {
  crossInstance = { code: e.code, esm: e instanceof esm.HaloError, cjs: e instanceof cjs.HaloError }
}
await a.close()
await b.close()
process.stdout.write(
  JSON.stringify({
    esmExports: Object.keys(esm).sort(),
    cjsExports: Object.keys(cjs)
      .filter((k) => k !== '__esModule')
      .sort(),
    writes: writes.map((w) => (w.status === 'fulfilled' ? 'ok' : (w.reason?.code ?? String(w.reason)))),
    ms,
    crossInstance,
  }) + '\n',
)
