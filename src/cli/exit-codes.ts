import type { ErrorCode } from '../errors.js'

/** The exit statuses of contract §6. */
export const EXIT = Object.freeze({
  OK: 0,
  INTERNAL: 1,
  USAGE: 2,
  NOT_FOUND: 3,
  INVALID_STATE: 4,
  REFUSED: 5,
  DATABASE: 6,
  CANCELLED: 130,
})

/** Codes only the CLI reports: a bug, and `Batal` at a prompt. */
export type CliCode = ErrorCode | 'INTERNAL' | 'CANCELLED'

const BY_CODE: Record<CliCode, number> = {
  INVALID_INPUT: EXIT.USAGE,
  REASON_REQUIRED: EXIT.USAGE,
  UNKNOWN_FLAG: EXIT.USAGE,
  SESSION_NOT_FOUND: EXIT.NOT_FOUND,
  REVIEW_NOT_FOUND: EXIT.NOT_FOUND,
  DATABASE_NOT_FOUND: EXIT.NOT_FOUND,
  INVALID_STATE: EXIT.INVALID_STATE,
  EARLY_END_DISABLED: EXIT.REFUSED,
  FORBIDDEN: EXIT.REFUSED,
  DAILY_CAP_REACHED: EXIT.REFUSED,
  DB_ERROR: EXIT.DATABASE,
  INTERNAL: EXIT.INTERNAL,
  CANCELLED: EXIT.CANCELLED,
}

/** The one place an error code becomes an exit status. */
export function exitCodeFor(code: CliCode): number {
  return BY_CODE[code] ?? EXIT.INTERNAL
}
