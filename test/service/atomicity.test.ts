import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { HaloError } from '../../src/index.js'
import { ENGINES } from '../support/engines.js'
import type { Setup } from '../support/engines.js'
import { counterOf, enableMitra, fresh, mitraEnds, openSessions, tableCounts } from '../support/fixtures.js'

/** Makes the insert of one kind of session event fail: the last step of an early end, an expiry or a finalize. */
async function failEventInserts(t: Setup, event: string): Promise<void> {
  if (t.engine === 'sqlite') {
    await sql.raw(`create trigger boom before insert on session_events when new.event = '${event}' begin select raise(abort, 'boom'); end`).execute(t.handle.db)
  } else {
    await sql.raw(`create function boom() returns trigger language plpgsql as $$ begin raise exception 'boom'; end $$`).execute(t.handle.db)
    await sql.raw(`create trigger boom before insert on session_events for each row when (new.event = '${event}') execute function boom()`).execute(t.handle.db)
  }
}

async function dropTrigger(t: Setup): Promise<void> {
  await sql.raw(t.engine === 'sqlite' ? 'drop trigger boom' : 'drop trigger boom on session_events').execute(t.handle.db)
}

describe.each(ENGINES)('nothing is half-written on %s', (engine) => {
  it('keeps nothing of an early end whose last write fails: the session stays active, no closure, counter and review unchanged', async () => {
    const t = await fresh(engine)
    // cap 1: this early end would open the review, bump the counter, write the closure and move the session
    await enableMitra(t, { early_end_mitra_daily_cap: 1 })
    const [id] = await openSessions(t, 1)
    await failEventInserts(t, 'early_end')
    const before = await tableCounts(t.handle)
    await expect(mitraEnds(t, id!, 'm-1', { idempotencyKey: 'k-1' })).rejects.toThrow(/boom/)
    expect(await tableCounts(t.handle)).toEqual(before)
    expect((await t.closures.getSession(id!)).status).toBe('active')
    expect((await t.closures.getSession(id!)).closure).toBeNull()
    expect(await counterOf(t.handle, 'm-1', '2026-11-24')).toBe(0)
    expect(await t.reviews.list()).toEqual([])

    // and the same request goes through whole once the fault is gone: the key was not burnt
    await dropTrigger(t)
    const r = await mitraEnds(t, id!, 'm-1', { idempotencyKey: 'k-1' })
    expect(r).toMatchObject({ replayed: false, mitraCountToday: 1, reviewOpened: true })
  })

  it('keeps nothing of a sweep batch whose last write fails', async () => {
    const t = await fresh(engine)
    await openSessions(t, 3)
    t.clock.advance(61 * 60_000)
    await failEventInserts(t, 'expired')
    const before = await tableCounts(t.handle)
    let outcome: unknown
    try {
      outcome = await t.closures.sweep()
    } catch (e) {
      outcome = e
    }
    // either way (thrown or reported), nothing of the batch is kept
    if (outcome instanceof Error) expect(String(outcome.message)).toMatch(/boom/)
    else expect((outcome as { expired: number; error?: HaloError }).expired).toBe(0)
    expect(await tableCounts(t.handle)).toEqual(before)
    expect((await t.closures.listSessions({ status: 'active' })).length).toBe(3)
  })

  it('keeps nothing of a goodbye whose event cannot be written', async () => {
    const t = await fresh(engine)
    await enableMitra(t)
    const [id] = await openSessions(t, 1)
    await mitraEnds(t, id!)
    await failEventInserts(t, 'goodbye')
    await expect(t.closures.postGoodbye(id!, 'MITRA', { actorId: 'm-1', message: 'terima kasih' })).rejects.toThrow(/boom/)
    expect((await t.closures.getSession(id!)).goodbyes).toEqual([])
  })
})
