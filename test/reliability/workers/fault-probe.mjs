// Runs library operations against a database in a process of its own (for test/reliability/faults.test.ts,
// e.g. as the unprivileged user `nobody`, since root ignores file permissions) and prints one JSON line:
// {"outcomes": [{"op", "ok", "code"?, "name"?, "message"?}]}, one per operation, in order. Operations run
// after `open` only when it succeeded.
// Usage: node fault-probe.mjs '<json {library, target, ops: string[], options?}>'
import { pathToFileURL } from 'node:url'

const { library, target, ops, options = {} } = JSON.parse(process.argv[2])
const lib = await import(pathToFileURL(library).href)
const { UserType, checkInvariants, createClosureService, createConfigStore, migrateToLatest, openDatabase, simulate } = lib

let handle
const run = {
  open: async () => (handle = await openDatabase(target, options)),
  list: () => createClosureService(handle).listSessions(),
  check: async () => {
    const r = await checkInvariants(handle)
    if (!r.ok) throw new Error(`invariants fail: ${JSON.stringify(r.checks.filter((c) => !c.ok))}`)
  },
  migrate: () => migrateToLatest(handle),
  openSession: () => createClosureService(handle).openSession({ customerId: 'c-probe', mitraId: 'm-1' }),
  earlyEnd: () => createClosureService(handle).initiateEarlyEnd(1, UserType.MITRA, { actorId: 'm-1', reason: 'customer_left' }),
  flagSet: () => createConfigStore(handle).set('early_end_mitra_daily_cap', 7, { actor: 'probe' }),
  sweep: async () => {
    const r = await createClosureService(handle, { clock: lib.fixedClock('2026-12-31T00:00:00Z') }).sweep()
    if (r.error !== undefined) throw r.error
  },
  simulate: async () => {
    const r = await simulate(handle, { days: 1, sessions: 20, endDay: '2026-11-20' })
    if (r.error !== undefined) throw Object.assign(new Error(r.error.message), { name: 'HaloError', code: r.error.code })
  },
}

const outcomes = []
for (const op of ops) {
  try {
    await run[op]()
    outcomes.push({ op, ok: true })
  } catch (e) {
    outcomes.push({ op, ok: false, code: e?.code, name: e?.name, message: String(e?.message ?? e) })
    if (op === 'open') break
  }
}
await handle?.close()
process.stdout.write(`${JSON.stringify({ outcomes })}\n`)
