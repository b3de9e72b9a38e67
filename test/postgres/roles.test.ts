/**
 * The four roles of `halo-admin db roles --apply` on a real PostgreSQL, each used by a login role of
 * its own, through the CLI as a person runs it: what each may do works, what it may not do exits 5
 * (FORBIDDEN) with one line naming the role it needs, and raw SQL cannot rewrite the audit records
 * or put another name in the authenticated identity.
 */
import pg from 'pg'
import { beforeAll, describe, expect, it } from 'vitest'
import { createClosureService, createConfigStore, fixedClock, openDatabase, UserType } from '../../src/index.js'
import { cli, errorLine, type CliRun } from '../cli/support/cli.js'
import { createTestDatabase, ON_POSTGRES } from '../support/engines.js'

const NOW = '2026-11-24T03:00:00Z'
const env = { HALO_NOW: NOW, HALO_ACTOR: 'declared-name' }
const tag = `${process.pid}_${Date.now().toString(36)}`
const LOGINS = { ops: `t_ops_${tag}`, support: `t_support_${tag}`, viewer: `t_viewer_${tag}`, app: `t_app_${tag}` } as const
type Who = keyof typeof LOGINS

describe.runIf(ON_POSTGRES)('roles on PostgreSQL, one login in each', () => {
  let owner = ''
  const as = (who: Who) => {
    const u = new URL(owner)
    u.username = LOGINS[who]
    return u.toString()
  }
  const run = (who: Who, ...args: string[]) => cli(['--db', as(who), ...args], { env })
  const refused = (r: CliRun, role: string) => {
    expect(r.code).toBe(5)
    expect(r.stdout).toBe('')
    const line = errorLine(r)
    expect(line.code).toBe('FORBIDDEN')
    expect(line.message).toContain(role)
  }
  /** Raw SQL as a login; the error's SQLSTATE and message, or null when it ran. */
  const rawAs = async (who: Who, text: string): Promise<{ code: string; message: string } | null> => {
    const c = new pg.Client({ connectionString: as(who) })
    await c.connect()
    try {
      await c.query(text)
      return null
    } catch (e) {
      return { code: (e as { code: string }).code, message: (e as Error).message }
    } finally {
      await c.end()
    }
  }
  let sessions: number[] = []

  beforeAll(async () => {
    owner = (await createTestDatabase('postgres')).target
    const handle = await openDatabase(owner)
    const clock = fixedClock(NOW)
    await createConfigStore(handle, { clock }).set('early_end_mitra_enabled', true, { actor: 'owner' })
    const closures = createClosureService(handle, { clock })
    sessions = []
    for (let i = 0; i < 6; i++) sessions.push((await closures.openSession({ mitraId: i < 3 ? 'm-2' : 'm-1', customerId: `c-${i}`, durationMinutes: 30 })).id)
    // three mitra ends reach the cap of 3: a review opens for support to resolve
    for (const id of sessions.slice(3)) await closures.initiateEarlyEnd(id, UserType.MITRA, { actorId: 'm-1', reason: 'customer_left' })
    await handle.close()
    const applied = await cli(['--db', owner, 'db', 'roles', '--apply'], { env })
    expect(applied).toMatchObject({ code: 0, stderr: '' })
    // idempotent
    expect((await cli(['--db', owner, 'db', 'roles', '--apply'], { env })).code).toBe(0)
    const c = new pg.Client({ connectionString: owner })
    await c.connect()
    for (const [who, login] of Object.entries(LOGINS)) await c.query(`create role ${login} login in role halo_${who}`)
    await c.end()
  }, 120_000)

  it('db roles prints the SQL it applies, roles and grants', async () => {
    const printed = await cli(['--db', owner, 'db', 'roles'], { env })
    expect(printed.code).toBe(0)
    expect(printed.stdout).toContain('create role halo_viewer nologin')
    expect(printed.stdout).toContain('grant select on all tables in schema "public" to halo_ops, halo_support, halo_viewer, halo_app;')
  }, 60_000)

  it('halo_viewer reads everything and changes nothing', async () => {
    for (const args of [
      ['flag', 'list'],
      ['flag', 'get', 'early_end_mitra_enabled'],
      ['flag', 'history'],
      ['session', 'list', '--all'],
      ['session', 'show', String(sessions[3])],
      ['report', 'closures'],
      ['report', 'cap'],
      ['review', 'list', '--status', 'all'],
      ['review', 'show', '1'],
      ['events', '--limit', '5'],
      ['audit', 'verify', '--no-seal'],
      ['db', 'status'],
    ]) {
      const r = await run('viewer', ...args)
      // stderr may carry a notice for the person (a next page, "no …"), never an error
      expect({ args, code: r.code, error: /^error /m.test(r.stderr) }).toEqual({ args, code: 0, error: false })
    }
    refused(await run('viewer', 'flag', 'set', 'early_end_mitra_enabled', 'false'), 'halo_ops')
    refused(await run('viewer', 'session', 'end', String(sessions[0]), '--as', 'support', '--reason', 'customer_abusive', '--yes'), 'halo_support')
    refused(await run('viewer', 'review', 'resolve', '1', '--outcome', 'cleared'), 'halo_support')
    // two hours on, sessions are due: sweeping them is the backend's
    // (a sweep reports what it moved before the refusal stopped it: nothing)
    const sweep = await cli(['--db', as('viewer'), 'sweep'], { env: { ...env, HALO_NOW: '2026-11-24T05:00:00Z' } })
    expect({ code: sweep.code, stdout: sweep.stdout, error: errorLine(sweep) }).toEqual({
      code: 5,
      stdout: 'expired 0, finalized 0\n',
      error: { code: 'FORBIDDEN', message: 'permission denied for table sessions: needs role halo_app' },
    })
    // a viewer's audit verify checks the chain and says who may seal it
    const verify = await run('viewer', 'audit', 'verify')
    expect(verify.code).toBe(0)
    expect(verify.stdout).toContain('not sealed yet: sealing needs role halo_ops')
  }, 180_000)

  it('halo_ops changes flags, audited with its login beside the declared actor; seals the audit; ends nothing', async () => {
    expect((await run('ops', 'flag', 'set', 'closing_grace_seconds', '120', '--note', 'shorter')).code).toBe(0)
    const history = JSON.parse((await run('ops', '--json', 'flag', 'history', '--limit', '1')).stdout)
    expect(history[0]).toMatchObject({ key: 'closing_grace_seconds', actor: 'declared-name', authenticatedAs: LOGINS.ops })
    refused(await run('ops', 'session', 'end', String(sessions[0]), '--as', 'support', '--reason', 'customer_abusive', '--yes'), 'halo_support')
    refused(await run('ops', 'review', 'resolve', '1', '--outcome', 'cleared'), 'halo_support')
    const verify = await run('ops', 'audit', 'verify')
    expect(verify).toMatchObject({ code: 0, stderr: '' })
    expect(verify.stdout).toMatch(/^audit chain holds: \d+ records chained/)
    // the identity is the database's, whatever the row says
    expect(
      await rawAs(
        'ops',
        `insert into config_audit (key, old_value, new_value, actor, created_at, authenticated_as) values ('x', '1', '2', 'alice', now(), 'alice')`,
      ),
    ).toBeNull()
    const c = new pg.Client({ connectionString: owner })
    await c.connect()
    const { rows } = await c.query(`select authenticated_as from config_audit where key = 'x'`)
    await c.end()
    expect(rows).toEqual([{ authenticated_as: LOGINS.ops }])
  }, 120_000)

  it('halo_support ends as support, posts goodbyes and resolves reviews; not as a mitra, not flags', async () => {
    const ended = await run('support', 'session', 'end', String(sessions[0]), '--as', 'support', '--reason', 'customer_abusive', '--yes')
    expect(ended).toMatchObject({ code: 0, stderr: '' })
    const shown = await run('support', 'session', 'show', String(sessions[0]))
    expect(shown.stdout).toContain(`early_end by support declared-name, day 2026-11-24, reason customer_abusive, authenticated as ${LOGINS.support}`)
    expect((await run('support', 'session', 'goodbye', String(sessions[0]), '--as', 'customer', '--message', 'bye')).code).toBe(0)
    refused(await run('support', 'session', 'end', String(sessions[1]), '--as', 'mitra', '--reason', 'customer_left', '--yes'), 'halo_app')
    refused(await run('support', 'flag', 'set', 'early_end_mitra_enabled', 'false'), 'halo_ops')
    expect((await run('support', 'review', 'resolve', '1', '--outcome', 'warned', '--note', 'talked to them')).code).toBe(0)
    const review = await run('support', 'review', 'show', '1')
    expect(review.stdout).toMatch(new RegExp(`resolved +2026-11-24 10:00 WIB by declared-name \\(authenticated as ${LOGINS.support}\\): warned`))
    // append-only: a resolution cannot be rewritten, a closure cannot be changed or removed
    expect(await rawAs('support', `update cc_reviews set outcome = 'cleared' where id = 1`)).toMatchObject({
      code: '42501',
      message: expect.stringContaining('append-only'),
    })
    expect(await rawAs('support', `update session_closures set reason = 'other'`)).toMatchObject({ code: '42501' })
    expect(await rawAs('support', `delete from session_closures`)).toMatchObject({ code: '42501' })
    expect(await rawAs('support', `delete from config_audit`)).toMatchObject({ code: '42501' })
  }, 120_000)

  it('halo_app opens sessions, ends them as mitra or customer, sweeps; may switch early ends off and nothing else on flags', async () => {
    const opened = await run('app', '--json', 'session', 'open', '--mitra', 'm-3', '--customer', 'c-9')
    expect(opened.code).toBe(0)
    const id = JSON.parse(opened.stdout).id as number
    const ended = await run('app', 'session', 'end', String(id), '--as', 'mitra', '--reason', 'customer_left', '--yes')
    expect(ended).toMatchObject({ code: 0, stderr: '' })
    refused(await run('app', 'session', 'end', String(sessions[1]), '--as', 'support', '--reason', 'customer_abusive', '--yes'), 'halo_support')
    refused(await run('app', 'flag', 'set', 'early_end_mitra_enabled', 'false'), 'halo_ops')
    expect(await run('app', 'sweep')).toMatchObject({ code: 0, stderr: '' })
    // the sweep may set finalized_at, and nothing else of a closure
    expect(await rawAs('app', `update session_closures set finalized_at = now(), actor_id = 'm-x' where id = 1`)).toMatchObject({ code: '42501' })
    expect(await rawAs('app', `update app_config set value = 'false'`)).toMatchObject({ code: '42501', message: expect.stringContaining('halo_ops') })
    expect(await rawAs('app', `select halo_switch_off_mitra_early_end('guard', 'threshold crossed', now())`)).toBeNull()
    const history = JSON.parse((await run('viewer', '--json', 'flag', 'history', '--limit', '1')).stdout)
    expect(history[0]).toMatchObject({ key: 'early_end_mitra_enabled', newValue: false, actor: 'guard', authenticatedAs: LOGINS.app })
    expect(await rawAs('viewer', `select halo_switch_off_mitra_early_end('guard', 'x', now())`)).toMatchObject({ code: '42501' })
  }, 120_000)
})
