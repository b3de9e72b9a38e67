/**
 * A backend that migrates its own tables with kysely has `public.kysely_migration` and
 * `public.kysely_migration_lock`, as has a database where halo-admin was once installed in public.
 * Migrating the library into its own schema there must create and use its own migration tables,
 * and leave those in public as they were.
 */
import pg from 'pg'
import { describe, expect, it, onTestFinished } from 'vitest'
import { migrateToLatest, migrationStatus, openDatabase } from '../../src/index.js'
import { emptyDatabase } from '../support/engines.js'

describe('the library in its own schema beside a backend that migrates with kysely', () => {
  it('keeps its migration record in its schema, and public’s as it was', async () => {
    const url = await emptyDatabase('postgres')
    const admin = new pg.Client({ connectionString: url })
    await admin.connect()
    onTestFinished(() => admin.end())
    await admin.query(`create table public.kysely_migration (name varchar(255) primary key, timestamp varchar(255) not null)`)
    await admin.query(`create table public.kysely_migration_lock (id varchar(255) primary key, is_locked integer not null default 0)`)
    await admin.query(`insert into public.kysely_migration values ('2025-01-01-backend-users', '2025-01-01T00:00:00.000Z')`)
    await admin.query(`insert into public.kysely_migration_lock values ('migration_lock', 0)`)
    const publicRecord = async () => (await admin.query(`select name from public.kysely_migration order by name`)).rows

    const handle = await openDatabase(url, { schema: 'halo' })
    onTestFinished(() => handle.close())
    const first = await migrateToLatest(handle)
    expect(first.ran).toEqual(first.applied)
    expect((await migrateToLatest(handle)).ran).toEqual([])
    expect((await migrationStatus(handle)).pending).toEqual([])

    const ours = await admin.query(`select name from halo.kysely_migration order by name`)
    expect(ours.rows.map((r) => r.name)).toEqual(first.applied)
    expect(await publicRecord()).toEqual([{ name: '2025-01-01-backend-users' }])
  })
})
