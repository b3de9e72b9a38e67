/**
 * Faults at library level: a SQLite file locked by another process past the busy timeout, a read-only
 * file or directory, a corrupted file, a database migrated by a newer halo-admin, a PostgreSQL server
 * stopped in the middle of a run. Each gives a HaloError DB_ERROR with one clear line (never a raw
 * driver error, a stack or a hang) and writes nothing. (test/postgres/failures.test.ts covers a backend
 * killed mid-transaction, crash-restarts, a stopped server between calls and lock timeouts.)
 */
import { spawn, spawnSync } from 'node:child_process'
import { chmodSync, closeSync, existsSync, openSync, writeSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sql } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import {
  UserType,
  checkInvariants,
  createClosureService,
  createConfigStore,
  fixedClock,
  migrateToLatest,
  openDatabase,
  simulate,
  type HaloDatabase,
} from '../../src/index.js'
import { withDatabase } from '../global-setup.js'
import { ENGINES, ON_POSTGRES, createTestDatabase, type EngineName } from '../support/engines.js'
import { fingerprint } from '../support/fingerprint.mjs'
import { counterOf, ensureBuilt, expectDbError, expectOneLineDbError, tableCounts } from '../support/fixtures.js'
import { startCluster, type Cluster } from '../support/pg-cluster.js'
import { NOW } from '../support/time.js'

const LOCK_HOLDER = fileURLToPath(new URL('./workers/lock-holder.mjs', import.meta.url))
const PROBE = fileURLToPath(new URL('./workers/fault-probe.mjs', import.meta.url))

/** Outcomes of a probe process (workers/fault-probe.mjs). */
interface Outcome {
  op: string
  ok: boolean
  code?: string
  name?: string
  message?: string
}

function expectProbeDbError(o: Outcome | undefined, message: RegExp): void {
  expect(o, 'the operation ran').toBeDefined()
  expect(o, JSON.stringify(o)).toMatchObject({ ok: false, code: 'DB_ERROR', name: 'HaloError' })
  expect(o!.message).toMatch(message)
  expect(o!.message).not.toMatch(/\n/)
}

/** A migrated SQLite file with mitra early ends on, a cap of 1 and three sessions of m-1 (ids 1-3); closed. */
async function sqliteFile(): Promise<string> {
  const db = await createTestDatabase('sqlite')
  onTestFinished(db.drop)
  const h = await openDatabase(db.target)
  await populate(h)
  await h.close()
  return db.target
}

async function populate(h: HaloDatabase): Promise<void> {
  const config = createConfigStore(h, { clock: fixedClock(NOW) })
  await config.set('early_end_mitra_enabled', true, { actor: 'ops' })
  await config.set('early_end_mitra_daily_cap', 1, { actor: 'ops' })
  const closures = createClosureService(h, { clock: fixedClock(NOW) })
  for (let i = 0; i < 3; i++) await closures.openSession({ customerId: `c-${i}`, mitraId: 'm-1' })
}

/**
 * Every write the library offers, on `h`; each must fail with DB_ERROR whose message matches. With
 * `migrate`, migrateToLatest too (it takes the writer lock even when there is nothing to migrate).
 */
async function expectEveryWriteRefused(h: HaloDatabase, message: RegExp, options: { within?: number; migrate?: boolean } = {}): Promise<void> {
  const { within = 5000, migrate = false } = options
  const closures = createClosureService(h, { clock: fixedClock(NOW) })
  const writes: Array<[string, () => Promise<unknown>]> = [
    ['early end', () => closures.initiateEarlyEnd(1, UserType.MITRA, { actorId: 'm-1', reason: 'customer_left' })],
    ['open session', () => closures.openSession({ customerId: 'c-9', mitraId: 'm-1' })],
    ['flag set', () => createConfigStore(h).set('early_end_mitra_daily_cap', 5, { actor: 'ops' })],
    ...(migrate ? [['migrate', () => migrateToLatest(h)] as [string, () => Promise<unknown>]] : []),
  ]
  for (const [what, write] of writes) {
    const e = await expectDbError(write(), within)
    expect(e.message, what).toMatch(message)
  }
  // the batch operations report the failure in their result
  const swept = await createClosureService(h, { clock: fixedClock('2026-12-31T00:00:00Z') }).sweep()
  expect(swept).toMatchObject({ expired: 0, finalized: 0 })
  expect(expectOneLineDbError(swept.error).message).toMatch(message)
  const simulated = await simulate(h, { days: 1, sessions: 20, endDay: '2026-11-20' })
  expect(simulated.error).toMatchObject({ code: 'DB_ERROR', message: expect.stringMatching(message) })
  expect(simulated.sessions).toBe(0)
}

