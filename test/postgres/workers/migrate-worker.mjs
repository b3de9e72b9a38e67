// One OS process of the migrate race: waits for "go", migrates, prints the result.
import { createInterface } from 'node:readline'
import { migrateToLatest, openDatabase } from '../../../dist/src/index.js'

const handle = await openDatabase(process.argv[2], { poolSize: 2 })
await handle.db.selectNoFrom((eb) => eb.lit(1).as('one')).execute()
process.stdout.write('ready\n')
const rl = createInterface({ input: process.stdin })
await new Promise((resolve) => rl.once('line', resolve))
rl.close()
try {
  const r = await migrateToLatest(handle)
  process.stdout.write(JSON.stringify({ ok: true, ran: r.ran, applied: r.applied, pending: r.pending }) + '\n')
} catch (e) {
  process.stdout.write(JSON.stringify({ ok: false, code: e?.code, message: String(e?.message ?? e) }) + '\n')
}
await handle.close()
