/** The queries of the audit verifier: the chain, the records it covers, the seals. No rules here. */
import type { Kysely } from 'kysely'
import type { Engine } from '../store/engine.js'
import { queryBuilder } from '../store/query-builder.js'
import type { Schema } from '../store/schema.js'
import { AUDIT_SOURCES, AUDITED_COLUMNS, type AuditRecord, type AuditSource } from './audit-chain.js'

const PREFIX: Readonly<Record<AuditSource, string>> = { config_audit: 'ca', session_closures: 'sc', cc_reviews: 'cr' }

/** A link of the chain with the record it points at as it is now (null: the record is gone). */
export interface LinkWithRecord {
  readonly seq: number
  readonly source: string
  readonly rowId: number
  readonly digest: string
  readonly hash: string
  readonly backfilled: boolean
  readonly record: AuditRecord | null
}

/**
 * Links after `afterSeq`, in order, each with its record read in the same statement (a left join per
 * audited table through its primary key), a page at a time.
 */
export async function linksAfter(db: Kysely<Schema>, engine: Engine, afterSeq: number, limit: number): Promise<LinkWithRecord[]> {
  const { sql } = queryBuilder()
  const columns = AUDIT_SOURCES.flatMap((s) => AUDITED_COLUMNS[s].map((c) => `${PREFIX[s]}."${c}" as ${PREFIX[s]}_${c}`))
  const joins = AUDIT_SOURCES.map((s) => `left join ${engine.table(s)} ${PREFIX[s]} on a.source = '${s}' and ${PREFIX[s]}.id = a.row_id`)
  const { rows } = await sql<Record<string, unknown>>`
    select a.seq, a.source, a.row_id, a.digest, a.hash, a.backfilled, ${sql.raw(columns.join(', '))}
    from ${sql.raw(engine.table('audit_chain'))} a ${sql.raw(joins.join(' '))}
    where a.seq > ${afterSeq} order by a.seq limit ${limit}
  `.execute(db)
  return rows.map((r) => {
    const source = String(r.source)
    const prefix = PREFIX[source as AuditSource]
    let record: AuditRecord | null = null
    if (prefix !== undefined && r[`${prefix}_id`] !== null && r[`${prefix}_id`] !== undefined) {
      const fields: Record<string, unknown> = {}
      for (const c of AUDITED_COLUMNS[source as AuditSource]) fields[c] = r[`${prefix}_${c}`]
      record = fields
    }
    return {
      seq: Number(r.seq),
      source,
      rowId: Number(r.row_id),
      digest: String(r.digest),
      hash: String(r.hash),
      backfilled: Boolean(Number(r.backfilled)),
      record,
    }
  })
}

/** A record the chain does not cover yet, with the transaction that wrote it (PostgreSQL; null on SQLite). */
export interface UnsealedRecord {
  readonly source: AuditSource
  readonly id: number
  readonly tx: bigint | null
  readonly record: AuditRecord
}

/**
 * Records of `source` without a link, by id, a page at a time (after `afterId`; null: from the first): every record for the flag history
 * and the closures, resolved reviews only (a review is audited for its resolution).
 */
export async function unsealedAfter(db: Kysely<Schema>, engine: Engine, source: AuditSource, afterId: number | null, limit: number): Promise<UnsealedRecord[]> {
  const { sql } = queryBuilder()
  const tracksTx = engine.eventOrder === 'transaction'
  const columns = AUDITED_COLUMNS[source].map((c) => `r."${c}"`)
  if (tracksTx) columns.push('r.audit_tx::text as audit_tx')
  const { rows } = await sql<Record<string, unknown>>`
    select ${sql.raw(columns.join(', '))} from ${sql.raw(engine.table(source))} r
    where ${afterId === null ? sql`true` : sql`r.id > ${afterId}`} ${sql.raw(source === 'cc_reviews' ? `and r.status = 'resolved'` : '')}
      and not exists (select 1 from ${sql.raw(engine.table('audit_chain'))} a where a.source = ${source} and a.row_id = r.id)
    order by r.id limit ${limit}
  `.execute(db)
  return rows.map((r) => {
    const tx = tracksTx && r.audit_tx !== null && r.audit_tx !== undefined ? BigInt(String(r.audit_tx)) : null
    const record: Record<string, unknown> = {}
    for (const c of AUDITED_COLUMNS[source]) record[c] = r[c]
    return { source, id: Number(r.id), tx, record }
  })
}

/** The highest id the chain holds of each source (0 when none). */
export async function highestSealed(db: Kysely<Schema>): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('audit_chain')
    .select(['source', (eb) => eb.fn.max('row_id').as('max_id')])
    .groupBy('source')
    .execute()
  return new Map(rows.map((r) => [r.source, Number(r.max_id)]))
}

/** The latest seal, if any. */
export function latestSeal(db: Kysely<Schema>) {
  return db.selectFrom('audit_seals').selectAll().orderBy('id', 'desc').limit(1).executeTakeFirst()
}

/** The highest id of each audited table when migration 0008 ran. */
export async function backfillBoundaries(db: Kysely<Schema>): Promise<Map<string, number>> {
  const rows = await db.selectFrom('audit_backfill').select(['source', 'max_id']).execute()
  return new Map(rows.map((r) => [r.source, Number(r.max_id)]))
}

/**
 * PostgreSQL: where transactions stand as this statement sees them (every one below `fence` has
 * ended; every one at or above `horizon` starts later) and who is logged in. Null on SQLite, whose
 * one writer at a time commits in id order.
 */
export async function transactionHorizon(db: Kysely<Schema>, engine: Engine): Promise<{ fence: bigint; horizon: bigint; who: string } | null> {
  if (engine.eventOrder !== 'transaction') return null
  const { sql } = queryBuilder()
  const { rows } = await sql<{ fence: string; horizon: string; who: string }>`
    select pg_snapshot_xmin(pg_current_snapshot())::text as fence, pg_snapshot_xmax(pg_current_snapshot())::text as horizon, session_user::text as who
  `.execute(db)
  const r = rows[0]!
  return { fence: BigInt(r.fence), horizon: BigInt(r.horizon), who: r.who }
}

/** PostgreSQL: one sealer at a time per schema (a transaction-scoped advisory lock, which needs no grant). */
export async function lockSealer(db: Kysely<Schema>, engine: Engine): Promise<void> {
  if (engine.eventOrder !== 'transaction') return
  const { sql } = queryBuilder()
  await sql`select pg_advisory_xact_lock(hashtext(${`halo-admin audit seal ${engine.table('audit_chain')}`}))`.execute(db)
}

export interface NewLink {
  readonly seq: number
  readonly source: string
  readonly row_id: number
  readonly digest: string
  readonly hash: string
  readonly backfilled: boolean
  readonly seal_id: number
}

export async function insertLinks(trx: Kysely<Schema>, links: readonly NewLink[]): Promise<void> {
  for (let i = 0; i < links.length; i += 500)
    await trx
      .insertInto('audit_chain')
      .values(links.slice(i, i + 500).map((l) => ({ ...l, backfilled: l.backfilled ? 1 : 0 })) as never)
      .execute()
}

export async function insertSeal(
  trx: Kysely<Schema>,
  seal: {
    id: number
    sealed_at: string
    sealed_by: string
    fence: string | null
    horizon: string | null
    first_seq: number
    last_seq: number
    head_hash: string
  },
): Promise<void> {
  await trx.insertInto('audit_seals').values(seal).execute()
}
