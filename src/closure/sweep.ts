/** The sweep (contract §2): due sessions moved on in batches, expired ones to closing, closings past their grace window to closed. */
import { z } from 'zod'
import { NEEDS } from '../access/needed-role.js'
import { businessDay } from '../core/business-day.js'
import type { Clock } from '../core/clock.js'
import { RowId, parseInput } from '../core/validation.js'
import { loadFlags, rowsToFlags } from '../config/config-repository.js'
import { HaloError } from '../errors.js'
import type { HaloDatabase } from '../store/database.js'
import { directFlagRows, expireBatch, finalizeBatch } from './sweep-statements.js'

/**
 * What `sweep()` takes.
 *
 * ```ts
 * await closures.sweep({ batchSize: 1000 })
 * ```
 */
export interface SweepOptions {
  /** Sessions moved per transaction (default 500). */
  readonly batchSize?: number
  /** Only these sessions (`simulate` sweeps the sessions it opened, never anyone else's). */
  readonly sessionIds?: readonly number[]
}

/**
 * What `sweep()` moved, by count and by id, and the error that stopped it, if one did.
 *
 * ```ts
 * const { expiredIds, finalizedIds, error } = await closures.sweep()
 * for (const id of finalizedIds) pushToApps(id, 'closed')
 * ```
 */
export interface SweepResult {
  /** Active or extending sessions past their end, moved to closing (kind `expired`). */
  readonly expired: number
  /** Closing sessions past their grace window, moved to closed. */
  readonly finalized: number
  /** The ids of the sessions moved to closing, in the order they were moved. */
  readonly expiredIds: readonly number[]
  /** The ids of the sessions moved to closed. */
  readonly finalizedIds: readonly number[]
  /** Set when a batch failed; the counts and ids say what was done before it. */
  readonly error?: HaloError
}

const SweepSchema = z
  .object({
    batchSize: z.number().int().min(1).max(5000).optional(),
    sessionIds: z.array(RowId).max(1_000_000).optional(),
  })
  .strict()
  .nullish()

/**
 * The sweep of `handle` at `clock`'s time: what `ClosureService.sweep` runs. Each batch is one
 * transaction: the flags read (the grace window and business day come from them, through src/core),
 * then the batch's one statement (PostgreSQL) or its few direct statements (SQLite).
 *
 * ```ts
 * const sweep = createSweep(handle, systemClock)
 * const { expired, finalized } = await sweep({ batchSize: 500 })
 * ```
 */
export function createSweep(handle: HaloDatabase, clock: Clock): (options?: SweepOptions | null) => Promise<SweepResult> {
  const engine = handle.engine

  /** Moves one batch of sessions past their scheduled end into closing (kind `expired`, by `system`). */
  function expireOne(limit: number, only: readonly number[] | undefined): Promise<number[]> {
    return handle.write(
      async (trx) => {
        const now = clock.now()
        const direct = directFlagRows(engine)
        const flags = direct === null ? await loadFlags(trx, engine) : rowsToFlags(direct)
        const graceEndsAt = new Date(now.getTime() + flags.closing_grace_seconds * 1000).toISOString()
        return expireBatch(trx, engine, { at: now.toISOString(), graceEndsAt, businessDay: businessDay(now, flags.business_timezone), limit, only })
      },
      { role: NEEDS.sweep },
    )
  }

  /** Moves one batch of closing sessions past their grace window to closed. */
  function finalizeOne(limit: number, only: readonly number[] | undefined): Promise<number[]> {
    return handle.write((trx) => finalizeBatch(trx, engine, { at: clock.now().toISOString(), limit, only }), { role: NEEDS.sweep })
  }

  return async function sweep(opts) {
    const o = parseInput(SweepSchema, opts, 'sweep options') ?? {}
    const batchSize = o.batchSize ?? 500
    const only = o.sessionIds
    const expiredIds: number[] = []
    const finalizedIds: number[] = []
    const result = (error?: HaloError): SweepResult => ({
      expired: expiredIds.length,
      finalized: finalizedIds.length,
      expiredIds,
      finalizedIds,
      ...(error === undefined ? {} : { error }),
    })
    if (only !== undefined && only.length === 0) return result()
    try {
      await inBatches(() => expireOne(batchSize, only), batchSize, expiredIds)
      await inBatches(() => finalizeOne(batchSize, only), batchSize, finalizedIds)
    } catch (e) {
      if (e instanceof HaloError) return result(e)
      throw e
    }
    return result()
  }
}

/** One sweep pass of `move` in batches until a batch comes back short; the ids moved go `into`. */
async function inBatches(move: () => Promise<number[]>, batchSize: number, into: number[]): Promise<void> {
  for (;;) {
    const ids = await move()
    into.push(...ids)
    if (ids.length < batchSize) return
  }
}
