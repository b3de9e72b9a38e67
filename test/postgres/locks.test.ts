/**
 * Every lock the library takes on PostgreSQL is released within a bounded time, whatever the caller
 * does: a process stopped mid-transaction, a URL whose options switch the timeouts off.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createClosureService, createConfigStore, HaloError, openDatabase, UserType } from '../../src/index.js'
import { createTestDatabase } from '../support/engines.js'
import { requireBuiltLibrary } from './race.js'

async function ready() {
  const db = await createTestDatabase('postgres')
  onTestFinished(db.drop)
  const h = await openDatabase(db.target, { poolSize: 2 })
  onTestFinished(() => h.close())
  await createConfigStore(h).set('early_end_mitra_enabled', true, { actor: 'ops' })
  const s = await createClosureService(h).openSession({ mitraId: 'm-1', customerId: 'c-1' })
  return { target: db.target, h, id: s.id }
}

describe('PostgreSQL: locks held without bound are released', () => {
  it('a process stopped (SIGSTOP) inside a write transaction loses its locks: an early end of that session then succeeds', async () => {
    requireBuiltLibrary()
    const { target, h, id } = await ready()
    const worker = fileURLToPath(new URL('./workers/lock-holder-worker.mjs', import.meta.url))
    const child = spawn(process.execPath, [worker, target, String(id)], { stdio: ['ignore', 'pipe', 'inherit'] })
    onTestFinished(() => {
      child.kill('SIGCONT')
      child.kill('SIGKILL')
    })
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('locked') && resolve())
      child.on('exit', () => reject(new Error('the lock holder exited')))
    })
    child.kill('SIGSTOP')
    const started = Date.now()
    const r = await createClosureService(h).initiateEarlyEnd(id, UserType.MITRA, { actorId: 'm-1', reason: 'customer_left' })
    expect(r.status).toBe('closing')
    // the stopped transaction was ended by the server within its idle timeout, inside the lock timeout
    expect(Date.now() - started).toBeLessThan(5000)
    const admin = new pg.Client({ connectionString: target })
    await admin.connect()
    onTestFinished(() => admin.end())
    const { rows } = await admin.query(
      `select count(*)::int as n from pg_stat_activity where datname = current_database() and state like 'idle in transaction%'`,
    )
    expect(rows[0].n).toBe(0)
  }, 20_000)

  it('a URL that switches the lock and statement timeouts off still gets DB_ERROR (busy) within the lock timeout, not a wait without end', async () => {
    const { target, id } = await ready()
    const off = await openDatabase(`${target}?options=${encodeURIComponent('-c lock_timeout=0 -c statement_timeout=0')}`, { poolSize: 2 })
    onTestFinished(() => off.close())
    const holder = new pg.Client({ connectionString: target })
    await holder.connect()
    onTestFinished(() => holder.end())
    await holder.query('begin')
    await holder.query('select id from sessions where id = $1 for update', [id])
    const started = Date.now()
    const e = await createClosureService(off)
      .initiateEarlyEnd(id, UserType.MITRA, { actorId: 'm-1', reason: 'customer_left' })
      .catch((x: unknown) => x)
    expect(e).toBeInstanceOf(HaloError)
    expect((e as HaloError).code).toBe('DB_ERROR')
    expect((e as HaloError).message).toMatch(/busy/)
    expect(Date.now() - started).toBeLessThan(8000)
    await holder.query('rollback')
  }, 20_000)
})
