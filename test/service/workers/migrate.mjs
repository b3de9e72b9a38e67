// One racing process for test/service/migrate-race.test.ts: opens the
// database, says "ready", waits for the go-file, runs migrateToLatest and
// prints one JSON line with what it ran (or the error code it got).
// Usage: node migrate.mjs '<json {target, goFile}>'
import { existsSync } from 'node:fs'
import { migrateToLatest, openDatabase } from '../../../dist/src/index.js'

const { target, goFile } = JSON.parse(process.argv[2])
const handle = await openDatabase(target)
process.stdout.write('ready\n')
while (!existsSync(goFile)) await new Promise((r) => setTimeout(r, 2))
let outcome
try {
  const r = await migrateToLatest(handle)
  outcome = { ok: true, ran: r.ran, applied: r.applied }
} catch (e) {
  outcome = { ok: false, code: e?.code ?? 'INTERNAL', message: String(e?.message ?? e) }
}
await handle.close()
process.stdout.write(JSON.stringify(outcome) + '\n')
