import type { ColumnDefinitionBuilder, CreateTableBuilder, Kysely } from 'kysely'

export type Engine = 'sqlite' | 'postgres'

/** A forward-only migration; `engine` picks column types where the two engines spell them differently. */
export interface HaloMigration {
  readonly name: string
  up(db: Kysely<any>, engine: Engine): Promise<void>
}

/** An auto-incrementing integer primary key that comes back as a JS number on both engines. */
export function withId<T extends string>(t: CreateTableBuilder<T, never>, engine: Engine): CreateTableBuilder<T, 'id'> {
  return engine === 'postgres' ? t.addColumn('id', 'serial', (c) => c.primaryKey()) : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
}

/** Stored in UTC: `timestamptz` on PostgreSQL, ISO-8601 text on SQLite. */
export function timeType(engine: Engine): 'timestamptz' | 'text' {
  return engine === 'postgres' ? 'timestamptz' : 'text'
}

export const notNull = (c: ColumnDefinitionBuilder) => c.notNull()
