import { Box, Text } from 'ink'
import { useState } from 'react'
import type { SessionDetail } from '../closure/session-view.js'
import { UserType } from '../core/user-type.js'
import { END_ACTION } from '../present/prd-strings.js'
import { printable } from '../present/printable.js'
import { formatInstant } from '../present/time.js'
import { EndSessionFlow } from './end-session-flow.js'
import { is } from './keys.js'
import { useKeys } from './key-router.js'
import { fit } from './scroll-window.js'
import { useServices } from './services-context.js'
import { closedBy, closureLines, isLive, timeLeft } from './session-format.js'
import { describeError, StaleNotice, useShell } from './shell-context.js'
import { useNow } from './use-now.js'
import { usePoll } from './use-poll.js'
import { mitraSeesEndAction } from '../core/early-end-rules.js'

/**
 * One session: status, time left, closure, goodbyes and its audit trail,
 * with the one action support has on it: `a` ends it as support, through
 * the same confirmation as the CLI, whatever the mitra flag says. If the
 * session is ended elsewhere while the confirmation is open, the
 * confirmation closes and the footer says who ended it.
 */
export function SessionDetailView({ id, onClose }: { id: number; onClose(): void }) {
  const { closures, actor, refreshMs } = useServices()
  const shell = useShell()
  const now = useNow()
  const polled = usePoll(() => Promise.all([closures.getSession(id), closures.clientConfig(UserType.SUPPORT, actor)]), refreshMs, { deps: [id] })
  const [ending, setEnding] = useState(false)
  const [detail, support] = polled.data ?? []
  const live = detail !== undefined && isLive(detail)
  const { notify } = shell

  const endedBy = detail !== undefined && !live ? (detail.closure === null ? detail.status : closedBy(detail.closure)) : null

  useKeys(
    (key) => {
      if (key.name === 'escape' || key.name === 'left' || key.name === 'backspace') return (onClose(), 'changed')
      if (is(key, 'a') && detail !== undefined) {
        if (!live) return (notify({ kind: 'warn', text: `Session #${id} is ${detail.status}: there is nothing to end` }), 'handled')
        return (setEnding(true), 'changed')
      }
      return 'ignored'
    },
    { active: !ending, ready: polled.data !== undefined || polled.error !== undefined },
  )

  if (detail === undefined || support === undefined)
    return (
      <Box flexDirection="column">
        <Text>{polled.error === undefined ? `Loading session #${id}…` : describeError(polled.error)}</Text>
        <Text dimColor>Esc: back to the list</Text>
      </Box>
    )
  const tz = shell.flags?.business_timezone ?? 'UTC'

  return (
    <Box flexDirection="column">
      <StaleNotice error={polled.error} />
      <Text wrap="truncate-end">
        <Text bold>{`Session #${detail.id}`}</Text>
        {`  ${detail.status}`}
        {timeLeft(detail, now) === '-' ? '' : ` · ${timeLeft(detail, now)}${live ? ' left' : ''}`}
        <Text
          dimColor
        >{`  · mitra app shows: ${detail !== undefined && shell.flags !== undefined && mitraSeesEndAction(shell.flags, detail.status) ? `${END_ACTION} ›` : '›'}`}</Text>
      </Text>
      <Fields detail={detail} tz={tz} />
      {ending ? (
        <EndSessionFlow
          session={detail}
          reasons={support.reasons}
          reasonRequired={support.reasonRequired}
          endedBy={endedBy}
          onDone={() => {
            setEnding(false)
            polled.reload()
          }}
        />
      ) : (
        <Events detail={detail} tz={tz} height={Math.max(1, shell.height - 10)} width={shell.width} />
      )}
      {!ending && <Text dimColor>{live ? `a: ${END_ACTION} as support (asks first) · Esc: back to the list` : 'Esc: back to the list'}</Text>}
    </Box>
  )
}

function Fields({ detail, tz }: { detail: SessionDetail; tz: string }) {
  const row = (label: string, text: string) => (
    <Text wrap="truncate-end">
      <Text dimColor>{`  ${fit(label, 9)} `}</Text>
      {text}
    </Text>
  )
  return (
    <Box flexDirection="column">
      {row('mitra', printable(detail.mitraId))}
      {row('customer', printable(detail.customerId))}
      {row('times', `started ${formatInstant(detail.startedAt, tz)} · ends ${formatInstant(detail.endsAt, tz)}`)}
      {row('closure', detail.closure === null ? 'none' : closureLines(detail.closure, tz)[0])}
      {detail.closure !== null && row('', closureLines(detail.closure, tz)[1])}
      {row(
        'goodbyes',
        detail.goodbyes.length === 0 ? 'none' : detail.goodbyes.map((g) => `${g.side} ${printable(g.actorId)}: "${printable(g.message)}"`).join(' · '),
      )}
    </Box>
  )
}

function Events({ detail, tz, height, width }: { detail: SessionDetail; tz: string; height: number; width: number }) {
  const shown = detail.events.slice(-Math.max(1, height - 1))
  return (
    <Box flexDirection="column">
      <Text bold>{`Events${shown.length < detail.events.length ? ` (last ${shown.length} of ${detail.events.length})` : ''}`}</Text>
      {shown.map((e) => (
        <Text key={e.id} wrap="truncate-end">
          {`  ${formatInstant(e.at, tz, { seconds: true })}  ${fit(e.event, 10)} ${fit(`${e.fromStatus ?? '-'} → ${e.toStatus}`, 22)} ${printable(e.actorType)}${e.actorId === null ? '' : ` ${printable(e.actorId)}`}`.slice(
            0,
            width,
          )}
        </Text>
      ))}
    </Box>
  )
}
