/**
 * The `session end` conversation on a terminal (contract §6): the
 * confirmation, then the reason and its note when the library says one is
 * needed. Loaded only when it asks, so inquirer costs nothing elsewhere.
 */
import type { ClosureService } from '../../../closure/closure-service.js'
import type { EarlyEndInput } from '../../../core/validation.js'
import type { UserType } from '../../../core/user-type.js'
import { noteRequiredFor } from '../../../core/early-end-rules.js'
import { END_CANCEL, END_CONFIRM, END_CONFIRM_BODY, END_CONFIRM_TITLE } from '../../../present/prd-strings.js'
import { Cancelled } from '../../cancelled.js'
import type { CliContext } from '../../context.js'
import { paint } from '../../output.js'
import { promptsFor } from '../../prompts.js'
import { sessionLine } from './text.js'

// the PRD's words, shared with the TUI (src/present/prd-strings.ts)
const TITLE = END_CONFIRM_TITLE
const BODY = END_CONFIRM_BODY
const CANCEL = END_CANCEL
const CONFIRM = END_CONFIRM

/** Fills the note of `other` while probing, before the person has written one; never stored. */
const PROBE_NOTE = 'probe'

type Ask = Omit<EarlyEndInput, 'dryRun'>

/**
 * Asks the person at the terminal, and returns the request to send: `ask`
 * with the reason (and note) they chose. Before asking anything it runs the
 * request as a dry run, so a session that cannot be ended (wrong state, flag
 * off, not theirs, cap reached with `block`…) is refused without a question.
 * `Batal` or Ctrl-C at any prompt throws `Cancelled` (exit 130): nothing changed.
 */
export async function confirmEarlyEnd(ctx: CliContext, closures: ClosureService, id: number, userType: UserType, ask: Ask): Promise<Ask> {
  const config = await closures.clientConfig(userType, ask.actorId)
  const needReason = config.reasonRequired && ask.reason === undefined
  // Every check the library makes, with a stand-in for the answers still to come.
  const probeReason = ask.reason ?? (needReason ? (config.reasons.find((r) => !noteRequiredFor(r)) ?? config.reasons[0]) : undefined)
  const probeNote = ask.note ?? (probeReason !== undefined && noteRequiredFor(probeReason) ? PROBE_NOTE : undefined)
  const probe = await closures.initiateEarlyEnd(id, userType, { ...ask, reason: probeReason, note: probeNote, dryRun: true })
  // a replayed idempotency key changes nothing: there is nothing to confirm
  if (probe.replayed) return ask

  const session = await closures.getSession(id)
  const p = await paint(ctx)
  const prompts = await promptsFor(ctx, p)
  ctx.io.stdout.write(`${sessionLine(session, ctx.clock.now())}\n`)
  const answer = await prompts.select({
    message: TITLE,
    body: BODY,
    choices: [
      { value: CANCEL, name: CANCEL },
      { value: CONFIRM, name: CONFIRM },
    ],
    default: CANCEL,
  })
  if (answer !== CONFIRM) throw new Cancelled()

  let reason = ask.reason
  if (needReason) {
    const picked = await prompts.select({
      message: 'Reason',
      // opens on Batal, as the TUI's list does: a stray Enter records no reason
      choices: [{ value: CANCEL, name: CANCEL }, ...config.reasons.map((r) => ({ value: r, name: r }))],
      default: CANCEL,
    })
    if (picked === CANCEL) throw new Cancelled()
    reason = picked
  }
  let note = ask.note
  if (reason !== undefined && noteRequiredFor(reason) && note === undefined) {
    note = await prompts.input({
      message: `Note (${reason})`,
      // the library judges the note (non-empty, length, storable) through a dry run
      validate: async (text) => {
        try {
          await closures.initiateEarlyEnd(id, userType, { ...ask, reason, note: text, dryRun: true })
          return true
        } catch (e) {
          if (isInvalidInput(e)) return e.message
          throw e
        }
      },
    })
  }
  return { ...ask, reason, note }
}

function isInvalidInput(e: unknown): e is Error {
  return e instanceof Error && (e as { code?: unknown }).code === 'INVALID_INPUT'
}
