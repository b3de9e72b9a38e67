// One racing process for test/service/cap-race.test.ts: opens the database,
// says "ready", waits for the go-file, then ends its sessions as their mitra
// all at once and prints one JSON line with every outcome.
// Usage: node end-sessions.mjs '<json {target, now, mitraId, sessionIds, goFile}>'
import { existsSync } from 'node:fs'
import { createClosureService, fixedClock, openDatabase, UserType } from '../../../dist/src/index.js'

const { target, now, mitraId, sessionIds, goFile } = JSON.parse(process.argv[2])
const handle = await openDatabase(target)
const closures = createClosureService(handle, { clock: fixedClock(now) })
process.stdout.write('ready\n')
while (!existsSync(goFile)) await new Promise((r) => setTimeout(r, 2))

const outcomes = await Promise.all(
  sessionIds.map((id) =>
    closures.initiateEarlyEnd(id, UserType.MITRA, { actorId: mitraId, reason: 'customer_left' }).then(
      (r) => ({ id, ok: true, overCap: r.overCap, reviewId: r.reviewId, reviewOpened: r.reviewOpened, count: r.mitraCountToday }),
      (e) => ({ id, ok: false, code: e?.code ?? 'INTERNAL', name: e?.name, message: String(e?.message ?? e) }),
    ),
  ),
)
await handle.close()
process.stdout.write(JSON.stringify({ pid: process.pid, outcomes }) + '\n')
