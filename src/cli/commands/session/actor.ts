import type { Session } from '../../../closure/session-view.js'
import type { UserType } from '../../../core/user-type.js'
import type { CliContext } from '../../context.js'

/** Who `session end --as` can act as. */
export const ACTING_AS = ['mitra', 'customer', 'support'] as const
export type ActingAs = (typeof ACTING_AS)[number]

/** The sides of a session that post goodbyes (`session goodbye --as`). */
export const SIDES = ['mitra', 'customer'] as const satisfies readonly ActingAs[]

/** Who each `--as` acts as, for completion. */
export const ACTING_AS_MEANING: Readonly<Record<ActingAs, string>> = {
  mitra: "the session's own mitra, unless --actor names one",
  customer: "the session's own customer, unless --actor names one",
  support: 'the operator (--actor)',
}

/** The library's user type for each `--as`. */
export const USER_TYPE = { mitra: 'MITRA', customer: 'CUSTOMER', support: 'SUPPORT' } as const satisfies Record<ActingAs, UserType>

/**
 * The actor as far as it is known before the database opens (and checked
 * then, so a bad id is exit 2 without touching it): support is the operator
 * (`--actor`, `$HALO_ACTOR` or the OS user); a mitra or customer is `--actor`
 * when it was typed, else undefined: the session's own (`ownActor`).
 * `$HALO_ACTOR` names the operator, never the mitra or customer acted for.
 */
export function presetActor(ctx: CliContext, as: ActingAs): string | undefined {
  return as === 'support' ? ctx.actor() : ctx.givenActor()
}

/** The session's own mitra or customer. */
export function ownActor(session: Session, as: Exclude<ActingAs, 'support'>): string {
  return as === 'mitra' ? session.mitraId : session.customerId
}
