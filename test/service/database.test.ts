import Database from 'better-sqlite3'
import { sql } from 'kysely'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createClosureService, createConfigStore, migrateToLatest, migrationStatus, openDatabase, UserType } from '../../src/index.js'
import { MIGRATIONS } from '../../migrations/index.js'
import { ENGINES } from '../support/engines.js'
import { expectCode, fresh } from '../support/fixtures.js'

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'halo-db-test-'))
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

describe.each(ENGINES)('migrations on %s', (engine) => {
  it('does nothing when the database is already up to date', async () => {
    const t = await fresh(engine)
    const status = await migrationStatus(t.handle)
    expect(status.pending).toEqual([])
    expect(status.applied).toContain('0001-initial-schema')
    const again = await migrateToLatest(t.handle)
    expect(again.ran).toEqual([])
    expect(again.applied).toEqual(status.applied)
    expect((await migrateToLatest(t.handle)).ran).toEqual([])
  })

  it('refuses with DB_ERROR a database migrated by a newer halo-admin', async () => {
    const t = await fresh(engine)
    await t.handle.db
      .insertInto('kysely_migration' as never)
      .values({ name: '9999-from-the-future', timestamp: new Date().toISOString() } as never)
      .execute()
    const e = await expectCode(migrateToLatest(t.handle), 'DB_ERROR')
    expect(e.message).toMatch(/newer halo-admin/)
    expect(e.message).toMatch(/9999-from-the-future/)
  })

  it('enforces foreign keys', async () => {
    const t = await fresh(engine)
    const orphan = t.handle.db
      .insertInto('session_goodbyes')
      .values({ session_id: 424242, side: 'mitra', actor_id: 'm', message: 'x', created_at: '2026-11-24T00:00:00Z' })
      .execute()
    await expect(orphan).rejects.toThrow(/foreign key/i)
  })
})

describe('SQLite files', () => {
  it('creates and migrates a new file, in WAL mode with foreign keys on and user_version set', async () => {
    const dir = tempDir()
    const handle = await openDatabase(join(dir, 'new.db'))
    onTestFinished(() => handle.close())
    const first = await migrateToLatest(handle)
    expect(first.ran).toEqual(MIGRATIONS.map((m) => m.name))
    const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(handle.db)
    expect(mode.rows[0]?.journal_mode).toBe('wal')
    const fk = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(handle.db)
    expect(fk.rows[0]?.foreign_keys).toBe(1)
    const v = await sql<{ user_version: number }>`pragma user_version`.execute(handle.db)
    expect(v.rows[0]?.user_version).toBe(MIGRATIONS.length)
    expect((await migrateToLatest(handle)).ran).toEqual([])
  })

  it('says DB_ERROR for a path that cannot be opened', async () => {
    const dir = tempDir()
    const e = await expectCode(openDatabase(join(dir, 'no', 'such', 'dir', 'halo.db')), 'DB_ERROR')
    expect(e.message).toMatch(/cannot open database/)
    await expectCode(openDatabase(dir), 'DB_ERROR')
  })

  it('says DB_ERROR for a file that is not a database', async () => {
    const dir = tempDir()
    const { writeFileSync } = await import('node:fs')
    writeFileSync(join(dir, 'junk.db'), 'this is not sqlite, just text that goes on for a while '.repeat(100))
    let caught: unknown
    try {
      const h = await openDatabase(join(dir, 'junk.db'))
      onTestFinished(() => h.close())
      await migrateToLatest(h)
    } catch (e) {
      caught = e
    }
    expect((caught as { code?: string }).code).toBe('DB_ERROR')
  })

  it('works in memory', async () => {
    const handle = await openDatabase(':memory:')
    onTestFinished(() => handle.close())
    await migrateToLatest(handle)
    const closures = createClosureService(handle)
    const s = await closures.openSession({ customerId: 'c', mitraId: 'm' })
    expect((await closures.getSession(s.id)).status).toBe('active')
  })

  it('re-runs cached statements with fresh values and after the schema under them changed', async () => {
    const handle = await openDatabase(':memory:')
    onTestFinished(() => handle.close())
    await sql`create table t (id integer primary key, a text)`.execute(handle.db)
    await sql`insert into t (a) values ('one'), ('two')`.execute(handle.db)
    const byId = (id: number) => sql<Record<string, unknown>>`select * from t where id = ${id}`.execute(handle.db)
    expect((await byId(1)).rows).toEqual([{ id: 1, a: 'one' }])
    expect((await byId(2)).rows).toEqual([{ id: 2, a: 'two' }])
    await sql`drop table t`.execute(handle.db)
    await sql`create table t (id integer primary key, b integer, c text)`.execute(handle.db)
    await sql`insert into t (b, c) values (7, 'x')`.execute(handle.db)
    expect((await byId(1)).rows).toEqual([{ id: 1, b: 7, c: 'x' }])
    // a statement still being iterated by a stream is not handed out again
    const seen: unknown[] = []
    for await (const row of handle.db
      .selectFrom('t' as never)
      .selectAll()
      .stream())
      seen.push(row)
    expect(seen).toHaveLength(1)
  })

  it('turns a writer lock held past the busy timeout into DB_ERROR, never SQLITE_BUSY', async () => {
    const dir = tempDir()
    const file = join(dir, 'busy.db')
    const handle = await openDatabase(file)
    onTestFinished(() => handle.close())
    await migrateToLatest(handle)
    const other = new Database(file)
    other.exec('begin immediate')
    onTestFinished(() => {
      if (other.inTransaction) other.exec('rollback')
      other.close()
    })
    const e = await expectCode(createConfigStore(handle).set('early_end_mitra_enabled', true, { actor: 'ops' }), 'DB_ERROR')
    expect(e.message).toMatch(/busy/)
    other.exec('rollback')
    expect(await createConfigStore(handle).set('early_end_mitra_enabled', true, { actor: 'ops' })).not.toBeNull()
  }, 20_000)
})

describe('PostgreSQL targets', () => {
  it('says DB_ERROR for a server that is not there, without printing the password', async () => {
    const handle = await openDatabase('postgres://halo:s3cr3t-pw@127.0.0.1:1/halo')
    onTestFinished(() => handle.close())
    expect(handle.target).not.toContain('s3cr3t-pw')
    const e = await expectCode(migrateToLatest(handle), 'DB_ERROR')
    expect(e.message).not.toContain('s3cr3t-pw')
  })
})

describe('a SQLite file after a handle that only ended sessions', () => {
  it('is closed by close(): no -wal or -shm left behind, whether the early end was refused or written', async () => {
    const file = join(tempDir(), 'halo.db')
    const setup = await openDatabase(file)
    await migrateToLatest(setup)
    await createConfigStore(setup).set('early_end_mitra_enabled', true, { actor: 'ops-1' })
    const session = await createClosureService(setup).openSession({ customerId: 'c-1', mitraId: 'm-1' })
    await setup.close()
    for (const id of [999, session.id]) {
      // a new handle whose only use is the early end's hot path: it never builds a query itself
      const handle = await openDatabase(file)
      await createClosureService(handle)
        .initiateEarlyEnd(id, UserType.MITRA, { actorId: 'm-1', reason: 'customer_left' })
        .catch(() => {})
      await handle.close()
      expect([existsSync(`${file}-wal`), existsSync(`${file}-shm`)]).toEqual([false, false])
    }
    const check = new Database(file, { readonly: true })
    onTestFinished(() => {
      check.close()
    })
    expect(check.prepare('select status from sessions where id = ?').get(session.id)).toEqual({ status: 'closing' })
  })
})
