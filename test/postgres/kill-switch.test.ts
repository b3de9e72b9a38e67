/**
 * Contract §4 item 9 on PostgreSQL: flags hold as of the commit. Once a flag change has committed,
 * no early end decided on the old value commits; `flag set early_end_mitra_enabled false` returning
 * means no mitra early end commits after it. Proven with commit order (track_commit_timestamp, on in
 * the test cluster), never with timing luck.
 */
import { sql } from 'kysely'
import pg from 'pg'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createClosureService, createConfigStore, openDatabase, UserType, type HaloDatabase } from '../../src/index.js'
import { createTestDatabase } from '../support/engines.js'
import { cli } from '../cli/support/cli.js'
import { raceProcesses } from './race.js'

async function database(): Promise<{ target: string; h: HaloDatabase; admin: pg.Client }> {
  const db = await createTestDatabase('postgres')
  onTestFinished(db.drop)
  const h = await openDatabase(db.target, { poolSize: 4 })
  onTestFinished(() => h.close())
  const admin = new pg.Client({ connectionString: db.target })
  await admin.connect()
  onTestFinished(() => admin.end())
  const { rows } = await admin.query<{ on: string }>(`select current_setting('track_commit_timestamp') as on`)
  if (rows[0]?.on !== 'on') throw new Error('these tests read commit timestamps: the PostgreSQL server needs track_commit_timestamp = on')
  return { target: db.target, h, admin }
}

/** The mitra closures committed after the newest change of `key` to `value` committed (there must be none). */
async function closuresCommittedAfter(admin: pg.Client, key: string, value: string): Promise<{ session_id: number }[]> {
  const { rows } = await admin.query<{ session_id: number }>(
    `select c.session_id from session_closures c
     where c.initiated_by = 'mitra'
       and pg_xact_commit_timestamp(c.xmin) > (select pg_xact_commit_timestamp(a.xmin) from config_audit a where a.key = $1 and a.new_value = $2 order by a.id desc limit 1)`,
    [key, value],
  )
  return rows
}

/** Waits until a backend of the database waits on a lock (its statement blocked), or throws. */
async function blockedBackends(admin: pg.Client, atLeast: number): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const { rows } = await admin.query(`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`)
    if (rows[0].n >= atLeast) return
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new Error(`fewer than ${atLeast} backends ever waited on a lock`)
}

const env = { HALO_ACTOR: 'ops-kill' }

