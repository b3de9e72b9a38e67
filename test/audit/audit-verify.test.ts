/**
 * `audit verify` on both engines: the chain covers the flag history, the closures and the review
 * resolutions; an owner's edit, deletion or out-of-order insertion in raw SQL is named (exit 4 from
 * the CLI); old rows are chained as backfilled; the identity beside the declared actor is the
 * database's (session_user) or the OS user's, whatever the caller declared.
 */
import { sql } from 'kysely'
import { describe, expect, it, onTestFinished } from 'vitest'
import { osIdentity } from '../../src/access/identity.js'
import { createAuditService } from '../../src/audit/audit-service.js'
import { createConfigStore, fixedClock, migrateToLatest, openDatabase, UserType, type HaloDatabase } from '../../src/index.js'
import { cli } from '../cli/support/cli.js'
import { emptyDatabase, ENGINES, setup, type Setup } from '../support/engines.js'
import { migrateTo } from '../support/migrate-to.js'

const NOW = '2026-11-24T03:00:00Z'

/** A flag change, a support end, three mitra ends (the third opens a review) and its resolution. */
async function someHistory(t: Setup): Promise<void> {
  await t.config.set('early_end_mitra_enabled', true, { actor: 'ops-ana', note: 'rollout' })
  await t.config.set('early_end_mitra_daily_cap', 2, { actor: 'ops-ana' })
  const ids: number[] = []
  for (let i = 0; i < 4; i++) ids.push((await t.closures.openSession({ mitraId: 'm-1', customerId: `c-${i}` })).id)
  await t.closures.initiateEarlyEnd(ids[0]!, UserType.SUPPORT, { actorId: 'support-lead', reason: 'customer_abusive' })
  for (const id of ids.slice(1)) await t.closures.initiateEarlyEnd(id, UserType.MITRA, { actorId: 'm-1', reason: 'customer_left' }).catch(() => {})
  const [review] = await t.reviews.list({ status: 'open' })
  await t.reviews.resolve(review!.id, { outcome: 'warned', actor: 'cc-budi' })
}

/** Raw SQL as the owner: the test server's admin on PostgreSQL, anyone who can write the file on SQLite. */
async function asOwner(t: Setup, text: string): Promise<void> {
  await t.handle.write(async (trx) => {
    await sql.raw(text).execute(trx)
  })
}

async function whoAmI(handle: HaloDatabase): Promise<string> {
  if (handle.engineName === 'sqlite') return osIdentity()
  return (await handle.select<{ who: string }>('select session_user::text as who'))[0]!.who
}

