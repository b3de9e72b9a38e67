import type { ClosureService, EarlyEndResult } from '../closure/closure-service.js'
import { UserType } from '../core/user-type.js'
import { EndSessionRequestBody, parseInput } from '../core/validation.js'
import { HaloError, httpStatusFor, type ErrorCode, type HttpErrorStatus } from '../errors.js'

/**
 * What the backend's route hands over: the path's `:id`, the authenticated actor, the parsed JSON body.
 *
 * ```ts
 * const request: EndSessionRequest = { sessionId: req.params.id, actorId: req.user.id, body: req.body }
 * ```
 */
export interface EndSessionRequest {
  /** The `:id` of the path as the framework gives it (a string), or a number. Digits only, else 404. */
  readonly sessionId: string | number
  /** Who asks, from the backend's authentication (never from the body): the session's own mitra. */
  readonly actorId: string
  /** The parsed JSON body (`req.body`): `{ reason?, note?, idempotencyKey?, dryRun? }`; `undefined` is `{}`. */
  readonly body: unknown
  /** Who the actor is (default `UserType.MITRA`, the route's `/api/mitra/…`); a customer route passes `CUSTOMER`. */
  readonly userType?: UserType
}

/**
 * The services the handler uses, made once at start-up.
 *
 * ```ts
 * const services: EndSessionServices = { closures: createClosureService(handle) }
 * ```
 */
export interface EndSessionServices {
  readonly closures: Pick<ClosureService, 'initiateEarlyEnd'>
}

/**
 * The JSON body of every refusal, as the CLI's `--json` writes errors: one line, a stable `code`.
 *
 * ```ts
 * const tooMany: HttpErrorBody = { // with status 429
 *   error: {
 *     code: 'DAILY_CAP_REACHED',
 *     message: 'mitra m-7 has reached the daily cap of 3 early ends for 2026-11-24',
 *     details: { cap: 3, countToday: 3, businessDay: '2026-11-24' },
 *   },
 * }
 * ```
 */
export interface HttpErrorBody {
  readonly error: {
    readonly code: ErrorCode
    /** One line, at most 300 characters, never a stack or a database's own words. */
    readonly message: string
    /** What the app may show: `{ status }` on 409, `{ cap, countToday, businessDay }` on 429. */
    readonly details?: Readonly<Record<string, unknown>>
  }
}

/**
 * What to answer: send `body` as JSON with `status`. It narrows on `status`: 200 is the early end,
 * any other status a refusal with its error.
 *
 * ```ts
 * const r: EndSessionResponse = await handleEndSessionRequest(request, services)
 * if (r.status === 200) notifyApps(r.body.sessionId, r.body.graceEndsAt)
 * else if (r.status === 503) log.error(r.error) // the database's own words
 * res.status(r.status).json(r.body)
 * ```
 */
export type EndSessionResponse =
  | { readonly status: 200; readonly body: EarlyEndResult }
  | {
      readonly status: HttpErrorStatus
      readonly body: HttpErrorBody
      /** The error behind the refusal, for the backend's logs (a `DB_ERROR` keeps the database's words here, not in `body`). */
      readonly error: HaloError
    }

const MESSAGE_MAX = 300
const SESSION_ID = /^[1-9][0-9]{0,15}$/

/**
 * The framework-free core of `POST /api/mitra/chat-requests/sessions/:id/end` (contract §4, §5):
 * validates the body, ends the session through `initiateEarlyEnd`, and says what to answer. Every
 * refusal is a `HaloError` turned into its status (`httpStatusFor`) and a one-line message:
 * `INVALID_INPUT`, `REASON_REQUIRED` 422; `EARLY_END_DISABLED`, `FORBIDDEN` 403;
 * `SESSION_NOT_FOUND` 404 (also for an `:id` that is not a positive integer: no session has it);
 * `INVALID_STATE` 409; `DAILY_CAP_REACHED` 429; `DB_ERROR` 503. It never throws a `HaloError`;
 * anything else it throws is a bug, for the framework's own 500.
 *
 * ```ts
 * const services = { closures: createClosureService(handle) }
 * // express
 * app.post('/api/mitra/chat-requests/sessions/:id/end', async (req, res) => {
 *   const { status, body } = await handleEndSessionRequest({ sessionId: req.params.id, actorId: req.user.id, body: req.body }, services)
 *   res.status(status).json(body)
 * })
 * ```
 *
 * @throws never a `HaloError` (every refusal is the answer); anything else is a bug, thrown on
 */
export async function handleEndSessionRequest(request: EndSessionRequest, services: EndSessionServices): Promise<EndSessionResponse> {
  try {
    const id = sessionIdOf(request.sessionId)
    if (id === null) throw new HaloError('SESSION_NOT_FOUND', `no session with id ${quoted(request.sessionId)}: session ids are positive integers`)
    const body = parseInput(EndSessionRequestBody, request.body === undefined ? {} : request.body, 'body')
    const result = await services.closures.initiateEarlyEnd(id, request.userType ?? UserType.MITRA, { ...body, actorId: request.actorId })
    return { status: 200, body: result }
  } catch (e) {
    if (!(e instanceof HaloError)) throw e
    return { status: httpStatusFor(e.code), body: errorBody(e), error: e }
  }
}

function sessionIdOf(raw: unknown): number | null {
  if (typeof raw === 'number') return Number.isSafeInteger(raw) && raw > 0 ? raw : null
  if (typeof raw !== 'string' || !SESSION_ID.test(raw)) return null
  const n = Number(raw)
  return Number.isSafeInteger(n) ? n : null
}

/** The id as the request wrote it, for the message: JSON-quoted (so one line), and short. */
function quoted(raw: unknown): string {
  const text = typeof raw === 'string' ? raw : String(raw)
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)
}

function errorBody(e: HaloError): HttpErrorBody {
  // The database's own words (hosts, ports, SQL) are for the logs, not for the apps.
  const message = e.code === 'DB_ERROR' ? 'the session service is unavailable; try again shortly' : oneLine(e.message)
  const details = e.code === 'DB_ERROR' ? undefined : e.details
  return { error: details === undefined ? { code: e.code, message } : { code: e.code, message, details } }
}

/** Control characters and line breaks become spaces; long messages are cut. */
function oneLine(text: string): string {
  const flat = text
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
    .replace(/ {2,}/g, ' ')
    .trim()
  return flat.length > MESSAGE_MAX ? `${flat.slice(0, MESSAGE_MAX - 1)}…` : flat
}
