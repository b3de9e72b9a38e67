import { Box, Text } from 'ink'
import { useState } from 'react'
import { REVIEW_OUTCOMES, type ReviewOutcome } from '../core/vocabulary.js'
import { printable } from '../present/printable.js'
import { displayWidth } from '../present/width.js'
import { formatInstant } from '../present/time.js'
import type { ReviewDetail } from '../review/review-service.js'
import { ChoiceDialog } from './choice-dialog.js'
import { is } from './keys.js'
import { useKeys } from './key-router.js'
import { fit } from './scroll-window.js'
import { useServices } from './services-context.js'
import { NO_REASON } from './session-format.js'
import { describeError, StaleNotice, useShell } from './shell-context.js'
import { TextPrompt } from './text-prompt.js'
import { usePoll } from './use-poll.js'

type Step = { readonly kind: 'read' } | { readonly kind: 'outcome' } | { readonly kind: 'note'; readonly outcome: ReviewOutcome }

/**
 * One CC review, as `review show` prints it: its state, then the mitra's
 * early ends that day with each closure's time, session, actor, reason and
 * note (those attached to the review marked), read before any action. `r`
 * resolves an open one with an outcome (the dialog opens on Cancel) and a
 * note, the operator as resolver; Esc goes back to the list.
 */
export function ReviewDetailView({ id, onClose }: { id: number; onClose(): void }) {
  const { reviews, actor, refreshMs, command } = useServices()
  const shell = useShell()
  const polled = usePoll(() => reviews.show(id), refreshMs, { deps: [id] })
  const [step, setStep] = useState<Step>({ kind: 'read' })
  const review = polled.data

  useKeys(
    (key) => {
      if (key.name === 'escape' || key.name === 'left' || key.name === 'backspace') return (onClose(), 'changed')
      if ((is(key, 'r') || key.name === 'return') && review !== undefined) {
        if (review.status !== 'open') return (shell.notify({ kind: 'warn', text: `Review #${id} is already resolved` }), 'handled')
        return (setStep({ kind: 'outcome' }), 'changed')
      }
      return 'ignored'
    },
    { active: step.kind === 'read', ready: polled.data !== undefined || polled.error !== undefined },
  )

  async function resolve(r: ReviewDetail, outcome: ReviewOutcome, note: string) {
    setStep({ kind: 'read' })
    try {
      await reviews.resolve(r.id, { outcome, actor, ...(note.trim() === '' ? {} : { note }) })
      shell.notify({ kind: 'ok', text: `Review #${r.id} (${printable(r.mitraId)}, ${r.businessDay}) resolved: ${outcome} (by ${printable(actor)})` })
    } catch (e) {
      shell.notify({ kind: 'error', text: describeError(e) })
    }
    polled.reload()
  }

  if (review === undefined) return <Text>{polled.error === undefined ? `Loading review #${id}…` : describeError(polled.error)}</Text>
  const tz = shell.flags?.business_timezone ?? 'UTC'
  const resolved =
    review.status === 'open'
      ? '-'
      : `${review.outcome ?? '-'} by ${printable(review.resolvedBy ?? '-')} at ${formatInstant(review.resolvedAt, tz)}${review.note === null ? '' : ` · "${printable(review.note)}"`}`
  const field = (label: string, text: string) => (
    <Text wrap="truncate-end">
      <Text dimColor>{`  ${fit(label, 10)} `}</Text>
      {text}
    </Text>
  )
  const about = [`Review #${review.id} · mitra ${printable(review.mitraId)} · ${review.businessDay} · ${review.earlyEndsThatDay} early ends that day`]
  // the command for the rest, to paste (it wraps rather than being cut: the rows it takes come off the list)
  const rest = (n: number) => `  … ${n} more (${command(['review', 'show', String(review.id)])})`
  const restRows = Math.max(1, Math.ceil(displayWidth(rest(review.closures.length)) / Math.max(1, shell.width)))
  const room = Math.max(1, shell.height - 8 - (review.closures.length > Math.max(1, shell.height - 9) ? restRows : 1))
  const shown = review.closures.slice(0, room)

  return (
    <Box flexDirection="column">
      <StaleNotice error={polled.error} />
      <Text wrap="truncate-end">
        <Text bold>{`Review #${review.id}`}</Text>
        {`  ${review.status} (${printable(review.trigger)})`}
      </Text>
      {field('mitra', `${printable(review.mitraId)} · day ${review.businessDay} · opened ${formatInstant(review.openedAt, tz)}`)}
      {field('early ends', `${review.earlyEndsThatDay} by the mitra that day; ${review.earlyEnds} attached to this review`)}
      {field('resolved', resolved)}
      {step.kind === 'read' && (
        <>
          <Text dimColor wrap="truncate-end">{`  ${fit('at', 5)} ${fit('session', 9)} ${fit('by', 22)} ${fit('reason', 17)} ${fit('', 9)} note`}</Text>
          {shown.map((c) => (
            <Text key={c.id} wrap="truncate-end">
              {`  ${formatInstant(c.createdAt, tz).slice(11, 16)} ${fit(`#${c.sessionId}`, 9)} ${fit(`${c.initiatedBy} ${printable(c.actorId ?? '-')}`, 22)} ${fit(c.reason === null ? NO_REASON : printable(c.reason), 17)} ${fit(c.reviewId === review.id ? (c.overCap ? 'over cap' : 'attached') : c.overCap ? 'over cap' : '', 9)} ${c.reasonNote === null ? '-' : printable(c.reasonNote)}`}
            </Text>
          ))}
          {shown.length < review.closures.length && <Text dimColor>{rest(review.closures.length - shown.length)}</Text>}
          {review.closures.length === 0 && <Text dimColor> no closures</Text>}
          <Text dimColor>{review.status === 'open' ? 'r or Enter: resolve (asks first) · Esc: back to the list' : 'Esc: back to the list'}</Text>
        </>
      )}
      {step.kind === 'outcome' && (
        <ChoiceDialog
          vertical
          title="Resolve the review"
          detail={about}
          choices={['Cancel', ...REVIEW_OUTCOMES]}
          onChoose={(i) => {
            const outcome = i === null || i === 0 ? undefined : REVIEW_OUTCOMES[i - 1]
            setStep(outcome === undefined ? { kind: 'read' } : { kind: 'note', outcome })
          }}
        />
      )}
      {step.kind === 'note' && (
        <TextPrompt
          label={`Note (${step.outcome}):`}
          hint="Enter: resolve · Esc: cancel"
          onCancel={() => setStep({ kind: 'read' })}
          onSubmit={(text) => void resolve(review, step.outcome, text)}
        />
      )}
    </Box>
  )
}