let library: string
beforeAll(() => {
  library = ensureBuilt()
}, 120_000)

/**
 * Holds what every write needs from another process: SQLite's writer lock (a process in BEGIN IMMEDIATE),
 * PostgreSQL's tables in EXCLUSIVE mode (reads go on, writes wait). Returns the release.
 */
async function holdWriterLock(engine: EngineName, target: string): Promise<() => Promise<void>> {
  if (engine === 'postgres') {
    const holder = new pg.Client({ connectionString: target })
    await holder.connect()
    const tables = (await holder.query(`select tablename from pg_tables where schemaname = 'public' and tablename not like 'kysely%'`)).rows.map(
      (r) => r.tablename,
    )
    await holder.query('begin')
    await holder.query(`lock table ${tables.join(', ')} in exclusive mode`)
    let released = false
    const release = async () => {
      if (!released) await holder.query('rollback').then(() => holder.end())
      released = true
    }
    onTestFinished(release)
    return release
  }
  const holder = spawn(process.execPath, [LOCK_HOLDER, target], { stdio: ['pipe', 'pipe', 'inherit'] })
  const gone = new Promise((r) => holder.on('close', r))
  const release = async () => {
    holder.stdin.end()
    await gone
  }
  onTestFinished(release)
  await new Promise<void>((resolve, reject) => {
    holder.stdout.on('data', (d: Buffer) => d.toString().includes('locked') && resolve())
    holder.on('close', (code) => reject(new Error(`lock holder exited ${code}`)))
  })
  return release
}

describe.each(ENGINES)('%s: another process holds the lock every write needs, past busyTimeoutMs', (engine: EngineName) => {
  it('refuses every write with DB_ERROR (busy) after busyTimeoutMs, still reads, writes nothing, and works once the lock is gone', async () => {
    const db = await createTestDatabase(engine)
    onTestFinished(db.drop)
    const h0 = await openDatabase(db.target)
    await populate(h0)
    await h0.close()
    const release = await holdWriterLock(engine, db.target)

    const h = await openDatabase(db.target, { busyTimeoutMs: 200 })
    onTestFinished(() => h.close())
    const before = await tableCounts(h)
    const started = Date.now()
    // SQLite's migrateToLatest takes the writer lock even with nothing to migrate; PostgreSQL's only reads then
    await expectEveryWriteRefused(h, /busy/, { within: 2000, migrate: engine === 'sqlite' })
    // every write waited its 200 ms, none the default 5 s
    expect(Date.now() - started).toBeLessThan(6 * 1500)
    // readers do not wait for the writer
    expect((await checkInvariants(h)).ok).toBe(true)
    expect(await tableCounts(h)).toEqual(before)

    await release()
    const r = await createClosureService(h, { clock: fixedClock(NOW) }).initiateEarlyEnd(1, UserType.MITRA, { actorId: 'm-1', reason: 'customer_left' })
    expect(r.reviewOpened).toBe(true)
  })
})

/** `node <script> <json>` as the unprivileged `nobody` when we are root (root ignores file permissions). */
function runAsNobody(script: string, arg: unknown): { outcomes: Outcome[] } {
  const node = [process.execPath, script, JSON.stringify(arg)]
  const [cmd, ...args] = process.getuid?.() === 0 ? ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', ...node] : node
  const r = spawnSync(cmd!, args, { encoding: 'utf8', timeout: 30_000 })
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'))
  if (r.status !== 0 || line === undefined) throw new Error(`probe failed (${r.status ?? r.signal}): ${r.stderr || r.stdout}`)
  return JSON.parse(line)
}

