import { Box, Text } from 'ink'
import { printable } from '../present/printable.js'
import { formatInstant } from '../present/time.js'
import type { Review } from '../review/review-service.js'
import { is } from './keys.js'
import { useKeys } from './key-router.js'
import { useRemembered } from './screen-memory.js'
import { fit } from './scroll-window.js'
import { useServices } from './services-context.js'
import { describeError, StaleNotice, useShell } from './shell-context.js'
import { ReviewDetailView } from './review-detail.js'
import { useListCursor } from './use-list-cursor.js'
import { usePoll } from './use-poll.js'

/** At most this many reviews are read per refresh; the screen says when there may be more. */
const LIMIT = 1000

/**
 * CC reviews, open ones first (`s` shows the resolved ones), newest first as
 * `review list` has them. Each row shows the mitra's early ends on the
 * review's day as `report cap` counts them (every early end of that day, not
 * only those attached to the review). Enter opens a review on its closures
 * (review-detail.tsx), where `r` resolves it.
 */
export function ReviewsScreen() {
  const [open, setOpen] = useRemembered<number | null>('reviews.open', null)
  if (open !== null) return <ReviewDetailView id={open} onClose={() => setOpen(null)} />
  return <ReviewList onOpen={setOpen} />
}

function ReviewList({ onOpen }: { onOpen(id: number): void }) {
  const [status, setStatus] = useRemembered<'open' | 'resolved'>('reviews.status', 'open')
  // one list per status, each with its own cursor and scroll (remembered under the status)
  return <ReviewRows key={status} status={status} onStatus={setStatus} onOpen={onOpen} />
}

type ReviewStatus = 'open' | 'resolved'

function ReviewRows({ status, onStatus, onOpen }: { status: ReviewStatus; onStatus(s: ReviewStatus): void; onOpen(id: number): void }) {
  const { reviews, reports, refreshMs } = useServices()
  const shell = useShell()
  const setStatus = (next: (s: ReviewStatus) => ReviewStatus) => onStatus(next(status))
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
  const list = polled.data?.list ?? []
  const listHeight = Math.max(1, shell.height - 2 - (polled.error === undefined ? 0 : 1))
  const cursor = useListCursor(list, (r) => r.id, { height: listHeight, memory: `reviews.${status}` })
  const earlyEnds = (r: Review) => polled.data?.earlyEnds.get(`${r.businessDay}\n${r.mitraId}`) ?? 0

  useKeys(
    (key) => {
      if (cursor.onKey(key)) return 'handled'
      if (is(key, 's')) return (setStatus((s) => (s === 'open' ? 'resolved' : 'open')), 'changed')
      const chosen = cursor.current()
      if (key.name === 'return' && chosen !== undefined) return (onOpen(chosen.id), 'changed')
      return 'ignored'
    },
    { ready: polled.data !== undefined || polled.error !== undefined },
  )

  if (polled.data === undefined) return <Text>{polled.error === undefined ? 'Loading reviews…' : describeError(polled.error)}</Text>
  const tz = shell.flags?.business_timezone ?? 'UTC'
  // the last column: when it was opened, or the outcome, who resolved it and when
  const lastW = status === 'open' ? 20 : 44
  const mitraW = Math.max(10, shell.width - 2 - 8 - 11 - 11 - lastW - 4)
  const more = list.length === LIMIT ? ` (the newest ${LIMIT})` : ''

  return (
    <Box flexDirection="column">
      <StaleNotice error={polled.error} />
      <Text wrap="truncate-end">
        <Text bold>{`${list.length === 0 ? 0 : cursor.index + 1} of ${list.length} ${status} ${list.length === 1 ? 'review' : 'reviews'}${more}`}</Text>
        <Text
          dimColor
        >{`  · newest first · Enter: open${status === 'open' ? ' and resolve' : ''} · s: show ${status === 'open' ? 'resolved' : 'open'} ones`}</Text>
      </Text>
      <Text
        dimColor
      >{`  ${fit('review', 8)} ${fit('mitra', mitraW)} ${fit('day', 11)} ${fit('early ends', 11)} ${status === 'open' ? 'opened' : 'resolved'}`}</Text>
      {cursor.visible.map((r, i) => {
        const here = cursor.top + i === cursor.index
        const last =
          status === 'open' ? formatInstant(r.openedAt, tz) : `${r.outcome ?? '-'} · ${printable(r.resolvedBy ?? '-')} · ${formatInstant(r.resolvedAt, tz)}`
        return (
          <Text key={r.id} inverse={here} wrap="truncate-end">
            {`${here ? '›' : ' '} ${fit(`#${r.id}`, 8)} ${fit(printable(r.mitraId), mitraW)} ${fit(r.businessDay, 11)} ${fit(String(earlyEnds(r)), 11)} ${last}`}
          </Text>
        )
      })}
      {list.length === 0 && <Text dimColor>{`No ${status} reviews.`}</Text>}
    </Box>
  )
}