describe.each(ENGINES)('audit verify on %s', (engine) => {
  async function fresh(): Promise<Setup> {
    const t = await setup(engine, { now: NOW })
    onTestFinished(t.cleanup)
    return t
  }

  it('chains every audited record once, and records who the database authenticated beside the declared actor', async () => {
    const t = await fresh()
    await someHistory(t)
    const audit = createAuditService(t.handle, { clock: t.clock })
    const first = await audit.verify()
    // 2 flag changes, 3 closures (the fourth mitra end was refused at the cap of 2), 1 resolved review
    expect(first).toMatchObject({ ok: true, links: 6, sealed: 6, backfilled: 0, unsealed: 0, problem: null })
    expect(first.head?.seq).toBe(6)
    const again = await audit.verify()
    expect(again).toMatchObject({ ok: true, links: 6, sealed: 0, head: first.head })

    const me = await whoAmI(t.handle)
    const [change] = await t.config.history(undefined, 1)
    expect(change).toMatchObject({ actor: 'ops-ana', authenticatedAs: me })
    const detail = await t.closures.getSession(1)
    expect(detail.closure).toMatchObject({ initiatedBy: 'support', actorId: 'support-lead', authenticatedAs: me })
    const [review] = await t.reviews.list({ status: 'resolved' })
    expect(review).toMatchObject({ resolvedBy: 'cc-budi', resolvedAuthenticatedAs: me })
  })

  it('names a record the owner changed in raw SQL, and seals nothing more until it is put back', async () => {
    const t = await fresh()
    await someHistory(t)
    const audit = createAuditService(t.handle, { clock: t.clock })
    await audit.verify()
    await asOwner(t, `update config_audit set actor = 'someone-else' where id = 1`)
    await t.config.set('closing_grace_seconds', 60, { actor: 'ops-ana' })
    const broken = await audit.verify()
    expect(broken).toMatchObject({ ok: false, sealed: 0, problem: { kind: 'changed', source: 'config_audit', rowId: 1, seq: 1 } })
    expect(broken.problem?.message).toBe('config_audit #1 (link 1) was changed after it was sealed')
    await asOwner(t, `update config_audit set actor = 'ops-ana' where id = 1`)
    expect(await audit.verify()).toMatchObject({ ok: true, sealed: 1, links: 7 })
  })

  it('names a closure the owner deleted, and a review resolution rewritten', async () => {
    const t = await fresh()
    await someHistory(t)
    const audit = createAuditService(t.handle, { clock: t.clock })
    await audit.verify()
    await asOwner(t, `update cc_reviews set outcome = 'cleared'`)
    expect((await audit.verify()).problem).toMatchObject({ kind: 'changed', source: 'cc_reviews' })
    await asOwner(t, `update cc_reviews set outcome = 'warned'`)
    const closure = (await t.closures.getSession(2)).closure!
    await asOwner(t, `delete from session_events where session_id = ${closure.sessionId}`)
    await asOwner(t, `delete from session_closures where id = ${closure.id}`)
    const broken = await audit.verify()
    expect(broken).toMatchObject({ ok: false, problem: { kind: 'removed', source: 'session_closures', rowId: closure.id } })
  })

  it('names a record the owner inserted out of order, below records already sealed', async () => {
    const t = await fresh()
    await someHistory(t)
    const audit = createAuditService(t.handle, { clock: t.clock })
    await audit.verify()
    await asOwner(
      t,
      `insert into config_audit (id, key, old_value, new_value, actor, note, created_at) values (0, 'early_end_mitra_enabled', 'false', 'true', 'ops-ana', null, '2026-11-20T00:00:00.000Z')`,
    )
    const broken = await audit.verify()
    expect(broken).toMatchObject({ ok: false, sealed: 0, problem: { kind: 'out_of_order', source: 'config_audit', rowId: 0, seq: null } })
    expect(broken.problem?.message).toMatch(/^config_audit #0 was inserted out of order/)
  })

  it('catches an owner who edits the chain itself', async () => {
    const t = await fresh()
    await someHistory(t)
    const audit = createAuditService(t.handle, { clock: t.clock })
    await audit.verify()
    await asOwner(t, `update audit_chain set digest = '${'0'.repeat(64)}' where seq = 3`)
    expect((await audit.verify()).problem).toMatchObject({ kind: 'chain_altered', seq: 3 })
  })

  it('exits 4 from the CLI naming the first record that no longer holds, 0 when the chain holds', async () => {
    const t = await fresh()
    await someHistory(t)
    const env = { HALO_NOW: NOW }
    const ok = await cli(['--db', t.target, 'audit', 'verify'], { env })
    expect(ok).toMatchObject({ code: 0, stderr: '' })
    expect(ok.stdout).toMatch(
      /^audit chain holds: 6 records chained \(0 backfilled from before the chain\), 6 sealed by this run\nhead {2}link 6 [0-9a-f]{64}\n$/,
    )
    await asOwner(t, `update session_closures set reason = 'out_of_scope' where id = 1`)
    const broken = await cli(['--db', t.target, 'audit', 'verify', '--json'], { env })
    expect(broken.code).toBe(4)
    expect(JSON.parse(broken.stdout)).toMatchObject({ ok: false, problem: { kind: 'changed', source: 'session_closures', rowId: 1 } })
    const text = await cli(['--db', t.target, 'audit', 'verify'], { env })
    expect(text).toMatchObject({ code: 4, stdout: 'audit chain broken: session_closures #1 (link 3) was changed after it was sealed\n' })
  })

  it('chains the records of a database migrated from before the chain, marked backfilled', async () => {
    const handle = await openDatabase(await emptyDatabase(engine))
    onTestFinished(() => handle.close())
    await migrateTo(handle, '0005-event-feed')
    await handle.write(async (trx) => {
      await sql`insert into config_audit (key, old_value, new_value, actor, note, created_at) values ('early_end_mitra_enabled', 'false', 'true', 'old-ops', null, '2026-11-01T00:00:00.000Z')`.execute(
        trx,
      )
    })
    await migrateToLatest(handle)
    const clock = fixedClock(NOW)
    await createConfigStore(handle, { clock }).set('early_end_mitra_enabled', false, { actor: 'new-ops' })
    const history = await createConfigStore(handle, { clock }).history()
    expect(history.map((c) => [c.actor, c.authenticatedAs === null])).toEqual([
      ['new-ops', false],
      ['old-ops', true],
    ])
    const r = await createAuditService(handle, { clock }).verify()
    expect(r).toMatchObject({ ok: true, links: 2, sealed: 2, backfilled: 1 })
  })
})
