// One racing process for test/service/guard-race.test.ts: opens the database, says "ready", waits for
// the go-file, then ends each of its sessions as that session's own mitra, `inFlight` at a time, and
// prints one JSON line with every outcome.
// Usage: node end-own-sessions.mjs '<json {target, now, sessions: [[id, mitraId], …], inFlight, goFile}>'
import { existsSync } from 'node:fs'
import { createClosureService, fixedClock, openDatabase, UserType } from '../../../dist/src/index.js'

const { target, now, sessions, inFlight, goFile } = JSON.parse(process.argv[2])
const handle = await openDatabase(target, { poolSize: inFlight })
const closures = createClosureService(handle, { clock: fixedClock(now) })
await handle.db.selectFrom('sessions').select('id').limit(1).execute() // connect before the barrier
process.stdout.write('ready\n')
while (!existsSync(goFile)) await new Promise((r) => setTimeout(r, 2))

const queue = [...sessions]
const outcomes = []
async function lane() {
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const [id, mitraId] = next
    outcomes.push(
      await closures.initiateEarlyEnd(id, UserType.MITRA, { actorId: mitraId, reason: 'customer_left' }).then(
        () => ({ id, ok: true }),
        (e) => ({ id, ok: false, code: e?.code ?? 'INTERNAL', message: String(e?.message ?? e) }),
      ),
    )
  }
}
await Promise.all(Array.from({ length: inFlight }, lane))
await handle.close()
process.stdout.write(JSON.stringify({ pid: process.pid, outcomes }) + '\n')