const WRITES = ['openSession', 'earlyEnd', 'flagSet', 'sweep', 'simulate'] as const

describe('SQLite: read-only files and directories', () => {
  it('reads a read-only file (checkInvariants included, migrate with nothing to do) and refuses every write with DB_ERROR, the file untouched', async () => {
    const file = await sqliteFile()
    // the directory stays writable (SQLite keeps its -shm next to the file); only the file is read-only
    chmodSync(dirname(file), 0o777)
    chmodSync(file, 0o444)
    const before = fingerprint(file)
    const { outcomes } = runAsNobody(PROBE, { library, target: file, ops: ['open', 'list', 'check', 'migrate', ...WRITES] })
    expect(outcomes.slice(0, 4)).toEqual([
      { op: 'open', ok: true },
      { op: 'list', ok: true },
      { op: 'check', ok: true },
      { op: 'migrate', ok: true },
    ])
    for (const op of WRITES)
      expectProbeDbError(
        outcomes.find((o) => o.op === op),
        /readonly|read-only/i,
      )
    expect(fingerprint(file)).toBe(before)
  })

  it('refuses to open a database in a read-only directory (DB_ERROR, one line), existing or new, and creates nothing', async () => {
    const file = await sqliteFile()
    const dir = dirname(file)
    chmodSync(file, 0o666)
    chmodSync(dir, 0o555)
    onTestFinished(() => chmodSync(dir, 0o755))
    const before = fingerprint(file)
    const existing = runAsNobody(PROBE, { library, target: file, ops: ['open', 'list'] }).outcomes
    expect(existing).toHaveLength(1)
    expectProbeDbError(existing[0], /cannot open database/)
    const fresh = runAsNobody(PROBE, { library, target: join(dir, 'new.db'), ops: ['open', 'migrate'] }).outcomes
    expect(fresh).toHaveLength(1)
    expectProbeDbError(fresh[0], /cannot open database .*new\.db/)
    expect(existsSync(join(dir, 'new.db'))).toBe(false)
    expect(fingerprint(file)).toBe(before)
  })

  it('opened with { readonly: true }, reads and refuses every write with DB_ERROR', async () => {
    const file = await sqliteFile()
    const before = fingerprint(file)
    const h = await openDatabase(file, { readonly: true })
    onTestFinished(() => h.close())
    expect(await createClosureService(h).listSessions()).toHaveLength(3)
    expect((await migrateToLatest(h)).ran).toEqual([])
    await expectEveryWriteRefused(h, /readonly/)
    await h.close()
    expect(fingerprint(file)).toBe(before)
  })
})

describe('SQLite: a corrupted file', () => {
  it('refuses to open a file whose header is garbage (DB_ERROR, one line) and leaves it as it was', async () => {
    const file = await sqliteFile()
    const fd = openSync(file, 'r+')
    writeSync(fd, Buffer.alloc(100, 0xa5), 0, 100, 0)
    closeSync(fd)
    const before = fingerprint(file)
    const e = await expectDbError(openDatabase(file))
    expect(e.message).toMatch(/cannot open database .*not a database/)
    expect(fingerprint(file)).toBe(before)
  })

  it('fails an early end whose last write meets a garbage page with DB_ERROR and keeps nothing of it; the check names the damage', async () => {
    const file = await sqliteFile()
    const h0 = await openDatabase(file)
    const rows = await sql<{
      rootpage: number
      page_size: number
    }>`select rootpage, (select page_size from pragma_page_size) as page_size from sqlite_master where name = 'session_events'`.execute(h0.db)
    await h0.close()
    const { rootpage, page_size } = rows.rows[0]!
    const fd = openSync(file, 'r+')
    writeSync(fd, Buffer.alloc(page_size, 0x5a), 0, page_size, (rootpage - 1) * page_size)
    closeSync(fd)
    const before = fingerprint(file)

    const h = await openDatabase(file)
    onTestFinished(() => h.close())
    const closures = createClosureService(h, { clock: fixedClock(NOW) })
    // the review, the counter, the session and the closure are written before the event: none stays
    const e = await expectDbError(closures.initiateEarlyEnd(1, UserType.MITRA, { actorId: 'm-1', reason: 'customer_left' }))
    expect(e.message).toMatch(/malformed/)
    // (getSession reads the session's events too, which sit on the damaged page)
    expect(await h.db.selectFrom('sessions').select('status').where('id', '=', 1).executeTakeFirst()).toEqual({ status: 'active' })
    expect(await h.db.selectFrom('session_closures').select('id').execute()).toEqual([])
    expect(await counterOf(h, 'm-1', '2026-11-24')).toBe(0)
    expect(await h.db.selectFrom('cc_reviews').select('id').execute()).toEqual([])
    const report = await checkInvariants(h)
    expect(report.checks[0]).toMatchObject({ name: 'sqlite_integrity', ok: false })
    await h.close()
    expect(fingerprint(file)).toBe(before)
  })
})

