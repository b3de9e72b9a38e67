import { Box, Text } from 'ink'
import { useEffect, useMemo, useState } from 'react'
import type { Session } from '../closure/session-view.js'
import { END_ACTION } from '../present/prd-strings.js'
import { printable } from '../present/printable.js'
import { is } from './keys.js'
import { useKeys } from './key-router.js'
import { useRemembered } from './screen-memory.js'
import { SESSION_CHROME, SESSION_HINTS, sessionColumns, sessionCount } from './layout.js'
import { fit } from './scroll-window.js'
import { useServices } from './services-context.js'
import { closedBy, timeLeft } from './session-format.js'
import { describeError, StaleNotice, useShell } from './shell-context.js'
import { TextPrompt } from './text-prompt.js'
import { useListCursor } from './use-list-cursor.js'
import { hasSession, useLiveSessions } from './use-live-sessions.js'
import { useNow } from './use-now.js'
import { mitraSeesEndAction } from '../core/early-end-rules.js'

/** Sessions whose `#id`, mitra or customer contains `filter` (case-insensitive). */
function useFiltered(sessions: readonly Session[] | undefined, filter: string): readonly Session[] {
  // what a filter matches, lower-cased once per refresh rather than once per key typed
  // (a filter is typed text: it holds no line break, so it never matches across two fields)
  const haystacks = useMemo(() => (sessions ?? []).map((s) => `#${s.id}\n${s.mitraId}\n${s.customerId}`.toLowerCase()), [sessions])
  return useMemo(() => {
    const all = sessions ?? []
    const f = filter.trim().toLowerCase()
    if (f === '') return all
    return all.filter((_, i) => haystacks[i]!.includes(f))
  }, [sessions, haystacks, filter])
}

/**
 * Sesi Aktif's list: active and extending sessions with mitra, customer and
 * time left. Each row ends as the mitra app's does: `Akhiri ›` while
 * `early_end_mitra_enabled` is true, otherwise only the chevron. The cursor
 * stays on the session the operator chose; when that session stops being
 * live (ended elsewhere), the footer says so and who ended it. Enter opens
 * the session; `/` filters.
 */
export function SessionList({ onOpen }: { onOpen(id: number): void }) {
  const { closures } = useServices()
  const shell = useShell()
  const { sessions, total, partial, error } = useLiveSessions()
  const [filter, setFilter] = useRemembered('sessions.filter', '')
  const [editing, setEditing] = useState(false)
  const shown = useFiltered(sessions, filter)
  const listHeight = Math.max(1, shell.height - SESSION_CHROME - (error === undefined ? 0 : 1))
  const cursor = useListCursor(shown, (s) => s.id, { height: listHeight, memory: 'sessions' })
  const now = useNow()
  const { notify } = shell

  // The chosen session left the live list (not just the filter): say so, and who ended it.
  const lost = cursor.lost
  const movedTo = cursor.selected?.id
  useEffect(() => {
    if (lost === null || sessions === undefined || hasSession(sessions, lost)) return
    const where = movedTo === undefined ? '' : `; the cursor moved to #${movedTo}`
    closures.getSession(lost).then(
      (d) => notify({ kind: 'warn', text: `Session #${lost} is no longer live: ${d.closure === null ? d.status : closedBy(d.closure)}${where}` }),
      () => notify({ kind: 'warn', text: `Session #${lost} is no longer live${where}` }),
    )
  }, [lost, movedTo, sessions, closures, notify])

  useKeys(
    (key) => {
      if (cursor.onKey(key)) return 'handled'
      if (is(key, '/')) return (setEditing(true), 'changed')
      if (key.name === 'escape' && filter !== '') return (setFilter(''), 'changed')
      const chosen = cursor.current()
      if (key.name === 'return' && chosen !== undefined) return (onOpen(chosen.id), 'changed')
      return 'ignored'
    },
    // the first screenful alone is not ready: keys wait for the whole list (a moment later)
    { active: !editing, ready: (sessions !== undefined && !partial) || error !== undefined },
  )

  if (sessions === undefined) return <Text>{error === undefined ? 'Loading sessions…' : describeError(error)}</Text>

  const akhiri = shell.flags !== undefined && mitraSeesEndAction(shell.flags)
  const { idW, statusW, leftW, partyW } = sessionColumns(shell.width, akhiri)
  const all = total ?? sessions.length
  const count = filter === '' || partial ? sessionCount(all) : sessionCount(all, shown.length)

  return (
    <Box flexDirection="column">
      <StaleNotice error={error} />
      <Text wrap="truncate-end">
        <Text bold>{count}</Text>
        {filter !== '' && !editing && <Text color="yellow">{`  filter: ${printable(filter)} (Esc clears)`}</Text>}
        <Text dimColor>{SESSION_HINTS}</Text>
      </Text>
      {editing ? (
        <TextPrompt
          inline
          label="/"
          initial={filter}
          onChange={setFilter}
          onSubmit={() => setEditing(false)}
          onCancel={() => {
            setFilter('')
            setEditing(false)
          }}
        />
      ) : (
        <Text dimColor>{`  ${fit('session', idW)} ${fit('status', statusW)} ${fit('mitra', partyW)} ${fit('customer', partyW)} ${fit('left', leftW)}`}</Text>
      )}
      {cursor.visible.map((s, i) => {
        const here = cursor.top + i === cursor.index
        return (
          <Text key={s.id} inverse={here} wrap="truncate-end">
            {`${here ? '›' : ' '} ${fit(`#${s.id}`, idW)} ${fit(s.status, statusW)} ${fit(printable(s.mitraId), partyW)} ${fit(printable(s.customerId), partyW)} ${fit(timeLeft(s, now), leftW)} `}
            {akhiri ? <Text color={here ? undefined : 'red'}>{`${END_ACTION} ›`}</Text> : <Text>›</Text>}
          </Text>
        )
      })}
      {shown.length === 0 && <Text dimColor>{filter === '' ? 'No live sessions.' : 'No session matches the filter.'}</Text>}
    </Box>
  )
}
