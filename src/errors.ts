/**
 * The stable error codes of the contract. Callers branch on `code`, never on
 * the message.
 *
 * ```ts
 * if (e instanceof HaloError && e.code === ErrorCode.DAILY_CAP_REACHED) showCapDialog(e.details)
 * ```
 */
export const ErrorCode = {
  INVALID_INPUT: 'INVALID_INPUT',
  REASON_REQUIRED: 'REASON_REQUIRED',
  EARLY_END_DISABLED: 'EARLY_END_DISABLED',
  FORBIDDEN: 'FORBIDDEN',
  SESSION_NOT_FOUND: 'SESSION_NOT_FOUND',
  INVALID_STATE: 'INVALID_STATE',
  DAILY_CAP_REACHED: 'DAILY_CAP_REACHED',
  UNKNOWN_FLAG: 'UNKNOWN_FLAG',
  REVIEW_NOT_FOUND: 'REVIEW_NOT_FOUND',
  DB_ERROR: 'DB_ERROR',
  /** The target holds no halo-admin database (opened with `create: false`): nothing was created. */
  DATABASE_NOT_FOUND: 'DATABASE_NOT_FOUND',
} as const

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]

/** Marks every HaloError, whichever copy of the library made it. */
const BRAND = Symbol.for('halo-admin.HaloError')

/**
 * The one error type the library throws on purpose. Anything else escaping
 * the library is a bug.
 *
 * ```ts
 * try {
 *   await closures.initiateEarlyEnd(id, UserType.MITRA, { actorId, reason })
 * } catch (e) {
 *   if (e instanceof HaloError) res.status(httpStatusFor(e.code)).json(e.toJSON())
 *   else throw e
 * }
 * ```
 */
export class HaloError extends Error {
  /**
   * `instanceof HaloError` holds for errors from any copy of this library in
   * the process (two installed versions, or the CLI bundle next to the
   * library it hands the TUI to), as long as they carry the brand.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true
  }

  readonly code: ErrorCode
  readonly details: Readonly<Record<string, unknown>> | undefined

  constructor(code: ErrorCode, message: string, options?: { details?: Record<string, unknown>; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'HaloError'
    Object.defineProperty(this, BRAND, { value: true })
    this.code = code
    this.details = options?.details === undefined ? undefined : Object.freeze({ ...options.details })
  }

  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    return this.details === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, details: { ...this.details } }
  }
}

const HTTP_STATUS = {
  INVALID_INPUT: 422,
  REASON_REQUIRED: 422,
  UNKNOWN_FLAG: 422,
  EARLY_END_DISABLED: 403,
  FORBIDDEN: 403,
  SESSION_NOT_FOUND: 404,
  REVIEW_NOT_FOUND: 404,
  INVALID_STATE: 409,
  DAILY_CAP_REACHED: 429,
  DB_ERROR: 503,
  DATABASE_NOT_FOUND: 503,
} as const satisfies Record<ErrorCode, number>

/**
 * An HTTP status a refusal gets (`httpStatusFor`): never 200, so a response typed
 * `{ status: 200, … } | { status: HttpErrorStatus, … }` narrows on `status`. 500 is for a code this
 * version does not know (an error from another copy of the library).
 *
 * ```ts
 * const status: HttpErrorStatus = httpStatusFor('DAILY_CAP_REACHED') // 429
 * ```
 */
export type HttpErrorStatus = (typeof HTTP_STATUS)[ErrorCode] | 500

/**
 * The HTTP status the backend answers for an error code.
 *
 * ```ts
 * httpStatusFor('DAILY_CAP_REACHED') // 429
 * ```
 */
export function httpStatusFor(code: ErrorCode): HttpErrorStatus {
  return HTTP_STATUS[code] ?? 500
}

/**
 * `e instanceof HaloError`, as a type guard for callbacks.
 *
 * ```ts
 * const refused = results.filter((r) => r.status === 'rejected').map((r) => r.reason).filter(isHaloError)
 * ```
 */
export function isHaloError(e: unknown): e is HaloError {
  return e instanceof HaloError
}
