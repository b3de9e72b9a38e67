// One OS process of the event-feed race: opens sessions, ends some early, posts goodbyes and sweeps,
// each a transaction of its own; the "slow" kind also writes inside a transaction of its own that it
// holds open a while (a backend calling the library inside its own transaction), so an event id it
// took stays uncommitted while other processes commit later ids. The "early" kind takes its transaction
// id first, then ends the newest session another process opened meanwhile (issue 18: ordered by the
// writer's own id, that end came before the opening).
import { createInterface } from 'node:readline'
import { sql } from 'kysely'
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
/** Another process ended the session first: nothing written. */
const alreadyEnded = (e) => (e?.code === 'INVALID_STATE' ? 0 : Promise.reject(e))
for (let i = 0; i < Number(rounds); i++) {
  const mitra = `${name}-m${i % 3}`
  if (kind === 'early') {
    const ended = await handle
      .write(async (trx) => {
        await sql`select pg_current_xact_id()`.execute(trx)
        await sleep(20)
        const s = await trx.selectFrom('sessions').select('id').where('status', '=', 'active').orderBy('id', 'desc').limit(1).executeTakeFirst()
        if (s === undefined) return 0
        await closures.initiateEarlyEnd(s.id, UserType.SUPPORT, { actorId: 'cs-2', reason: 'customer_left' })
        return 1
      })
      .catch(alreadyEnded)
    written += ended
    continue
  }
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
    // an "early" process may have ended it first
    written += await closures
      .initiateEarlyEnd(s.id, UserType.SUPPORT, { actorId: 'cs-1', reason: 'customer_left' })
      .then(() => 1)
      .catch(alreadyEnded)
    await closures.postGoodbye(s.id, UserType.MITRA, { actorId: mitra, message: 'bye' })
    written++
  }
}
process.stdout.write(JSON.stringify({ written }) + '\n')
await handle.close()
