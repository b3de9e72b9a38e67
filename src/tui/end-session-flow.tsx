import { Text } from 'ink'
import { useEffect, useState } from 'react'
import type { Session } from '../closure/session-view.js'
import { noteRequiredFor } from '../core/early-end-rules.js'
import { UserType } from '../core/user-type.js'
import { END_CANCEL, END_CHOICES, END_CONFIRM, END_CONFIRM_BODY, END_CONFIRM_TITLE } from '../present/prd-strings.js'
import { printable } from '../present/printable.js'
import { formatInstant } from '../present/time.js'
import { ChoiceDialog } from './choice-dialog.js'
import { useKeys } from './key-router.js'
import { useServices } from './services-context.js'
import { NO_REASON } from './session-format.js'
import { describeError, useShell } from './shell-context.js'
import { TextPrompt } from './text-prompt.js'

type Step = { readonly kind: 'confirm' } | { readonly kind: 'reason' } | { readonly kind: 'note'; readonly reason: string } | { readonly kind: 'ending' }

export interface EndSessionFlowProps {
  readonly session: Session
  /** The reasons support may give, and whether one is required (`closures.clientConfig(SUPPORT, …)`). */
  readonly reasons: readonly string[]
  readonly reasonRequired: boolean
  /** Set once the session is no longer live (`ended early by mitra m-1`): the flow closes and says so. */
  readonly endedBy: string | null
  /** The flow is over: the session was ended, or the operator cancelled, or the library refused. */
  onDone(ended: boolean): void
}

/**
 * Ending a session as support, the CLI's conversation (contract §6): the
 * confirmation `Akhiri Sesi?` opening on `Batal`, then the reason (and the
 * note `other` needs). The library decides the rest, whatever the mitra flag
 * says: support is not gated by `early_end_mitra_enabled`. Every step is
 * modal, and Esc at any of them changes nothing.
 */
export function EndSessionFlow({ session, reasons, reasonRequired, endedBy, onDone }: EndSessionFlowProps) {
  const { closures, actor } = useServices()
  const shell = useShell()
  const [step, setStep] = useState<Step>({ kind: 'confirm' })
  // who acts and on which session first, on a line of their own: long (UUID) ids only cut the line below
  const about = [`Session #${session.id} · as support ${printable(actor)}`, `mitra ${printable(session.mitraId)} · customer ${printable(session.customerId)}`]
  const choices = [END_CANCEL, ...reasons, ...(reasonRequired ? [] : [NO_REASON])]
  // while the request runs, keys wait for nothing: none of them may reach the screen below
  useKeys(() => 'handled', { active: step.kind === 'ending', modal: true })

  // Ended elsewhere while a dialog was open: the dialog is about a session that no longer takes it.
  const { notify } = shell
  const waiting = step.kind !== 'ending'
  useEffect(() => {
    if (endedBy === null || !waiting) return
    notify({ kind: 'warn', text: `Session #${session.id} was ${endedBy} meanwhile: nothing was done` })
    onDone(false)
  }, [endedBy, waiting, session.id, notify, onDone])

  async function end(reason: string | undefined, note: string | undefined) {
    setStep({ kind: 'ending' })
    let ended = false
    try {
      const r = await closures.initiateEarlyEnd(session.id, UserType.SUPPORT, { actorId: actor, reason, note })
      const tz = shell.flags?.business_timezone ?? 'UTC'
      shell.notify({
        kind: 'ok',
        text: `Session #${session.id} → ${r.status}, grace until ${formatInstant(r.graceEndsAt, tz)} (support, by ${printable(actor)})`,
      })
      ended = true
    } catch (e) {
      shell.notify({ kind: 'error', text: describeError(e) })
    }
    onDone(ended)
  }

  switch (step.kind) {
    case 'confirm':
      return (
        <ChoiceDialog
          key="confirm"
          title={END_CONFIRM_TITLE}
          body={END_CONFIRM_BODY}
          detail={about}
          choices={END_CHOICES}
          onChoose={(i) => (END_CHOICES[i ?? 0] === END_CONFIRM ? setStep({ kind: 'reason' }) : onDone(false))}
        />
      )
    case 'reason':
      return (
        <ChoiceDialog
          key="reason"
          vertical
          title="Reason"
          detail={about}
          choices={choices}
          onChoose={(i) => {
            const picked = i === null ? END_CANCEL : choices[i]!
            if (picked === END_CANCEL) return onDone(false)
            if (picked === NO_REASON) return void end(undefined, undefined)
            if (noteRequiredFor(picked)) return setStep({ kind: 'note', reason: picked })
            void end(picked, undefined)
          }}
        />
      )
    case 'note':
      return (
        <TextPrompt
          label={`Note (${step.reason}):`}
          hint="Enter: end the session · Esc: cancel"
          onCancel={() => onDone(false)}
          onSubmit={(text) => void end(step.reason, text)}
        />
      )
    case 'ending':
      return <Text>{`Ending session #${session.id}…`}</Text>
  }
}
