import { describe, expect, it } from 'vitest'
import { createReportService, type HaloDatabase } from '../../src/index.js'
import { ENGINES } from '../support/engines.js'
import { enableMitra, expectCode, fresh, openSessions, mitraEnds } from '../support/fixtures.js'

interface Row {
  day: string
  mitra: string
  by: 'mitra' | 'customer' | 'support' | 'system'
  reason?: string | null
}

/** Writes sessions and their closures directly: the reports only read these tables. */
async function insertClosures(handle: HaloDatabase, rows: readonly Row[]): Promise<void> {
  await handle.write(async (trx) => {
    for (const r of rows) {
      const s = await trx
        .insertInto('sessions')
        .values({
          customer_id: 'c-1',
          mitra_id: r.mitra,
          status: 'closing',
          started_at: `${r.day}T01:00:00.000Z`,
          ends_at: `${r.day}T02:00:00.000Z`,
          grace_ends_at: `${r.day}T01:35:00.000Z`,
          closed_at: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      await trx
        .insertInto('session_closures')
        .values({
          session_id: s.id,
          mitra_id: r.mitra,
          kind: r.by === 'system' ? 'expired' : 'early_end',
          initiated_by: r.by,
          actor_id: r.by === 'system' ? null : r.mitra,
          reason: r.reason ?? null,
          reason_note: null,
          business_day: r.day,
          over_cap: 0,
          review_id: null,
          idempotency_key: null,
          created_at: `${r.day}T01:30:00.000Z`,
          grace_ends_at: `${r.day}T01:35:00.000Z`,
          finalized_at: null,
        })
        .execute()
    }
  })
}

const DATA: Row[] = [
  { day: '2026-11-20', mitra: 'm-1', by: 'mitra', reason: 'customer_left' },
  { day: '2026-11-21', mitra: 'm-1', by: 'mitra', reason: 'customer_abusive' },
  { day: '2026-11-21', mitra: 'm-2', by: 'customer' },
  { day: '2026-11-23', mitra: 'm-2', by: 'mitra', reason: 'customer_left' },
  { day: '2026-11-23', mitra: 'm-1', by: 'system' },
  { day: '2026-11-23', mitra: 'm-3', by: 'support', reason: 'other' },
  { day: '2026-11-24', mitra: 'm-1', by: 'mitra', reason: 'customer_left' },
  // outside the range used below
  { day: '2026-11-19', mitra: 'm-1', by: 'mitra', reason: 'customer_left' },
  { day: '2026-11-25', mitra: 'm-1', by: 'mitra', reason: 'customer_left' },
]

describe.each(ENGINES)('report service on %s', (engine) => {
  it('counts closures per day over an inclusive range, every day of it listed, zeros included', async () => {
    const t = await fresh(engine)
    await insertClosures(t.handle, DATA)
    const r = await createReportService(t.handle, { clock: t.clock }).closures('day', { from: '2026-11-20', to: '2026-11-24' })
    expect(r).toEqual({
      from: '2026-11-20',
      to: '2026-11-24',
      by: 'day',
      total: 7,
      rows: [
        { key: '2026-11-20', count: 1 },
        { key: '2026-11-21', count: 2 },
        { key: '2026-11-22', count: 0 },
        { key: '2026-11-23', count: 3 },
        { key: '2026-11-24', count: 1 },
      ],
    })
  })

  it('groups by mitra, reason and initiator, most first, and applies the filters', async () => {
    const t = await fresh(engine)
    await insertClosures(t.handle, DATA)
    const reports = createReportService(t.handle, { clock: t.clock })
    const range = { from: '2026-11-20', to: '2026-11-24' }
    expect((await reports.closures('mitra', range)).rows).toEqual([
      { key: 'm-1', count: 4 },
      { key: 'm-2', count: 2 },
      { key: 'm-3', count: 1 },
    ])
    expect((await reports.closures('reason', range)).rows).toEqual([
      { key: 'customer_left', count: 3 },
      { key: null, count: 2 },
      { key: 'customer_abusive', count: 1 },
      { key: 'other', count: 1 },
    ])
    expect((await reports.closures('initiator', range)).rows).toEqual([
      { key: 'mitra', count: 4 },
      { key: 'customer', count: 1 },
      { key: 'support', count: 1 },
      { key: 'system', count: 1 },
    ])
    const mitraOnly = await reports.closures('mitra', range, { initiator: 'mitra' })
    expect(mitraOnly.total).toBe(4)
    expect(mitraOnly.rows).toEqual([
      { key: 'm-1', count: 3 },
      { key: 'm-2', count: 1 },
    ])
    expect((await reports.closures('day', range, { mitraId: 'm-2' })).rows.filter((r) => r.count > 0)).toEqual([
      { key: '2026-11-21', count: 1 },
      { key: '2026-11-23', count: 1 },
    ])
    expect((await reports.closures('mitra', range, { reason: 'customer_left' })).rows).toEqual([
      { key: 'm-1', count: 2 },
      { key: 'm-2', count: 1 },
    ])
  })

  it('defaults to the 14 business days ending today in Asia/Jakarta', async () => {
    // 18:00 UTC is already 01:00 on the 25th in Jakarta
    const t = await fresh(engine, '2026-11-24T18:00:00Z')
    await insertClosures(t.handle, DATA)
    const r = await createReportService(t.handle, { clock: t.clock }).closures('day')
    expect(r.from).toBe('2026-11-12')
    expect(r.to).toBe('2026-11-25')
    expect(r.rows).toHaveLength(14)
    expect(r.total).toBe(9)
    await t.config.set('business_timezone', 'UTC', { actor: 'ops' })
    expect((await createReportService(t.handle, { clock: t.clock }).closures('day')).to).toBe('2026-11-24')
  })

  it('refuses impossible dates, an empty range, unknown groupings and filters with INVALID_INPUT', async () => {
    const t = await fresh(engine)
    const reports = createReportService(t.handle, { clock: t.clock })
    await expectCode(reports.closures('day', { from: '2026-02-30', to: '2026-03-02' }), 'INVALID_INPUT')
    await expectCode(reports.closures('day', { from: '2026-11-24', to: '2026-11-2' }), 'INVALID_INPUT')
    await expectCode(reports.closures('day', { from: '2026-11-25', to: '2026-11-24' }), 'INVALID_INPUT')
    await expectCode(reports.closures('week' as never), 'INVALID_INPUT')
    await expectCode(reports.closures('day', {}, { initiator: 'robot' as never }), 'INVALID_INPUT')
    await expectCode(reports.closures('day', {}, { mitraId: 'no spaces' }), 'INVALID_INPUT')
    await expectCode(reports.cap('2026-13-01'), 'INVALID_INPUT')
  })

  it('streams every closure of the range in id order across pages', async () => {
    const t = await fresh(engine)
    const many: Row[] = Array.from({ length: 2300 }, (_, i) => ({
      day: i % 2 === 0 ? '2026-11-23' : '2026-11-10',
      mitra: `m-${i % 7}`,
      by: 'mitra',
      reason: 'customer_left',
    }))
    await insertClosures(t.handle, many)
    const seen: number[] = []
    for await (const c of createReportService(t.handle, { clock: t.clock }).closureDetails({ from: '2026-11-20', to: '2026-11-24' })) {
      expect(c.businessDay).toBe('2026-11-23')
      seen.push(c.id)
    }
    expect(seen).toHaveLength(1150)
    expect([...seen].sort((a, b) => a - b)).toEqual(seen)
  })

  it('reports who is at or over the cap on a day, with their review', async () => {
    const t = await fresh(engine, '2026-11-24T03:00:00Z')
    await enableMitra(t, { early_end_mitra_daily_cap: 2, early_end_mitra_over_cap_action: 'allow' })
    const m1 = await openSessions(t, 3, 'm-1')
    const m2 = await openSessions(t, 2, 'm-2')
    const m3 = await openSessions(t, 1, 'm-3')
    for (const id of m1) await mitraEnds(t, id, 'm-1')
    for (const id of m2) await mitraEnds(t, id, 'm-2')
    for (const id of m3) await mitraEnds(t, id, 'm-3')
    const reports = createReportService(t.handle, { clock: t.clock })
    const cap = await reports.cap()
    expect(cap.day).toBe('2026-11-24')
    expect(cap.cap).toBe(2)
    expect(cap.overCapAction).toBe('allow')
    expect(cap.atOrOver).toBe(2)
    expect(cap.rows.map((r) => [r.mitraId, r.count, r.remaining, r.standing, r.reviewStatus])).toEqual([
      ['m-1', 3, 0, 'over', 'open'],
      ['m-2', 2, 0, 'at', 'open'],
      ['m-3', 1, 1, 'under', null],
    ])
    expect((await reports.cap('2026-11-23')).rows).toEqual([])
  })
})