describe('PostgreSQL: the kill switch holds as of the commit', () => {
  it('an early end waiting on the mitra’s counter while the flag goes off commits before the flag change, or not at all', async () => {
    const { target, h, admin } = await database()
    const config = createConfigStore(h)
    await config.set('early_end_mitra_enabled', true, { actor: 'ops' })
    const s = await createClosureService(h).openSession({ mitraId: 'm-1', customerId: 'c-1' })
    const day = (await sql<{ d: string }>`select to_char(now() at time zone 'Asia/Jakarta', 'YYYY-MM-DD') as d`.execute(h.db)).rows[0]!.d
    await admin.query(`insert into mitra_daily_counts (mitra_id, business_day, early_end_count) values ('m-1', $1, 0)`, [day])

    // another transaction holds the mitra's counter row
    const holder = new pg.Client({ connectionString: target })
    await holder.connect()
    onTestFinished(() => holder.end())
    await holder.query('begin')
    await holder.query(`select * from mitra_daily_counts where mitra_id = 'm-1' for update`)

    const end = cli(['--db', target, 'session', 'end', String(s.id), '--as', 'mitra', '--reason', 'customer_left', '--yes'], { env })
    await blockedBackends(admin, 1)
    const off = cli(['--db', target, 'flag', 'set', 'early_end_mitra_enabled', 'false'], { env })
    // give the flag change every chance to commit first, as it did before the fix
    await new Promise((r) => setTimeout(r, 700))
    await holder.query('commit')
    const [ended, turnedOff] = await Promise.all([end, off])
    expect(turnedOff.code, turnedOff.stderr).toBe(0)
    expect([0, 5]).toContain(ended.code)
    expect(await closuresCommittedAfter(admin, 'early_end_mitra_enabled', 'false')).toEqual([])
  })

  it('lowering the cap while an early end waits: the end commits under the cap it was decided on, before the change, or not at all', async () => {
    const { target, h, admin } = await database()
    const config = createConfigStore(h)
    await config.set('early_end_mitra_enabled', true, { actor: 'ops' })
    const closures = createClosureService(h)
    const first = await closures.openSession({ mitraId: 'm-1', customerId: 'c-1' })
    const second = await closures.openSession({ mitraId: 'm-1', customerId: 'c-2' })
    await closures.initiateEarlyEnd(first.id, UserType.MITRA, { actorId: 'm-1', reason: 'customer_left' })

    const holder = new pg.Client({ connectionString: target })
    await holder.connect()
    onTestFinished(() => holder.end())
    await holder.query('begin')
    await holder.query(`select * from mitra_daily_counts where mitra_id = 'm-1' for update`)

    const end = cli(['--db', target, 'session', 'end', String(second.id), '--as', 'mitra', '--reason', 'customer_left', '--yes'], { env })
    await blockedBackends(admin, 1)
    const lower = cli(['--db', target, 'flag', 'set', 'early_end_mitra_daily_cap', '1'], { env })
    await new Promise((r) => setTimeout(r, 700))
    await holder.query('commit')
    const [ended, lowered] = await Promise.all([end, lower])
    expect(lowered.code, lowered.stderr).toBe(0)
    expect(await closuresCommittedAfter(admin, 'early_end_mitra_daily_cap', '1')).toEqual([])
    if (ended.code === 0) {
      // decided on cap 3 and committed before the cap became 1: not over the cap it was decided on
      const { rows } = await admin.query(`select over_cap from session_closures where session_id = $1`, [second.id])
      expect(rows).toEqual([{ over_cap: false }])
    } else expect(ended.stderr).toMatch(/DAILY_CAP_REACHED/)
  })

  it('many processes ending sessions while the flag goes off: none of their closures commits after the change', async () => {
    const { target, h, admin } = await database()
    const config = createConfigStore(h)
    await config.set('early_end_mitra_enabled', true, { actor: 'ops' })
    const closures = createClosureService(h)
    const workers = 6
    const perWorker = 60
    const ids: number[][] = []
    for (let w = 0; w < workers; w++) {
      const mine: number[] = []
      for (let i = 0; i < perWorker; i++) {
        const n = w * perWorker + i
        mine.push((await closures.openSession({ mitraId: `m-${n + 1}`, customerId: `c-${n}` })).id)
      }
      ids.push(mine)
    }
    // the session ids were opened in order, so m-<id> is each session's own mitra
    expect(ids.flat()).toEqual(ids.flat().map((_, i) => i + 1))

    let changed = false
    const results = await raceProcesses<{ ok: boolean; code?: string }[]>(
      'flag-race-worker.mjs',
      ids.map((mine) => [target, mine.join(',')]),
      60_000,
      async () => {
        // flip the flag once the race is well under way
        for (;;) {
          const { rows } = await admin.query(`select count(*)::int as n from session_closures`)
          if (rows[0].n >= workers * 5) break
          await new Promise((r) => setTimeout(r, 5))
        }
        await config.set('early_end_mitra_enabled', false, { actor: 'ops' })
        changed = true
      },
    )
    expect(changed).toBe(true)
    const outcomes = results.flat()
    expect(outcomes.some((o) => o.ok)).toBe(true)
    expect(outcomes.filter((o) => !o.ok).every((o) => o.code === 'EARLY_END_DISABLED')).toBe(true)
    expect(outcomes.some((o) => o.code === 'EARLY_END_DISABLED')).toBe(true)
    expect(await closuresCommittedAfter(admin, 'early_end_mitra_enabled', 'false')).toEqual([])
  }, 90_000)
})