describe('SQLite: the database is full (SQLITE_FULL, as on a full disk; made with PRAGMA max_page_count)', () => {
  it('refuses writes with DB_ERROR; a batched simulate reports it in its summary (was a raw "no such savepoint") and keeps only whole batches', async () => {
    const file = await sqliteFile()
    const h = await openDatabase(file)
    onTestFinished(() => h.close())
    const pages = (await sql<{ page_count: number }>`pragma page_count`.execute(h.db)).rows[0]!.page_count
    // room for a few pages more: the first batch does not fit
    await sql.raw(`pragma max_page_count = ${pages + 3}`).execute(h.db)
    for (const batch of [500, 20]) {
      const before = (await tableCounts(h)).sessions
      const summary = await simulate(h, { days: 2, sessions: 200, endDay: '2026-11-20', batch })
      expect(summary.error, `batch ${batch}`).toMatchObject({ code: 'DB_ERROR', message: expect.stringMatching(/full/) })
      // what the summary counts is exactly what was committed
      expect((await tableCounts(h)).sessions - before).toBe(summary.sessions)
    }
    const closures = createClosureService(h, { clock: fixedClock(NOW) })
    const opening = async () => {
      for (;;) await closures.openSession({ customerId: 'c-full', mitraId: 'm-full' })
    }
    expect((await expectDbError(opening())).message).toMatch(/full/)
    expect((await checkInvariants(h, { integrity: 'full' })).checks.filter((c) => !c.ok)).toEqual([])
  })
})

describe.each(ENGINES)('a database migrated by a newer halo-admin, on %s', (engine: EngineName) => {
  it('is refused by migrateToLatest with DB_ERROR, and nothing is written (SQLite: not a byte)', async () => {
    const db = await createTestDatabase(engine)
    onTestFinished(db.drop)
    const h0 = await openDatabase(db.target)
    await populate(h0)
    await h0.db
      .insertInto('kysely_migration' as never)
      .values({ name: '9999-from-the-future', timestamp: NOW } as never)
      .execute()
    await h0.close()
    const before = engine === 'sqlite' ? fingerprint(db.target) : ''

    const h = await openDatabase(db.target)
    onTestFinished(() => h.close())
    const counts = await tableCounts(h)
    const migrations = await h.db
      .selectFrom('kysely_migration' as never)
      .selectAll()
      .execute()
    const e = await expectDbError(migrateToLatest(h))
    expect(e.message).toMatch(/newer halo-admin.*9999-from-the-future/)
    expect(await tableCounts(h)).toEqual(counts)
    expect(
      await h.db
        .selectFrom('kysely_migration' as never)
        .selectAll()
        .execute(),
    ).toEqual(migrations)
    if (engine === 'sqlite') {
      await h.close()
      expect(fingerprint(db.target)).toBe(before)
    }
  })
})

