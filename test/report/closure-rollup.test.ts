/**
 * closure_daily_counts, the rollup the closure reports read: it equals the closures counted per
 * business day, mitra, initiator and reason however the closures were written (services, simulate,
 * plain SQL, a database that had closures before migration 0003), and the reports read from it
 * agree with counting the closures themselves, for every grouping and filter.
 */
import { sql, type Kysely } from 'kysely'
import { describe, expect, it, onTestFinished } from 'vitest'
import { MIGRATION_NAMES } from '../../migrations/schema-version.js'
import {
  createClosureService,
  createConfigStore,
  createReportService,
  fixedClock,
  migrateToLatest,
  openDatabase,
  simulate,
  UserType,
  type ClosureFilters,
  type ClosureGrouping,
  type HaloDatabase,
} from '../../src/index.js'
import { migrateTo } from '../support/migrate-to.js'
import { emptyDatabase, ENGINES, type EngineName, type Setup } from '../support/engines.js'
import { enableMitra, expectCode, fresh, mitraEnds, openSessions } from '../support/fixtures.js'
import { countedClosures, rollupRows } from '../support/rollup.js'

const RANGE = { from: '2026-11-18', to: '2026-11-24' }

/** Every closure of the range counted in JS: what each report must say. */
async function countedInJs(handle: HaloDatabase, by: ClosureGrouping, filters: ClosureFilters): Promise<Record<string, number>> {
  const column = ({ day: 'business_day', mitra: 'mitra_id', reason: 'reason', initiator: 'initiated_by' } as const)[by]
  const rows = await handle.db
    .selectFrom('session_closures')
    .select(['business_day', 'mitra_id', 'reason', 'initiated_by'])
    .where('business_day', '>=', RANGE.from)
    .where('business_day', '<=', RANGE.to)
    .execute()
  const out: Record<string, number> = {}
  for (const r of rows) {
    if (filters.initiator !== undefined && r.initiated_by !== filters.initiator) continue
    if (filters.mitraId !== undefined && r.mitra_id !== filters.mitraId) continue
    if (filters.reason !== undefined && r.reason !== filters.reason) continue
    const key = String(r[column])
    out[key] = (out[key] ?? 0) + 1
  }
  return out
}

/** A week of simulate on top of every other way a closure is written, refused or replayed. */
async function busy(engine: EngineName): Promise<Setup> {
  const t = await fresh(engine, '2026-11-24T03:00:00Z')
  await enableMitra(t, { early_end_customer_enabled: true, early_end_mitra_daily_cap: 3, early_end_mitra_over_cap_action: 'allow' })
  await simulate(t.handle, { mitras: 6, sessions: 80, days: 6, endDay: '2026-11-23', seed: 'rollup', batch: 25 })
  const ids = await openSessions(t, 8, 'm-1')
  for (const id of ids.slice(0, 4)) await mitraEnds(t, id, 'm-1', { idempotencyKey: `k-${id}` })
  await mitraEnds(t, ids[0]!, 'm-1', { idempotencyKey: `k-${ids[0]}` }) // replayed
  await mitraEnds(t, ids[4]!, 'm-1', { reason: 'other', note: 'pindah topik', dryRun: true })
  await mitraEnds(t, ids[4]!, 'm-1', { reason: 'other', note: 'pindah topik' })
  await t.closures.initiateEarlyEnd(ids[5]!, UserType.CUSTOMER, { actorId: 'c-5' })
  await t.closures.initiateEarlyEnd(ids[6]!, UserType.SUPPORT, { actorId: 'cs-1', reason: 'customer_abusive' })
  await expectCode(mitraEnds(t, ids[6]!, 'm-1'), 'INVALID_STATE')
  t.clock.advance(2 * 3_600_000)
  await t.closures.sweep() // ids[7] expires
  return t
}

