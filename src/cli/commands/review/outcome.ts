import { REVIEW_OUTCOMES, type ReviewOutcome } from '../../../core/vocabulary.js'
import { choice } from '../../parse.js'

/** A review outcome option value (`cleared`, `warned`, `suspended`), checked before the database is opened. */
export const outcome: (text: string) => ReviewOutcome = choice(REVIEW_OUTCOMES)
