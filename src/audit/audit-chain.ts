/**
 * The audit hash chain's arithmetic, with no I/O: what a record's digest covers, and how a link
 * follows the one before it. As git's commits form one, each link's hash covers its record's digest
 * and the previous link's hash, so changing, removing or reordering any sealed record changes every
 * hash after it; `audit verify` recomputes them from the records as they are now.
 */
import { createHash } from 'node:crypto'
import { CLOSURE_COLUMNS } from '../closure/closure-repository.js'

/** The tables whose records the chain covers. */
export type AuditSource = 'config_audit' | 'session_closures' | 'cc_reviews'

export const AUDIT_SOURCES: readonly AuditSource[] = Object.freeze(['config_audit', 'session_closures', 'cc_reviews'])

/**
 * The columns each record's digest covers, in order: every audited column. A closure's `finalized_at`
 * is left out (the sweep sets it after the end was recorded); a review is sealed once resolved, and
 * its digest covers the review and its resolution.
 */
export const AUDITED_COLUMNS: Readonly<Record<AuditSource, readonly string[]>> = Object.freeze({
  config_audit: ['id', 'key', 'old_value', 'new_value', 'actor', 'note', 'created_at', 'authenticated_as'],
  // every column of a closure but finalized_at, which the sweep sets after the end was recorded
  session_closures: ['id', ...CLOSURE_COLUMNS.filter((c) => c !== 'finalized_at')],
  cc_reviews: [
    'id',
    'mitra_id',
    'business_day',
    'trigger',
    'status',
    'outcome',
    'note',
    'opened_at',
    'resolved_at',
    'resolved_by',
    'resolved_authenticated_as',
  ],
})

/** Columns read back as 0/1 on one engine and booleans on the other: digested as 0/1. */
const FLAG_COLUMNS = new Set(['over_cap'])

/** The hash the first link follows. */
export const GENESIS = '0'.repeat(64)

/** A record as read: its audited columns by name. */
export type AuditRecord = Readonly<Record<string, unknown>>

function canonical(column: string, value: unknown): string | number | null {
  if (value === null || value === undefined) return null
  if (FLAG_COLUMNS.has(column)) return value === true || value === 1 || value === '1' || value === 't' ? 1 : 0
  if (typeof value === 'number' || typeof value === 'bigint') return Number(value)
  if (value instanceof Date) return value.toISOString()
  return String(value)
}

/**
 * The record's digest: sha256 over its source and audited columns as one JSON array, the same bytes
 * on both engines (times as ISO-8601 UTC, flags as 0/1, ids as numbers).
 *
 * ```ts
 * recordDigest('config_audit', row) // '9f2c…' (64 hex digits)
 * ```
 */
export function recordDigest(source: AuditSource, record: AuditRecord): string {
  const values: unknown[] = [source]
  for (const column of AUDITED_COLUMNS[source]) values.push(canonical(column, record[column]))
  return createHash('sha256').update(JSON.stringify(values)).digest('hex')
}

/** A link's place and content: what its hash covers besides the previous hash. */
export interface LinkFacts {
  readonly seq: number
  readonly source: AuditSource | string
  readonly rowId: number
  readonly digest: string
  readonly backfilled: boolean
}

/**
 * The hash of link `seq`: sha256 over the previous link's hash and this link's facts, so a link
 * cannot move, change its record or its backfilled mark without every later hash changing.
 *
 * ```ts
 * let head = GENESIS
 * for (const link of links) head = linkHash(head, link)
 * ```
 */
export function linkHash(previous: string, link: LinkFacts): string {
  return createHash('sha256')
    .update(`${previous}\n${link.seq}\n${link.source}\n${link.rowId}\n${link.digest}\n${link.backfilled ? 1 : 0}`)
    .digest('hex')
}
