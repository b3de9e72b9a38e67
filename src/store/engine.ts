import type { Kysely, SelectQueryBuilder } from 'kysely'
import type { Schema } from './schema.js'

export type EngineName = 'sqlite' | 'postgres'

/**
 * What truly differs between SQLite and PostgreSQL. Everything else (queries,
 * rules, services) is shared and never asks which engine it runs on.
 */
export interface Engine {
  readonly name: EngineName
  /** The query builder, built on first use; `loadQueryBuilder()` must have resolved. */
  readonly db: Kysely<Schema>
  /**
   * Runs one read-only SQL text without values, outside any transaction and
   * without the query builder when it is not built yet.
   */
  selectAll<R>(sqlText: string): Promise<R[]>
  /**
   * Runs `fn` in a transaction that writes. SQLite starts it as a writer
   * (`BEGIN IMMEDIATE`), so a read-then-write never fails on a lock upgrade;
   * PostgreSQL uses READ COMMITTED plus row locks, retrying deadlocks.
   */
  writeTransaction<T>(fn: (trx: Kysely<Schema>) => Promise<T>): Promise<T>
  /** Adds `FOR UPDATE` where the engine has row locks (SQLite's writer lock already covers it). */
  lockForUpdate<O>(qb: SelectQueryBuilder<Schema, any, O>): SelectQueryBuilder<Schema, any, O>
  /** Adds `FOR UPDATE SKIP LOCKED` where the engine has it, so parallel sweeps split the work. */
  lockSkipLocked<O>(qb: SelectQueryBuilder<Schema, any, O>): SelectQueryBuilder<Schema, any, O>
  /** Translates a driver error into a `DB_ERROR` message, or null when it is not the database's fault. */
  describeError(e: unknown): string | null
  /** True for a unique-constraint violation (a lost race the caller may retry). */
  isUniqueViolation(e: unknown): boolean
  close(): Promise<void>
}
