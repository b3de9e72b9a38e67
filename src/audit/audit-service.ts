/**
 * `audit verify`: checks the hash chain over the audit records, then seals the records appended since
 * the last run onto it. Both engines, the same arithmetic (src/audit/audit-chain.ts).
 *
 * What a seal proves. A record is chained once, in the order it was sealed. From then on, any change
 * to it (an edit by the owner in raw SQL included), its removal, or an edit of the chain itself
 * changes a digest or a hash, and verify names the first link that no longer holds. A record found
 * unsealed where the chain proves it should already have been sealed is "inserted out of order":
 * - SQLite: one writer at a time gives ids in commit order, so an unsealed record below the highest
 *   sealed id of its table was written behind the chain's back;
 * - PostgreSQL: ids are taken before commit, so a late commit can have a lower id. Each record carries
 *   its transaction (`audit_tx`, set by a trigger) and each seal where transactions stood: below its
 *   `fence` every transaction had ended (so a record of one must have been sealed then), and from its
 *   `horizon` on every transaction started after it (so its records take ids above everything sealed).
 *   Only records of ended transactions are sealed, so a transaction still running is left for next time.
 * What it cannot prove: records written and changed before their first seal (run verify often, e.g.
 * nightly), and an owner who rewrites every record and the whole chain consistently; the head hash
 * it prints, kept somewhere else, catches that.
 */
import type { Kysely } from 'kysely'
import type { Schema } from '../store/schema.js'
import { systemClock, type Clock } from '../core/clock.js'
import { HaloError } from '../errors.js'
import { osIdentity } from '../access/identity.js'
import { NEEDS } from '../access/needed-role.js'
import type { HaloDatabase } from '../store/database.js'
import { AUDIT_SOURCES, GENESIS, linkHash, recordDigest, type AuditSource } from './audit-chain.js'
import * as repo from './audit-repository.js'

const PAGE = 5000

type Db = Kysely<Schema>
type Horizon = Awaited<ReturnType<typeof repo.transactionHorizon>>

interface SealOutcome {
  sealed: number
  backfilled: number
  unsealed: number
  refused: string | null
  problem: AuditProblem | null
  headHash?: string
}

/**
 * The first record that no longer holds, as `audit verify` names it.
 *
 * ```ts
 * if (problem?.kind === 'changed') alert(`${problem.source} #${problem.rowId} was edited`)
 * ```
 */
export interface AuditProblem {
  /** `changed`: the record differs from what was sealed; `removed`: it is gone; `out_of_order`: written behind the chain's back; `chain_altered`: a link itself was edited. */
  readonly kind: 'changed' | 'removed' | 'out_of_order' | 'chain_altered'
  readonly source: string
  readonly rowId: number
  /** The link concerned (none for a record never sealed). */
  readonly seq: number | null
  /** One line for people. */
  readonly message: string
}

/**
 * What `verify` found and did.
 *
 * ```ts
 * const r = await createAuditService(handle).verify()
 * if (!r.ok) process.exitCode = 4
 * ```
 */
export interface AuditVerification {
  readonly ok: boolean
  /** Links checked (the whole chain, including the ones this run added). */
  readonly links: number
  /** Records this run sealed onto the chain. */
  readonly sealed: number
  /** Of those and earlier ones, links marked backfilled (written before migration 0008). */
  readonly backfilled: number
  /** Records left for a later run: written by transactions still running (PostgreSQL), or this role may not seal. */
  readonly unsealed: number
  /** Why nothing was sealed when records were waiting (a role without the right), else null. */
  readonly sealRefused: string | null
  /** The chain's last link after this run; keep it elsewhere to catch a rewrite of the whole chain. */
  readonly head: { readonly seq: number; readonly hash: string } | null
  readonly problem: AuditProblem | null
}

/**
 * What `createAuditService` gives: `verify`, the check and seal `halo-admin audit verify` runs.
 *
 * ```ts
 * const audit: AuditService = createAuditService(handle)
 * ```
 */
export interface AuditService {
  /**
   * Checks every link against its record, then (`seal`, default true) chains what was appended since.
   * Changes nothing when it finds a problem. A role that may not seal (only `halo_ops` and the owner
   * may) gets the check alone, with `sealRefused` saying so.
   *
   * @throws HaloError `DB_ERROR`
   */
  verify(options?: { seal?: boolean }): Promise<AuditVerification>
}

/**
 * The audit chain's verifier and sealer.
 *
 * ```ts
 * const { ok, problem } = await createAuditService(handle).verify()
 * ```
 */
