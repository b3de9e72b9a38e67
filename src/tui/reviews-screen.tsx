import { Box, Text, useInput } from 'ink'
import { useRef, useState } from 'react'
import { REVIEW_OUTCOMES, type ReviewOutcome } from '../core/user-type.js'
import type { Review } from '../review/review-service.js'
import { ChoiceDialog } from './choice-dialog.js'
import { TextPrompt } from './text-prompt.js'
import { describeError, StaleNotice, useKeyLock, useShell } from './shell-context.js'
import { useServices } from './services-context.js'
import { usePoll } from './use-poll.js'
import { useSyncedState } from './use-synced-state.js'
import { fit, isMoveKey, moveCursor, windowTop } from './scroll-window.js'

type Flow =
  | { readonly kind: 'list' }
  | { readonly kind: 'outcome'; readonly review: Review }
  | { readonly kind: 'note'; readonly review: Review; readonly outcome: ReviewOutcome }

/** Open CC reviews; Enter resolves one with an outcome and a note, the operator as resolver. */
export function ReviewsScreen({ active = true }: { active?: boolean }) {
  const { reviews, actor, refreshMs } = useServices()
  const shell = useShell()
  const polled = usePoll(() => reviews.list({ status: 'open', limit: 10_000 }), refreshMs)
  const [cursor, setCursor, cursorRef] = useSyncedState(0)
  const [flow, setFlow] = useState<Flow>({ kind: 'list' })
  const top = useRef(0)
  useKeyLock('reviews', flow.kind !== 'list')

  const list = polled.data ?? []
  const at = Math.min(cursor, Math.max(0, list.length - 1))
  const selected = list[at]
  const listHeight = Math.max(3, shell.height - 2)

  useInput(
    (input, key) => {
      // From the latest cursor, not this render's: held keys arrive before the handler is re-subscribed.
      if (isMoveKey(key, input)) return setCursor((c) => moveCursor(Math.min(c, Math.max(0, list.length - 1)), list.length, listHeight, key, input))
      // the row under the newest cursor, not this render's (see use-synced-state.ts)
      const chosen = list[Math.min(cursorRef.current, Math.max(0, list.length - 1))]
      if (key.return && chosen !== undefined) {
        shell.notify(null)
        setFlow({ kind: 'outcome', review: chosen })
      }
    },
    { isActive: active && flow.kind === 'list' },
  )

  async function resolve(review: Review, outcome: ReviewOutcome, note: string) {
    setFlow({ kind: 'list' })
    try {
      await reviews.resolve(review.id, { outcome, actor, ...(note.trim() === '' ? {} : { note }) })
      shell.notify({ kind: 'ok', text: `Review #${review.id} (${review.mitraId}, ${review.businessDay}) resolved: ${outcome} (by ${actor})` })
    } catch (e) {
      shell.notify({ kind: 'error', text: describeError(e) })
    }
    polled.reload()
  }

  if (polled.data === undefined) return <Text>{polled.error === undefined ? 'Memuat reviews…' : describeError(polled.error)}</Text>
  const first = windowTop(list.length, at, listHeight, top.current)
  top.current = first
  const mitraW = Math.max(10, shell.width - 2 - 8 - 11 - 12 - 22)
  const about =
    flow.kind === 'list' ? [] : [`Review #${flow.review.id} · mitra ${flow.review.mitraId} · ${flow.review.businessDay} · ${flow.review.earlyEnds} early ends`]

  return (
    <Box flexDirection="column">
      <StaleNotice error={polled.error} />
      <Text>
        <Text bold>{`${list.length} review terbuka`}</Text>
        <Text dimColor>{list.length > 0 ? '  · Enter: resolve' : ''}</Text>
      </Text>
      <Text dimColor>{`  ${fit('review', 8)} ${fit('mitra', mitraW)} ${fit('hari', 11)} ${fit('early ends', 11)} dibuka`}</Text>
      {flow.kind === 'list' &&
        list.slice(first, first + listHeight).map((r, i) => {
          const here = first + i === at
          return (
            <Text key={r.id} inverse={here && active}>
              {`${here ? '›' : ' '} ${fit(`#${r.id}`, 8)} ${fit(r.mitraId, mitraW)} ${fit(r.businessDay, 11)} ${fit(String(r.earlyEnds), 11)} ${r.openedAt.slice(0, 16).replace('T', ' ')}`}
            </Text>
          )
        })}
      {flow.kind === 'list' && list.length === 0 && <Text dimColor>Tidak ada review terbuka.</Text>}
      {flow.kind === 'outcome' && (
        <ChoiceDialog
          vertical
          title="Resolve review"
          detail={about}
          choices={REVIEW_OUTCOMES}
          onChoose={(i) => {
            const outcome = i === null ? undefined : REVIEW_OUTCOMES[i]
            setFlow(outcome === undefined ? { kind: 'list' } : { kind: 'note', review: flow.review, outcome })
          }}
        />
      )}
      {flow.kind === 'note' && (
        <TextPrompt
          label={`Catatan (${flow.outcome}):`}
          onCancel={() => setFlow({ kind: 'list' })}
          onSubmit={(text) => void resolve(flow.review, flow.outcome, text)}
        />
      )}
    </Box>
  )
}