describe.each(ENGINES)('closure_daily_counts on %s', (engine) => {
  it('equals the closures counted per day, mitra, initiator and reason after a busy week, and every report agrees with counting the closures', async () => {
    const t = await busy(engine)
    const rollup = await rollupRows(t.handle)
    expect(rollup).toEqual(await countedClosures(t.handle))
    expect(rollup.reduce((n, r) => n + r.closure_count, 0)).toBeGreaterThan(150)
    expect(new Set(rollup.map((r) => r.initiated_by))).toEqual(new Set(['mitra', 'customer', 'support', 'system']))
    expect(rollup.some((r) => r.reason === '')).toBe(true)

    const reports = createReportService(t.handle, { clock: t.clock })
    const filterSets: ClosureFilters[] = [
      {},
      { initiator: 'mitra' },
      { initiator: 'customer' },
      { initiator: 'system' },
      { mitraId: 'm-1' },
      { mitraId: 'sim-m-001' },
      { reason: 'customer_left' },
      { initiator: 'mitra', reason: 'other' },
      { initiator: 'system', mitraId: 'sim-m-002' },
    ]
    for (const by of ['day', 'mitra', 'reason', 'initiator'] as const) {
      for (const filters of filterSets) {
        const r = await reports.closures(by, RANGE, filters)
        const expected = await countedInJs(t.handle, by, filters)
        const got = Object.fromEntries(r.rows.filter((row) => row.count > 0).map((row) => [String(row.key), row.count]))
        expect(got, `${by} ${JSON.stringify(filters)}`).toEqual(expected)
        expect(r.total).toBe(Object.values(expected).reduce((a, b) => a + b, 0))
        if (by === 'day')
          expect(r.rows.map((row) => row.key)).toEqual(['2026-11-18', '2026-11-19', '2026-11-20', '2026-11-21', '2026-11-22', '2026-11-23', '2026-11-24'])
      }
    }
  })

  it('counts nothing for a dry run, a refusal or a replayed key, and one for each early end written', async () => {
    const t = await fresh(engine, '2026-11-24T03:00:00Z')
    await enableMitra(t, { early_end_mitra_daily_cap: 1 })
    const ids = await openSessions(t, 3, 'm-1')
    const before = await rollupRows(t.handle)
    await mitraEnds(t, ids[0]!, 'm-1', { dryRun: true })
    expect(await rollupRows(t.handle)).toEqual(before)
    await mitraEnds(t, ids[0]!, 'm-1', { idempotencyKey: 'once' })
    await mitraEnds(t, ids[0]!, 'm-1', { idempotencyKey: 'once' })
    await expectCode(mitraEnds(t, ids[1]!, 'm-1'), 'DAILY_CAP_REACHED')
    await expectCode(t.closures.initiateEarlyEnd(ids[2]!, UserType.CUSTOMER, { actorId: 'c-2' }), 'EARLY_END_DISABLED')
    expect(await rollupRows(t.handle)).toEqual([
      { business_day: '2026-11-24', mitra_id: 'm-1', initiated_by: 'mitra', reason: 'customer_left', closure_count: 1 },
    ])
  })

  it('follows closures written, changed and deleted in plain SQL', async () => {
    const t = await fresh(engine, '2026-11-24T03:00:00Z')
    await enableMitra(t, { early_end_customer_enabled: true })
    const ids = await openSessions(t, 6, 'm-1')
    for (const id of ids.slice(0, 3)) await mitraEnds(t, id, 'm-1')
    await t.closures.initiateEarlyEnd(ids[3]!, UserType.CUSTOMER, { actorId: 'c-3' })
    const expectExact = async (what: string) => expect(await rollupRows(t.handle), what).toEqual(await countedClosures(t.handle))
    await expectExact('after the services')

    const db = t.handle.db as Kysely<any>
    await db
      .insertInto('session_closures')
      .values(
        ids.slice(4).map((id, i) => ({
          session_id: id,
          mitra_id: 'm-1',
          kind: 'expired',
          initiated_by: 'system',
          business_day: `2026-11-2${i}`,
          over_cap: 0,
          created_at: '2026-11-24T03:00:00.000Z',
          grace_ends_at: '2026-11-24T03:05:00.000Z',
        })),
      )
      .execute()
    await expectExact('after a two-row insert')
    await db.updateTable('session_closures').set({ reason: 'other', reason_note: 'x' }).where('initiated_by', '=', 'customer').execute()
    await db.updateTable('session_closures').set({ mitra_id: 'm-2' }).where('session_id', '=', ids[0]!).execute()
    await db
      .updateTable('session_closures')
      .set({ business_day: '2026-11-23', finalized_at: '2026-11-24T04:00:00.000Z' })
      .where('initiated_by', '=', 'system')
      .execute()
    await db.updateTable('session_closures').set({ finalized_at: '2026-11-24T04:00:00.000Z' }).execute()
    await expectExact('after changing reasons, a mitra, days')
    await db.deleteFrom('session_closures').where('session_id', 'in', ids.slice(1, 3)).execute()
    await expectExact('after a delete')
    expect((await rollupRows(t.handle)).every((r) => r.closure_count > 0)).toBe(true)
    if (engine === 'postgres') await sql`truncate session_closures`.execute(db)
    else await db.deleteFrom('session_closures').execute()
    expect(await rollupRows(t.handle)).toEqual([])
  })

  it('counts every closure once when ends of one mitra by its customers, itself and support race two sweeps on three connections', async () => {
    const t = await fresh(engine, '2026-11-24T03:00:00Z')
    await enableMitra(t, { early_end_customer_enabled: true, early_end_mitra_daily_cap: 1000 })
    const handles = [t.handle]
    for (let i = 0; i < 2; i++) {
      const h = await openDatabase(t.target)
      onTestFinished(() => h.close())
      handles.push(h)
    }
    const services = handles.map((h) => createClosureService(h, { clock: t.clock }))
    for (let i = 0; i < 12; i++) await t.closures.openSession({ customerId: `c-due-${i}`, mitraId: 'm-1', durationMinutes: 1 })
    const ids = await openSessions(t, 36, 'm-1')
    t.clock.advance(2 * 60_000)
    // the customers' ends share one rollup row and no cap counter: only the upsert keeps them apart
    const ends = ids.map((id, i) => {
      const closures = services[i % 3]!
      if (i % 3 === 0) return closures.initiateEarlyEnd(id, UserType.CUSTOMER, { actorId: `c-${i}` })
      if (i % 3 === 1) return closures.initiateEarlyEnd(id, UserType.MITRA, { actorId: 'm-1', reason: 'customer_left' })
      return closures.initiateEarlyEnd(id, UserType.SUPPORT, { actorId: 'cs-1', reason: 'customer_abusive' })
    })
    const [settled, sweeps] = await Promise.all([
      Promise.allSettled(ends),
      Promise.all([services[1]!.sweep({ batchSize: 3 }), services[2]!.sweep({ batchSize: 3 })]),
    ])
    expect(settled.filter((s) => s.status === 'rejected')).toEqual([])
    expect(sweeps.map((s) => s.error)).toEqual([undefined, undefined])
    expect(sweeps[0].expired + sweeps[1].expired).toBe(12)
    const rollup = await rollupRows(t.handle)
    expect(rollup).toEqual(await countedClosures(t.handle))
    expect(rollup.map((r) => [r.initiated_by, r.closure_count])).toEqual([
      ['customer', 12],
      ['mitra', 12],
      ['support', 12],
      ['system', 12],
    ])
  })

  it('migration 0003 counts the closures a database already had', async () => {
    const target = await emptyDatabase(engine)
    const handle = await openDatabase(target)
    onTestFinished(() => handle.close())
    await migrateTo(handle, '0002-report-indexes')
    const clock = fixedClock('2026-11-24T03:00:00Z')
    // this version's writes name the identity column of 0008 and the cohort of 0009: the old schema gets them for these writes only
    await withIdentityColumns(handle, 'add')
    const config = createConfigStore(handle, { clock })
    await config.set('early_end_mitra_enabled', true, { actor: 'test' })
    await config.set('early_end_customer_enabled', true, { actor: 'test' })
    // the services of this version run on the older schema: they do not write the rollup themselves
    await simulate(handle, { mitras: 4, sessions: 40, days: 3, endDay: '2026-11-23', seed: 'backfill' }, { clock })
    await createClosureService(handle, { clock }).sweep()
    await withIdentityColumns(handle, 'drop')
    expect((await migrateToLatest(handle)).ran).toEqual(MIGRATION_NAMES.slice(MIGRATION_NAMES.indexOf('0003-closure-daily-counts')))
    const rollup = await rollupRows(handle)
    expect(rollup).toEqual(await countedClosures(handle))
    expect(rollup.reduce((n, r) => n + r.closure_count, 0)).toBeGreaterThan(100)
    const byDay = await createReportService(handle, { clock }).closures('day', { from: '2026-11-21', to: '2026-11-23' })
    expect(byDay.total).toBe(rollup.reduce((n, r) => n + r.closure_count, 0))
  })
})

/**
 * Adds (or drops again) what this version's writes name and the old schema lacks: the identity column
 * of migration 0008 and the rollout cohort of 0009 (empty).
 */
async function withIdentityColumns(handle: HaloDatabase, how: 'add' | 'drop'): Promise<void> {
  await handle.write(async (trx) => {
    for (const table of ['config_audit', 'session_closures'])
      await sql
        .raw(how === 'add' ? `alter table ${table} add column authenticated_as varchar(128)` : `alter table ${table} drop column authenticated_as`)
        .execute(trx)
    await sql
      .raw(
        how === 'add'
          ? `create table rollout_cohort (mitra_id varchar(64) primary key, mode varchar(16) not null, note text, set_by varchar(128), set_at varchar(40))`
          : `drop table rollout_cohort`,
      )
      .execute(trx)
  })
}
