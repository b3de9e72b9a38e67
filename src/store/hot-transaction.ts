import type { CompiledQuery, Kysely, QueryResult } from 'kysely'
import type { HotTransaction } from './engine.js'
import type { Schema } from './schema.js'

/**
 * A query builder's transaction as a `HotTransaction`: what a hot write runs on when it joins a
 * transaction already open (a backend's own `write`), or where the engine has no path of its own.
 */
export function builderTransaction(trx: Kysely<Schema>): HotTransaction {
  return { executeQuery: <R>(q: CompiledQuery<R>): Promise<QueryResult<R>> => trx.executeQuery(q), builder: () => trx }
}
