import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely'
import type { Engine } from '../store/engine.js'
import type { Schema } from '../store/schema.js'

const SLOT = Symbol('slot')

/** Stands for the n-th value of a query template while it is compiled. */
export interface Slot {
  readonly [SLOT]: number
}

const isSlot = (v: unknown): v is Slot => typeof v === 'object' && v !== null && SLOT in v

interface Compiled {
  readonly query: CompiledQuery['query']
  readonly queryId: CompiledQuery['queryId']
  readonly sql: string
  /** Per parameter: the template value it takes, or a constant of the query. */
  readonly params: ReadonlyArray<number | { readonly constant: unknown }>
}

/**
 * A query built and compiled once per engine, then run with new values.
 * kysely builds and compiles every query anew, which costs as much as
 * running it on SQLite; the early end runs the same nine queries every time.
 * `build` receives a placeholder for each value and must not look at them
 * (no branching on a value, no arrays whose length varies).
 *
 * ```ts
 * const byId = queryTemplate((db, _engine, id) => db.selectFrom('sessions').selectAll().where('id', '=', id as never))
 * const { rows } = await byId(trx, engine, 42)
 * ```
 */
export function queryTemplate<R>(build: (db: Kysely<Schema>, engine: Engine, ...values: Slot[]) => Compilable<R>) {
  const compiled = new WeakMap<Engine, Compiled>()
  return function run(db: Kysely<Schema>, engine: Engine, ...values: unknown[]): Promise<QueryResult<R>> {
    let c = compiled.get(engine)
    if (c === undefined) {
      const slots = values.map((_, i): Slot => ({ [SLOT]: i }))
      const q = build(db, engine, ...slots).compile()
      c = { query: q.query, queryId: q.queryId, sql: q.sql, params: q.parameters.map((p) => (isSlot(p) ? p[SLOT] : { constant: p })) }
      if (new Set(c.params.filter((p) => typeof p === 'number')).size !== values.length)
        throw new Error(`query template uses ${c.params.length} values, got ${values.length}`)
      compiled.set(engine, c)
    }
    const parameters = c.params.map((p) => (typeof p === 'number' ? values[p] : p.constant))
    return db.executeQuery<R>({ query: c.query, queryId: c.queryId, sql: c.sql, parameters })
  }
}