export function createAuditService(handle: HaloDatabase, options: { clock?: Clock } = {}): AuditService {
  const clock = options.clock ?? systemClock
  const engine = handle.engine

  interface Walk {
    seq: number
    hash: string
    links: number
    backfilled: number
    problem: AuditProblem | null
  }

  /** Checks links after `from` in order; stops at the first that does not hold. */
  async function walk(read: <T>(fn: (db: Db) => Promise<T>) => Promise<T>, from: Walk): Promise<Walk> {
    const w = { ...from }
    for (;;) {
      const page = await read((db) => repo.linksAfter(db, engine, w.seq, PAGE))
      for (const link of page) {
        const where = `${link.source} #${link.rowId} (link ${link.seq})`
        if (link.seq !== w.seq + 1 || linkHash(w.hash, { ...link }) !== link.hash) {
          w.problem = {
            kind: 'chain_altered',
            source: link.source,
            rowId: link.rowId,
            seq: link.seq,
            message: `the chain was altered at link ${link.seq} (${where})`,
          }
          return w
        }
        if (link.record === null) {
          w.problem = { kind: 'removed', source: link.source, rowId: link.rowId, seq: link.seq, message: `${where} was removed after it was sealed` }
          return w
        }
        if (recordDigest(link.source as AuditSource, link.record) !== link.digest) {
          w.problem = { kind: 'changed', source: link.source, rowId: link.rowId, seq: link.seq, message: `${where} was changed after it was sealed` }
          return w
        }
        w.seq = link.seq
        w.hash = link.hash
        w.links++
        if (link.backfilled) w.backfilled++
      }
      if (page.length < PAGE) return w
    }
  }

  interface SealPlan {
    links: repo.NewLink[]
    waiting: number
    problem: AuditProblem | null
  }

  /** The records to chain after `head`, in id order per table, or the first one out of order. */
  async function plan(db: Db, head: Walk, sealId: number, horizon: Horizon): Promise<SealPlan> {
    const sealed = await repo.highestSealed(db)
    const last = await repo.latestSeal(db)
    const boundary = await repo.backfillBoundaries(db)
    const lastFence = last?.fence == null ? null : BigInt(last.fence)
    const lastHorizon = last?.horizon == null ? null : BigInt(last.horizon)
    const out: SealPlan = { links: [], waiting: 0, problem: null }
    let seq = head.seq
    let hash = head.hash
    for (const source of AUDIT_SOURCES) {
      const highest = sealed.get(source) ?? 0
      let after: number | null = null
      for (;;) {
        const page = await repo.unsealedAfter(db, engine, source, after, PAGE)
        for (const r of page) {
          after = r.id
          const outOfOrder =
            horizon === null
              ? source !== 'cc_reviews' && r.id < highest
              : r.tx === null ||
                (lastFence !== null && r.tx < lastFence) ||
                (source !== 'cc_reviews' && lastHorizon !== null && r.id < highest && r.tx >= lastHorizon)
          if (outOfOrder) {
            out.problem = {
              kind: 'out_of_order',
              source,
              rowId: r.id,
              seq: null,
              message: `${source} #${r.id} was inserted out of order: records written after it were sealed${last ? ` on ${last.sealed_at}` : ''} without it`,
            }
            return out
          }
          // a transaction still running (or that started after this look): next time
          if (horizon !== null && r.tx! >= horizon.fence) {
            out.waiting++
            continue
          }
          const backfilled = r.id <= (boundary.get(source) ?? 0) && (source !== 'cc_reviews' || r.record.resolved_authenticated_as == null)
          const digest = recordDigest(source, r.record)
          seq++
          const link = { seq, source, row_id: r.id, digest, backfilled, seal_id: sealId }
          hash = linkHash(hash, { seq, source, rowId: r.id, digest, backfilled })
          out.links.push({ ...link, hash })
        }
        if (page.length < PAGE) break
      }
    }
    return out
  }

  const isRefusal = (e: unknown) => e instanceof HaloError && e.code === 'FORBIDDEN'

  return {
    async verify({ seal = true } = {}) {
      const start: Walk = { seq: 0, hash: GENESIS, links: 0, backfilled: 0, problem: null }
      // the long part reads without holding any lock, a page at a time
      const checked = await walk((fn) => handle.read(fn), start)
      const result = (w: Walk, p: SealOutcome): AuditVerification => ({
        ok: w.problem === null && p.problem === null,
        links: w.links + p.sealed,
        sealed: p.sealed,
        backfilled: w.backfilled + p.backfilled,
        unsealed: p.unsealed,
        sealRefused: p.refused,
        head: w.seq + p.sealed === 0 ? null : { seq: w.seq + p.sealed, hash: p.headHash ?? w.hash },
        problem: w.problem ?? p.problem,
      })
      if (checked.problem !== null) return result(checked, { sealed: 0, backfilled: 0, unsealed: 0, refused: null, problem: null })

      const sealRun = async (write: boolean) => {
        const run = async (db: Db) => {
          if (write) await repo.lockSealer(db, engine)
          // links another sealer added since the walk
          const w = await walk((fn) => fn(db), checked)
          if (w.problem !== null) return { w, plan: null as SealPlan | null }
          const horizon = await repo.transactionHorizon(db, engine)
          const last = await repo.latestSeal(db)
          const sealId = (last?.id ?? 0) + 1
          const p = await plan(db, w, sealId, horizon)
          if (write && p.problem === null && p.links.length > 0) {
            await repo.insertLinks(db, p.links)
            await repo.insertSeal(db, {
              id: sealId,
              sealed_at: clock.now().toISOString(),
              sealed_by: horizon?.who ?? osIdentity(),
              fence: horizon === null ? null : String(horizon.fence),
              horizon: horizon === null ? null : String(horizon.horizon),
              first_seq: p.links[0]!.seq,
              last_seq: p.links[p.links.length - 1]!.seq,
              head_hash: p.links[p.links.length - 1]!.hash,
            })
          }
          return { w, plan: p }
        }
        return write ? handle.write(run, { role: NEEDS.sealAudit }) : handle.read(run)
      }

      let refused: string | null = null
      let outcome
      try {
        outcome = await sealRun(seal)
      } catch (e) {
        if (!seal || !isRefusal(e)) throw e
        refused = `sealing needs role halo_ops (or the owner): ${(e as HaloError).message}`
        outcome = await sealRun(false)
      }
      const { w, plan: p } = outcome
      if (p === null) return result(w, { sealed: 0, backfilled: 0, unsealed: 0, refused, problem: null })
      const wrote = seal && refused === null && p.problem === null
      const sealedLinks = wrote ? p.links : []
      return result(w, {
        sealed: sealedLinks.length,
        backfilled: sealedLinks.filter((l) => l.backfilled).length,
        unsealed: p.waiting + (wrote ? 0 : p.links.length),
        refused: p.links.length > 0 ? refused : null,
        problem: p.problem,
        headHash: sealedLinks.at(-1)?.hash,
      })
    },
  }
}
