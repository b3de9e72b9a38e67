// One backend instance of the pooler race: its own pool on `target` (through PgBouncer), a mixed load
// as a backend runs it (early ends of its share of the sessions, reviews listed, sessions listed, the
// mitra app's config read, sweeps, flags read), released by "go" on stdin. Prints one JSON line:
// every outcome by code, and any error that is not a HaloError or not one of the contract's refusals.
import { createInterface } from 'node:readline'
import { createClosureService, createConfigStore, createReviewService, fixedClock, openDatabase, UserType } from '../../../dist/src/index.js'

// ids and the mitra of each, in the same order
const [target, idsCsv, mitrasCsv, now] = process.argv.slice(2)
const ids = idsCsv.split(',').map(Number)
const mitras = mitrasCsv.split(',')
const handle = await openDatabase(target, { poolSize: 4 })
const clock = fixedClock(now)
const closures = createClosureService(handle, { clock })
const reviews = createReviewService(handle, { clock })
const config = createConfigStore(handle, { clock })
process.stdout.write('ready\n')
const rl = createInterface({ input: process.stdin })
await new Promise((resolve) => rl.once('line', resolve))
rl.close()

const outcomes = {}
const unexpected = []
const count = (code) => (outcomes[code] = (outcomes[code] ?? 0) + 1)
/** What the contract lets a racing early end be refused with. */
const REFUSALS = new Set(['DAILY_CAP_REACHED', 'INVALID_STATE'])
const attempt = async (what, fn, refusals = new Set()) => {
  try {
    await fn()
    count(`${what}:ok`)
  } catch (e) {
    const code = e?.name === 'HaloError' ? e.code : 'NOT_A_HALO_ERROR'
    count(`${what}:${code}`)
    if (!refusals.has(code)) unexpected.push(`${what}: ${code}: ${String(e?.message ?? e).slice(0, 300)}`)
  }
}
await Promise.all(
  ids.map(async (id, i) => {
    const mitra = mitras[i]
    await attempt('end', () => closures.initiateEarlyEnd(id, UserType.MITRA, { actorId: mitra, reason: 'customer_left' }), REFUSALS)
    await attempt('reviews', async () => {
      const list = await reviews.list({})
      if (!Array.isArray(list)) throw new Error(`reviews.list gave ${typeof list}`)
    })
    await attempt('sessions', async () => {
      const list = await closures.listSessions({ mitraId: mitra })
      if (!Array.isArray(list)) throw new Error(`listSessions gave ${typeof list}`)
    })
    await attempt('clientConfig', () => closures.clientConfig(UserType.MITRA, mitra))
    await attempt('flags', () => config.list())
    if (i % 5 === 0) await attempt('sweep', () => closures.sweep())
  }),
)
process.stdout.write(JSON.stringify({ outcomes, unexpected }) + '\n')
await handle.close()
