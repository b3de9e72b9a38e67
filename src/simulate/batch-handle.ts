/**
 * The batch path of `simulate`: many service calls in one database
 * transaction. Each call's `write` becomes a savepoint inside the outer
 * transaction, so a refused early end still rolls back everything it touched
 * (exactly as its own transaction would) while the commit cost is paid once
 * per batch. The closure service runs unchanged over this handle: same rules,
 * same write code.
 */
import { CompiledQuery, sql, type Kysely } from 'kysely'
import { HaloError } from '../errors.js'
import type { HaloDatabase } from '../store/database.js'
import type { Schema } from '../store/schema.js'

/**
 * A handle whose writes are savepoints in `trx`, an open write transaction
 * of `outer`. Only for use inside `outer.write(...)`, by one caller at a time.
 *
 * ```ts
 * await handle.write(async (trx) => {
 *   const closures = createClosureService(savepointHandle(handle, trx), { clock })
 *   for (const id of ids) await closures.initiateEarlyEnd(id, UserType.MITRA, ask).catch(countRefusal)
 * })
 * ```
 */
export function savepointHandle(outer: HaloDatabase, trx: Kysely<Schema>): HaloDatabase {
  let depth = 0
  return Object.freeze({
    engineName: outer.engineName,
    target: outer.target,
    db: trx,
    engine: outer.engine,
    async write<T>(fn: (t: Kysely<Schema>) => Promise<T>): Promise<T> {
      const name = sql.raw(`halo_batch_${depth++}`)
      await sql`savepoint ${name}`.execute(trx)
      try {
        const result = await fn(trx)
        await sql`release savepoint ${name}`.execute(trx)
        return result
      } catch (e) {
        try {
          await sql`rollback to savepoint ${name}`.execute(trx)
          await sql`release savepoint ${name}`.execute(trx)
        } catch (undone) {
          // SQLite ends the whole transaction by itself on some errors (disk full, I/O error), taking the
          // savepoint with it: report the error that broke the batch, not "no such savepoint". A refusal
          // whose writes could not be undone must not pass for a refusal.
          throw e instanceof HaloError ? undone : e
        }
        throw e
      } finally {
        depth--
      }
    },
    read: <T>(fn: (db: Kysely<Schema>) => Promise<T>): Promise<T> => fn(trx),
    select: async <R>(sqlText: string): Promise<R[]> => (await trx.executeQuery<R>(CompiledQuery.raw(sqlText))).rows,
    close: async () => {},
  })
}
