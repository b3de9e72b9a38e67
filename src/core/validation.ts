import { z } from 'zod'
import { HaloError } from '../errors.js'
import { USER_TYPES, type UserType } from './user-type.js'
import { NOTE_MAX, partyIdProblem, reasonCodeProblem, storedTextProblem } from './ids.js'

export { NOTE_MAX }

/** A string checked by one of the field rules of `ids.ts`. */
function ruled(problemOf: (text: string) => string | null) {
  return z.string().superRefine((text, ctx) => {
    const problem = problemOf(text)
    if (problem !== null) ctx.addIssue({ code: 'custom', message: problem })
  })
}

/** Customer, mitra and actor ids: opaque strings of 1-64 characters `[A-Za-z0-9_.:-]`. */
export const PartyId = ruled(partyIdProblem)

/** A reason code, as `early_end_reason_codes` holds them. */
export const ReasonCode = ruled(reasonCodeProblem)

/** Text the library stores verbatim (notes, idempotency keys, messages): see `storedTextProblem`. */
export function storedText(max: number) {
  return ruled((text) => storedTextProblem(text, max))
}

/** Session and review ids: positive integers. */
/** One of the user types (`mitra`, `customer`, `support`). */
export const UserTypeSchema = z.enum(USER_TYPES as [UserType, ...UserType[]])

export const RowId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER)

/**
 * The JSON body of `POST /api/mitra/chat-requests/sessions/:id/end`. The actor
 * comes from the caller's authentication, not from the body.
 *
 * ```ts
 * const body = EndSessionRequestBody.parse(req.body)
 * await closures.initiateEarlyEnd(Number(req.params.id), UserType.MITRA, { ...body, actorId: req.user.id })
 * ```
 */
export const EndSessionRequestBody = z
  .object({
    reason: ReasonCode.optional(),
    note: storedText(NOTE_MAX).optional(),
    idempotencyKey: storedText(128).min(1).optional(),
    dryRun: z.boolean().optional(),
  })
  .strict()
export type EndSessionRequestBody = z.infer<typeof EndSessionRequestBody>

/**
 * What `initiateEarlyEnd` takes: the request body plus who asks (`actorId`, from authentication).
 *
 * ```ts
 * const input: EarlyEndInput = { actorId: 'm-7', reason: 'other', note: 'pelanggan diam saja', idempotencyKey: 'tap-91f3' }
 * await closures.initiateEarlyEnd(42, UserType.MITRA, input)
 * ```
 */
export const EarlyEndInput = EndSessionRequestBody.extend({ actorId: PartyId }).strict()
export type EarlyEndInput = z.infer<typeof EarlyEndInput>

/**
 * What `postGoodbye` takes: who posts it and the message (1-1000 characters, stored verbatim).
 *
 * ```ts
 * await closures.postGoodbye(42, UserType.MITRA, { actorId: 'm-7', message: 'Terima kasih, semoga harimu baik!' })
 * ```
 */
export const GoodbyeInput = z.object({ actorId: PartyId, message: storedText(1000).min(1, 'the message is empty') }).strict()
export type GoodbyeInput = z.infer<typeof GoodbyeInput>

/** Parses `value` with `schema`, or throws `INVALID_INPUT` naming the first problem. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value)
  if (r.success) return r.data
  const issue = r.error.issues[0]
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''
  throw new HaloError('INVALID_INPUT', `${what}: ${where}${issue?.message ?? 'invalid'}`)
}
