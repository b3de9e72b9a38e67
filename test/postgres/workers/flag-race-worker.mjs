// One OS process of the kill-switch race: ends its sessions one after another, each as its own
// mitra, on the system clock, and reports each outcome. The test flips early_end_mitra_enabled off
// while these run. Uses the built library (npm test builds it first).
import { createInterface } from 'node:readline'
import { createClosureService, openDatabase, UserType } from '../../../dist/src/index.js'

const [target, idsCsv] = process.argv.slice(2)
const ids = idsCsv.split(',').map(Number)
const handle = await openDatabase(target, { poolSize: 2 })
const closures = createClosureService(handle)
await handle.db.selectFrom('sessions').select('id').limit(1).execute() // connect before the barrier
process.stdout.write('ready\n')
const rl = createInterface({ input: process.stdin })
await new Promise((resolve) => rl.once('line', resolve))
rl.close()
const results = []
for (const id of ids) {
  const mitra = `m-${id}`
  results.push(
    await closures
      .initiateEarlyEnd(id, UserType.MITRA, { actorId: mitra, reason: 'customer_left' })
      .then(() => ({ id, ok: true }))
      .catch((e) => ({ id, ok: false, code: e?.code ?? 'NOT_A_HALO_ERROR', message: String(e?.message ?? e) })),
  )
}
process.stdout.write(JSON.stringify(results) + '\n')
await handle.close()
