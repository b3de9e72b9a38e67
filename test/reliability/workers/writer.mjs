// One writer process of the crash campaign (test/reliability/crash.test.ts): it writes to a SQLite file
// through the library until it is killed. It never ends on its own; any error is fatal (exit 1, on stderr).
//
// Usage: node writer.mjs '<json {kind: "simulate" | "sweep" | "end" | "migrate" | "torn", target, seed, library}>'
// (library: the built entry point to load, dist/src/index.js or a copy of it)
//
// On stdout, one line per event, written synchronously (stdout is a pipe), so the last line before a
// SIGKILL says where it landed:
//   B     a write transaction started (its first statement is about to run)
//   E     its work is done, COMMIT is about to run
//   C     COMMIT returned
//   ack N the early end of session N was acknowledged (it must survive any later kill)
import { pathToFileURL } from 'node:url'

const { kind, target, seed, library } = JSON.parse(process.argv[2])
const { UserType, createClosureService, createConfigStore, fixedClock, migrateToLatest, openDatabase, seededRandom, simulate } = await import(
  pathToFileURL(library).href
)
const rnd = seededRandom(seed)
const say = (line) => process.stdout.write(`${line}\n`)

const handle = await openDatabase(target)
/** The same handle, with each write transaction reporting B / E / C. */
const marked = Object.freeze({
  ...handle,
  async write(fn) {
    const result = await handle.write(async (trx) => {
      say('B')
      const r = await fn(trx)
      say('E')
      return r
    })
    say('C')
    return result
  },
})

function fail(what, error) {
  process.stderr.write(`${kind} worker (seed ${seed}): ${what}: ${error?.code ?? ''} ${error?.stack ?? error}\n`)
  process.exit(1)
}

/** A business day of November 2026 at a random hour, as an instant. */
const someTime = () => new Date(Date.UTC(2026, 10, rnd.int(1, 28), rnd.int(0, 23), rnd.int(0, 59)))

async function simulateForever() {
  for (let run = 0; ; run++) {
    const day = someTime().toISOString().slice(0, 10)
    const summary = await simulate(marked, {
      mitras: rnd.int(3, 8),
      sessions: rnd.int(40, 160),
      days: rnd.int(1, 3),
      endDay: day,
      seed: `${seed}-${run}`,
      batch: rnd.pick([1, 25, 500]),
    })
    if (summary.error !== undefined) fail('simulate', summary.error)
  }
}

async function sweepForever() {
  // far past every simulated day, and moving on: whatever is active or closing comes due
  const clock = fixedClock('2026-12-31T00:00:00Z')
  const closures = createClosureService(marked, { clock })
  // sessions of the day before, to expire, when nothing else is left to sweep
  const opener = fixedClock('2026-12-30T00:00:00Z')
  const opening = createClosureService(marked, { clock: opener })
  for (;;) {
    clock.advance(10 * 60_000)
    opener.advance(10 * 60_000)
    const r = await closures.sweep({ batchSize: rnd.pick([20, 100, 500]) })
    if (r.error !== undefined) fail('sweep', r.error)
    if (r.expired + r.finalized > 0) continue
    for (let i = rnd.int(50, 200); i > 0; i--) {
      const status = rnd.next() < 0.2 ? 'extending' : 'active'
      await opening.openSession({ mitraId: `sweep-m-${rnd.int(1, 5)}`, customerId: `sweep-c-${rnd.int(1, 50)}`, durationMinutes: rnd.int(1, 30), status })
    }
  }
}

async function endForever() {
  const clock = fixedClock(someTime())
  const closures = createClosureService(marked, { clock })
  const config = createConfigStore(marked, { clock })
  for (let op = 0; ; op++) {
    clock.advance(rnd.int(1, 120) * 1000)
    if (op % 25 === 24) {
      // the cap moves under the early ends, as an operator may move it
      await config.set('early_end_mitra_daily_cap', rnd.int(1, 4), { actor: 'crash-ops' })
      await config.set('early_end_mitra_over_cap_action', rnd.pick(['allow', 'block']), { actor: 'crash-ops' })
    }
    const mitraId = `crash-m-${rnd.int(1, 3)}`
    const customerId = `crash-c-${rnd.int(1, 50)}`
    const s = await closures.openSession({ mitraId, customerId, durationMinutes: rnd.int(1, 30) })
    const who = rnd.pick(['mitra', 'mitra', 'mitra', 'customer', 'support', 'none'])
    if (who === 'none') continue
    const ask =
      who === 'mitra'
        ? [UserType.MITRA, { actorId: mitraId, reason: rnd.pick(['customer_left', 'other']), note: 'crash test', idempotencyKey: `${seed}-${op}` }]
        : who === 'customer'
          ? [UserType.CUSTOMER, { actorId: customerId }]
          : [UserType.SUPPORT, { actorId: 'crash-cs', reason: 'customer_abusive' }]
    try {
      const r = await closures.initiateEarlyEnd(s.id, ...ask)
      say(`ack ${r.sessionId}`)
      // a replayed key changes nothing
      if (who === 'mitra' && rnd.next() < 0.2) await closures.initiateEarlyEnd(s.id, ...ask)
    } catch (e) {
      // refused by the cap, or a racing sweep expired the session first
      if (e?.code !== 'DAILY_CAP_REACHED' && e?.code !== 'INVALID_STATE') throw e
    }
  }
}

/** Not atomic on purpose (the harness's self-check): a kill between its two transactions leaves a closing session without its closure. */
async function tornForever() {
  const at = '2026-11-24T03:00:00.000Z'
  const closures = createClosureService(marked, { clock: fixedClock(at) })
  for (;;) {
    const s = await closures.openSession({ mitraId: 'torn-m', customerId: 'torn-c' })
    await marked.write((trx) => trx.updateTable('sessions').set({ status: 'closing', grace_ends_at: at }).where('id', '=', s.id).execute())
    await new Promise((res) => setTimeout(res, 50))
    await marked.write(async (trx) => {
      const closure = {
        session_id: s.id,
        mitra_id: 'torn-m',
        kind: 'expired',
        initiated_by: 'system',
        business_day: '2026-11-24',
        created_at: at,
        grace_ends_at: at,
      }
      await trx.insertInto('session_closures').values(closure).execute()
      await trx
        .insertInto('session_events')
        .values({ session_id: s.id, event: 'expired', from_status: 'active', to_status: 'closing', actor_type: 'system', created_at: at })
        .execute()
    })
  }
}

/** Migrates a new file once, then idles until killed. */
async function migrateThenIdle() {
  // the migrations run in one transaction the library opens through `read` (Engine.runMigrations): B marks its start
  await migrateToLatest(
    Object.freeze({
      ...marked,
      read(fn) {
        say('B')
        return handle.read(fn)
      },
    }),
  )
  say('migrated')
  setInterval(() => {}, 60_000)
}

const forever = { simulate: simulateForever, sweep: sweepForever, end: endForever, migrate: migrateThenIdle, torn: tornForever }[kind]
if (forever === undefined) fail('usage', new Error(`unknown kind ${kind}`))
forever().catch((e) => fail('write', e))
