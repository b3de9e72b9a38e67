import { Box, Text } from 'ink'
import { useState } from 'react'
import { REVIEW_OUTCOMES, type ReviewOutcome } from '../core/vocabulary.js'
import { printable } from '../present/printable.js'
import { formatInstant } from '../present/time.js'
import type { Review } from '../review/review-service.js'
import { ChoiceDialog } from './choice-dialog.js'
import { is } from './keys.js'
import { useKeys } from './key-router.js'
import { useRemembered } from './screen-memory.js'
import { fit } from './scroll-window.js'
import { useServices } from './services-context.js'
import { describeError, StaleNotice, useShell } from './shell-context.js'
import { TextPrompt } from './text-prompt.js'
import { useListCursor } from './use-list-cursor.js'
import { usePoll } from './use-poll.js'

/** At most this many reviews are read per refresh; the screen says when there may be more. */
const LIMIT = 1000

type Flow =
  | { readonly kind: 'list' }
  | { readonly kind: 'outcome'; readonly review: Review }
  | { readonly kind: 'note'; readonly review: Review; readonly outcome: ReviewOutcome }

/**
 * CC reviews, open ones first (`s` shows the resolved ones). Each row shows
 * the mitra's early ends on the review's day as `report cap` counts them
 * (every early end of that day, not only those attached to the review).
 * Enter resolves an open review with an outcome and a note, the operator as
 * resolver.
 */
export function ReviewsScreen() {
  const { reviews, reports, actor, refreshMs } = useServices()
  const shell = useShell()
  const [status, setStatus] = useRemembered<'open' | 'resolved'>('reviews.status', 'open')
  const polled = usePoll(
    async () => {
      const list = await reviews.list({ status, limit: LIMIT })
      const days = [...new Set(list.map((r) => r.businessDay))]
      const caps = await Promise.all(days.map((d) => reports.cap(d)))
      const earlyEnds = new Map(caps.flatMap((c) => c.rows.map((row) => [`${c.day}\n${row.mitraId}`, row.count] as const)))
      return { list, earlyEnds }
    },
    refreshMs,
    { memory: 'reviews', deps: [status] },
  )
  const [flow, setFlow] = useState<Flow>({ kind: 'list' })
  const list = polled.data?.list ?? []
  const listHeight = Math.max(1, shell.height - 2 - (polled.error === undefined ? 0 : 1))
  const cursor = useListCursor(list, (r) => r.id, { height: listHeight, memory: `reviews.${status}` })
  const earlyEnds = (r: Review) => polled.data?.earlyEnds.get(`${r.businessDay}\n${r.mitraId}`) ?? 0

  useKeys(
    (key) => {
      if (cursor.onKey(key)) return 'handled'
      if (is(key, 's')) return (setStatus((s) => (s === 'open' ? 'resolved' : 'open')), 'changed')
      const chosen = cursor.current()
      if (key.name === 'return' && chosen !== undefined) {
        if (chosen.status !== 'open') return (shell.notify({ kind: 'warn', text: `Review #${chosen.id} is already resolved` }), 'handled')
        return (setFlow({ kind: 'outcome', review: chosen }), 'changed')
      }
      return 'ignored'
    },
    { active: flow.kind === 'list', ready: polled.data !== undefined || polled.error !== undefined },
  )

  async function resolve(review: Review, outcome: ReviewOutcome, note: string) {
    setFlow({ kind: 'list' })
    try {
      await reviews.resolve(review.id, { outcome, actor, ...(note.trim() === '' ? {} : { note }) })
      shell.notify({
        kind: 'ok',
        text: `Review #${review.id} (${printable(review.mitraId)}, ${review.businessDay}) resolved: ${outcome} (by ${printable(actor)})`,
      })
    } catch (e) {
      shell.notify({ kind: 'error', text: describeError(e) })
    }
    polled.reload()
  }

  if (polled.data === undefined) return <Text>{polled.error === undefined ? 'Loading reviews…' : describeError(polled.error)}</Text>
  const tz = shell.flags?.business_timezone ?? 'UTC'
  // the last column: when it was opened, or the outcome, who resolved it and when
  const lastW = status === 'open' ? 20 : 44
  const mitraW = Math.max(10, shell.width - 2 - 8 - 11 - 11 - lastW - 4)
  const about =
    flow.kind === 'list'
      ? []
      : [`Review #${flow.review.id} · mitra ${printable(flow.review.mitraId)} · ${flow.review.businessDay} · ${earlyEnds(flow.review)} early ends that day`]
  const more = list.length === LIMIT ? ` (the newest ${LIMIT})` : ''

  return (
    <Box flexDirection="column">
      <StaleNotice error={polled.error} />
      <Text wrap="truncate-end">
        <Text bold>{`${list.length} ${status} ${list.length === 1 ? 'review' : 'reviews'}${more}`}</Text>
        <Text dimColor>{`  · ${status === 'open' ? 'Enter: resolve · ' : ''}s: show ${status === 'open' ? 'resolved' : 'open'} ones`}</Text>
      </Text>
      <Text
        dimColor
      >{`  ${fit('review', 8)} ${fit('mitra', mitraW)} ${fit('day', 11)} ${fit('early ends', 11)} ${status === 'open' ? 'opened' : 'resolved'}`}</Text>
      {flow.kind === 'list' &&
        cursor.visible.map((r, i) => {
          const here = cursor.top + i === cursor.index
          const last =
            status === 'open' ? formatInstant(r.openedAt, tz) : `${r.outcome ?? '-'} · ${printable(r.resolvedBy ?? '-')} · ${formatInstant(r.resolvedAt, tz)}`
          return (
            <Text key={r.id} inverse={here} wrap="truncate-end">
              {`${here ? '›' : ' '} ${fit(`#${r.id}`, 8)} ${fit(printable(r.mitraId), mitraW)} ${fit(r.businessDay, 11)} ${fit(String(earlyEnds(r)), 11)} ${last}`}
            </Text>
          )
        })}
      {flow.kind === 'list' && list.length === 0 && <Text dimColor>{`No ${status} reviews.`}</Text>}
      {flow.kind === 'outcome' && (
        <ChoiceDialog
          vertical
          title="Resolve the review"
          detail={about}
          choices={['Cancel', ...REVIEW_OUTCOMES]}
          onChoose={(i) => {
            const outcome = i === null || i === 0 ? undefined : REVIEW_OUTCOMES[i - 1]
            setFlow(outcome === undefined ? { kind: 'list' } : { kind: 'note', review: flow.review, outcome })
          }}
        />
      )}
      {flow.kind === 'note' && (
        <TextPrompt
          label={`Note (${flow.outcome}):`}
          hint="Enter: resolve · Esc: cancel"
          onCancel={() => setFlow({ kind: 'list' })}
          onSubmit={(text) => void resolve(flow.review, flow.outcome, text)}
        />
      )}
    </Box>
  )
}
