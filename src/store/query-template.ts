import type { CompiledQuery, Expression, Kysely, OperationNode, QueryResult } from 'kysely'
import type { Engine, StatementRunner } from './engine.js'
import { queryBuilder } from './query-builder.js'
import type { Schema } from './schema.js'

/**
 * Stands for the value a query template takes at `index` while the template is built: a kysely
 * expression of type `T`, so it goes wherever a value of the column's type does (`where`, `values`,
 * `set`, a `sql` template), with no cast.
 */
export class Slot<T> implements Expression<T> {
  constructor(readonly index: number) {}

  get expressionType(): T | undefined {
    return undefined
  }

  toOperationNode(): OperationNode {
    return queryBuilder().ValueNode.create(this)
  }
}

type Slots<A extends readonly unknown[]> = { [K in keyof A]: Slot<A[K]> }

/** What a template's builder returns: a query builder, or a `sql` template (compiled against `db`). */
type Buildable<R> = { compile(): CompiledQuery<R> } | { compile(executorProvider: Kysely<Schema>): CompiledQuery<R> }

interface Compiled {
  readonly query: CompiledQuery['query']
  readonly queryId: CompiledQuery['queryId']
  readonly sql: string
  /** Per parameter: the template value it takes, or a constant of the query. */
  readonly params: ReadonlyArray<number | { readonly constant: unknown }>
}

/**
 * A query built and compiled once per engine, then run with new values. kysely builds and compiles
 * every query anew, which costs as much as running it on SQLite; the hot paths (an early end, the
 * flags) run the same few queries every time. `build` receives a `Slot` for each value, typed as the
 * value, and must not look at them (no branching on a value, no arrays whose length varies). It is
 * built with the engine's query builder and runs on whatever `db` it is given: a transaction of the
 * builder, or a `HotTransaction` on the driver's own connection.
 *
 * ```ts
 * const byId = queryTemplate((db, _engine, id: Slot<number>) => db.selectFrom('sessions').selectAll().where('id', '=', id))
 * const { rows } = await byId(trx, engine, 42)
 * ```
 */
export function queryTemplate<A extends readonly unknown[], R>(
  build: (db: Kysely<Schema>, engine: Engine, ...slots: Slots<A>) => Buildable<R>,
): (db: StatementRunner, engine: Engine, ...values: A) => Promise<QueryResult<R>> {
  const compiled = new WeakMap<Engine, Compiled>()
  return function run(db, engine, ...values) {
    let c = compiled.get(engine)
    if (c === undefined) {
      const slots = values.map((_, i) => new Slot(i)) as unknown as Slots<A>
      const q = (build(engine.db, engine, ...slots) as { compile(p: Kysely<Schema>): CompiledQuery<R> }).compile(engine.db)
      c = { query: q.query, queryId: q.queryId, sql: q.sql, params: q.parameters.map((p) => (p instanceof Slot ? p.index : { constant: p })) }
      if (new Set(c.params.filter((p) => typeof p === 'number')).size !== values.length)
        throw new Error(`query template uses ${c.params.length} values, got ${values.length}`)
      compiled.set(engine, c)
    }
    const parameters = c.params.map((p) => (typeof p === 'number' ? values[p] : p.constant))
    return db.executeQuery<R>({ query: c.query, queryId: c.queryId, sql: c.sql, parameters })
  }
}

/**
 * SQL written by hand for the engine's driver (`Engine.direct`), its tables qualified by `table`, built
 * once per engine: the same string every call, so the driver's statement cache finds it without
 * building and hashing a new one.
 *
 * ```ts
 * const countText = directSql((table) => `select count(*) as n from ${table('sessions')} where status = ?`)
 * engine.direct!.get<{ n: number }>(countText(engine), 'active')
 * ```
 */
export function directSql(build: (table: (name: string) => string) => string): (engine: Engine) => string {
  const texts = new WeakMap<Engine, string>()
  return (engine) => {
    let text = texts.get(engine)
    if (text === undefined) {
      text = build((name) => engine.table(name))
      texts.set(engine, text)
    }
    return text
  }
}
