import { HaloError } from '../errors.js'
import type { Engine } from './engine.js'

/**
 * Runs `attempt` again (up to `times` in all) when it lost a race on a unique constraint: two
 * requests inserting the same idempotency key, review or flag row at once. The loser's transaction
 * rolled back; run again, it reads the winner's row and answers from it.
 *
 * ```ts
 * return retryOnUniqueViolation(engine, () => endOnce(id, type, ask))
 * ```
 */
export async function retryOnUniqueViolation<T>(engine: Engine, attempt: () => Promise<T>, times = 3): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt()
    } catch (e) {
      const cause = e instanceof HaloError ? (e.cause ?? e) : e
      if (n < times && engine.isUniqueViolation(cause)) continue
      throw e
    }
  }
}