describe.runIf(ON_POSTGRES)('PostgreSQL: the server stops in the middle of a run (private cluster)', () => {
  let cluster: Cluster
  let counter = 0

  beforeAll(async () => {
    cluster = await startCluster()
  })
  afterAll(() => cluster?.stop())

  async function database(): Promise<string> {
    const name = `halo_fault_${counter++}`
    const admin = new pg.Client({ connectionString: cluster.url })
    await admin.connect()
    await admin.query(`create database ${name}`)
    await admin.end()
    const target = withDatabase(cluster.url, name)
    const h = await openDatabase(target)
    await migrateToLatest(h)
    await populate(h)
    await createConfigStore(h).set('early_end_mitra_daily_cap', 3, { actor: 'ops' })
    await h.close()
    return target
  }

  /**
   * Back up after a stop mid-run: every invariant holds, and the rows a run wrote are exactly what it
   * counted, or one batch more (a commit the server made whose answer the stop cut off).
   */
  async function expectWholeAfterRestart(target: string, written: (c: Awaited<ReturnType<typeof tableCounts>>) => number, counted: number, batch: number) {
    const after = await openDatabase(target)
    onTestFinished(() => after.close())
    expect((await checkInvariants(after)).checks.filter((c) => !c.ok)).toEqual([])
    const rows = written(await tableCounts(after))
    expect(rows).toBeGreaterThanOrEqual(counted)
    expect(rows).toBeLessThanOrEqual(counted + batch)
  }

  /** Runs `fn` with the server stopped, starting it again afterwards whatever happens. */
  async function whileStopped<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } finally {
      if (!existsSync(join(cluster.dataDir, 'data', 'postmaster.pid'))) cluster.start()
    }
  }

  it('simulate reports DB_ERROR in its summary, keeps every batch it counted and nothing half-written', async () => {
    const target = await database()
    const h = await openDatabase(target, { poolSize: 2 })
    onTestFinished(() => h.close())
    const batch = 50
    let stopping = false
    const summary = await whileStopped(() =>
      simulate(h, {
        days: 3,
        sessions: 300,
        endDay: '2026-11-20',
        batch,
        // the first committed batch stops the server while the next one is in flight
        onProgress: () => {
          if (!stopping) setTimeout(() => cluster.stopServer(), 20)
          stopping = true
        },
      }),
    )
    expect(summary.error, JSON.stringify(summary)).toMatchObject({ code: 'DB_ERROR' })
    expect(summary.error!.message).not.toMatch(/\n/)
    expect(summary.sessions).toBeGreaterThan(0)
    expect(summary.sessions).toBeLessThan(900)

    // the 3 sessions of database() and the simulated ones
    await expectWholeAfterRestart(target, (c) => c.sessions - 3, summary.sessions, batch)
  })

  it('sweep reports DB_ERROR in its result, keeps every batch it counted and nothing half-written; the check itself gives DB_ERROR while the server is down', async () => {
    const target = await database()
    const h = await openDatabase(target, { poolSize: 2 })
    onTestFinished(() => h.close())
    await sql`insert into sessions (customer_id, mitra_id, status, started_at, ends_at)
              select 'c-' || g, 'm-' || (g % 7), 'active', ${NOW}::timestamptz, ${NOW}::timestamptz + interval '30 minutes' from generate_series(1, 3000) g`.execute(
      h.db,
    )
    const watcher = new pg.Client({ connectionString: target })
    await watcher.connect()
    watcher.on('error', () => {})
    const batchSize = 50
    const result = await whileStopped(async () => {
      const sweeping = createClosureService(h, { clock: fixedClock('2026-11-24T06:00:00Z') }).sweep({ batchSize })
      // stop the server once the first batch committed
      for (;;) {
        const r = await watcher.query('select count(*)::int as n from session_closures')
        if (r.rows[0].n > 0) break
        await new Promise((res) => setTimeout(res, 5))
      }
      cluster.stopServer()
      const swept = await sweeping
      await expectDbError(checkInvariants(h))
      return swept
    })
    await watcher.end().catch(() => {})
    expectOneLineDbError(result.error)
    expect(result.expired).toBeGreaterThan(0)
    expect(result.expired).toBeLessThan(3000)

    await expectWholeAfterRestart(target, (c) => c.session_closures, result.expired, batchSize)
  })
})
