import { HaloError } from '../errors.js'
import { parseInstant } from '../core/clock.js'
import type { LifecycleEvent } from './event-feed.js'

// What the event feed's `read` and `list` narrow events by (event-feed.ts): the filter, checked, and
// the instant `list` looks back to.

/**
 * Which events to hand out: every condition given must hold.
 *
 * ```ts
 * await feed.read({ after: cursor, filter: { mitraId: 'm-7', types: ['early_end'] } })
 * ```
 */
export interface EventFilter {
  readonly sessionId?: number
  /** Only events of this mitra's sessions. */
  readonly mitraId?: string
  /** Only these kinds: `opened`, `early_end`, `expired`, `goodbye`, `finalized`. */
  readonly types?: readonly string[]
}

const badFilter = (message: string): never => {
  throw new HaloError('INVALID_INPUT', message)
}

/**
 * The kinds of lifecycle event, for a filter's `types`.
 *
 * ```ts
 * await feed.list({ filter: { types: EVENT_TYPES.filter((t) => t !== 'opened') } })
 * ```
 */
export const EVENT_TYPES = ['opened', 'early_end', 'expired', 'goodbye', 'finalized'] as const

export function checkFilter(filter: unknown): EventFilter {
  if (filter === undefined) return {}
  if (typeof filter !== 'object' || filter === null) return badFilter('event feed: filter: expected { sessionId?, mitraId?, types? }')
  const f = filter as EventFilter
  if (f.sessionId !== undefined && (typeof f.sessionId !== 'number' || !Number.isSafeInteger(f.sessionId) || f.sessionId < 1))
    badFilter('event feed: filter.sessionId: expected a positive integer')
  if (f.mitraId !== undefined && (typeof f.mitraId !== 'string' || f.mitraId === '')) badFilter('event feed: filter.mitraId: expected a mitra id')
  if (f.types !== undefined) {
    if (!Array.isArray(f.types) || f.types.length === 0) badFilter(`event feed: filter.types: expected some of ${EVENT_TYPES.join(', ')}`)
    for (const t of f.types as unknown[])
      if (!(EVENT_TYPES as readonly unknown[]).includes(t))
        badFilter(`event feed: filter.types: "${String(t).slice(0, 40)}" is not one of ${EVENT_TYPES.join(', ')}`)
  }
  return {
    ...(f.sessionId === undefined ? {} : { sessionId: f.sessionId }),
    ...(f.mitraId === undefined ? {} : { mitraId: f.mitraId }),
    ...(f.types === undefined ? {} : { types: [...f.types] }),
  }
}

export function matches(e: LifecycleEvent, f: EventFilter): boolean {
  return (
    (f.sessionId === undefined || e.sessionId === f.sessionId) &&
    (f.mitraId === undefined || e.mitraId === f.mitraId) &&
    (f.types === undefined || f.types.includes(e.event))
  )
}

/** An ISO-8601 instant with its zone, as UTC ISO (what `created_at` holds). */
export function checkInstant(text: unknown): string {
  const at = typeof text === 'string' ? parseInstant(text) : null
  if (at === null) return badFilter('event feed: since: expected an ISO-8601 instant with its zone, e.g. 2026-11-24T10:00:00+07:00')
  return at.toISOString()
}
