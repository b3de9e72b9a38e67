// One OS process of the multi-process race: opens its own pool, says "ready",
// waits for "go" on stdin, ends its share of the sessions at once, prints one
// JSON line of results. Uses the built library (npm test builds it first).
import { createInterface } from 'node:readline'
import { createClosureService, fixedClock, openDatabase, UserType } from '../../../dist/src/index.js'

const [target, mitraId, idsCsv, now, idemKey] = process.argv.slice(2)
const ids = idsCsv.split(',').map(Number)
const handle = await openDatabase(target, { poolSize: 4 })
const closures = createClosureService(handle, { clock: fixedClock(now) })
await handle.db.selectFrom('sessions').select('id').limit(1).execute() // connect before the barrier
process.stdout.write('ready\n')
const rl = createInterface({ input: process.stdin })
await new Promise((resolve) => rl.once('line', resolve))
rl.close()
const results = await Promise.all(
  ids.map((id) =>
    closures
      .initiateEarlyEnd(id, UserType.MITRA, { actorId: mitraId, reason: 'customer_left', ...(idemKey ? { idempotencyKey: idemKey } : {}) })
      .then((r) => ({ id, ok: true, replayed: r.replayed, reviewOpened: r.reviewOpened, count: r.mitraCountToday }))
      .catch((e) => ({ id, ok: false, code: e?.code ?? 'NOT_A_HALO_ERROR', message: String(e?.message ?? e) })),
  ),
)
process.stdout.write(JSON.stringify(results) + '\n')
await handle.close()
