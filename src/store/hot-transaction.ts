import type { CompiledQuery, DatabaseConnection, Driver, Kysely, QueryResult } from 'kysely'
import type { HotTransaction } from './engine.js'
import { queryBuilder } from './query-builder.js'
import type { Schema } from './schema.js'

/**
 * A query builder's transaction as a `HotTransaction`: what a hot write runs on when it joins a
 * transaction already open (a backend's own `write`), or where the engine has no path of its own.
 */
export function builderTransaction(trx: Kysely<Schema>): HotTransaction {
  return { executeQuery: <R>(q: CompiledQuery<R>): Promise<QueryResult<R>> => trx.executeQuery(q), builder: () => trx }
}

/**
 * A transaction already begun on `connection`, a connection of the query builder's driver held by the
 * caller (SQLite's one connection): statements run on it, and a query builder on it is made only when
 * asked for (the guard's reads and writes).
 */
export function heldTransaction(connection: DatabaseConnection): HotTransaction {
  let builder: Kysely<Schema> | undefined
  return {
    executeQuery: <R>(q: CompiledQuery<R>): Promise<QueryResult<R>> => connection.executeQuery<R>(q),
    builder: () => (builder ??= overConnection(connection)),
  }
}

/** A query builder whose every statement runs on `connection`, which the caller holds (SQLite). */
function overConnection(connection: DatabaseConnection): Kysely<Schema> {
  const { Kysely, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler } = queryBuilder()
  const held: Driver = {
    init: async () => {},
    acquireConnection: async () => connection,
    beginTransaction: async () => {
      throw new Error('a transaction is already open on this connection')
    },
    commitTransaction: async () => {},
    rollbackTransaction: async () => {},
    releaseConnection: async () => {},
    destroy: async () => {},
  }
  return new Kysely<Schema>({
    dialect: {
      createAdapter: () => new SqliteAdapter(),
      createDriver: () => held,
      createIntrospector: (db) => new SqliteIntrospector(db),
      createQueryCompiler: () => new SqliteQueryCompiler(),
    },
  })
}
