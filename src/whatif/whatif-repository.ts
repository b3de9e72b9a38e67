/** The queries of the what-if rehearsals: reads only. */
import type { Kysely } from 'kysely'
import type { ResolvedRange } from '../report/day-range.js'
import type { Schema } from '../store/schema.js'

/** Every closure of the range's business days, oldest first: what `whatif rollout` replays. */
export function closuresOfRange(db: Kysely<Schema>, range: ResolvedRange) {
  return db
    .selectFrom('session_closures')
    .select(['id', 'session_id', 'mitra_id', 'initiated_by', 'review_id', 'business_day', 'created_at'])
    .where('business_day', '>=', range.from)
    .where('business_day', '<=', range.to)
    .orderBy('created_at')
    .orderBy('id')
    .execute()
}
