// One OS process of the event-feed race: opens sessions, ends some early, posts goodbyes and sweeps,
// each a transaction of its own; the "slow" kind also writes inside a transaction of its own that it
// holds open a while (a backend calling the library inside its own transaction), so an event id it
// took stays uncommitted while other processes commit later ids.
import { createInterface } from 'node:readline'
import { createClosureService, openDatabase, UserType } from '../../../dist/src/index.js'

const [target, name, kind, rounds] = process.argv.slice(2)
const handle = await openDatabase(target, { poolSize: 2 })
const closures = createClosureService(handle)
await handle.db.selectFrom('sessions').select('id').limit(1).execute()
process.stdout.write('ready\n')
const rl = createInterface({ input: process.stdin })
await new Promise((resolve) => rl.once('line', resolve))
rl.close()
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
let written = 0
for (let i = 0; i < Number(rounds); i++) {
  const mitra = `${name}-m${i % 3}`
  if (kind === 'slow') {
    await handle.write(async () => {
      await closures.openSession({ mitraId: mitra, customerId: `${name}-c${i}` })
      await sleep(40)
    })
    written++
    continue
  }
  const s = await closures.openSession({ mitraId: mitra, customerId: `${name}-c${i}`, durationMinutes: 1 })
  written++
  if (i % 2 === 0) {
    await closures.initiateEarlyEnd(s.id, UserType.SUPPORT, { actorId: 'cs-1', reason: 'customer_left' })
    await closures.postGoodbye(s.id, UserType.MITRA, { actorId: mitra, message: 'bye' })
    written += 2
  }
}
process.stdout.write(JSON.stringify({ written }) + '\n')
await handle.close()
