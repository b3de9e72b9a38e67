import { Box, Text } from 'ink'
import { useEffect, useMemo, useState } from 'react'
import type { Session } from '../closure/session-view.js'
import { END_ACTION } from '../present/prd-strings.js'
import { printable } from '../present/printable.js'
import { formatInstant } from '../present/time.js'
import { is } from './keys.js'
import { useKeys } from './key-router.js'
import { useRemembered } from './screen-memory.js'
import {
  MEASURED_ROWS,
  NO_LIVE_SESSIONS,
  RECENT_SESSIONS,
  SESSION_CHROME,
  SESSION_HINTS,
  SESSION_VIEWS,
  sessionColumns,
  sessionCount,
  type SessionView,
} from './layout.js'
import { fit } from './scroll-window.js'
import { useServices } from './services-context.js'
import { closedBy, timeLeft } from './session-format.js'
import { describeError, StaleNotice, useShell } from './shell-context.js'
import { TextPrompt } from './text-prompt.js'
import { useListCursor } from './use-list-cursor.js'
import { hasSession, useLiveSessions } from './use-live-sessions.js'
import { useNow } from './use-now.js'
import { usePoll } from './use-poll.js'
import { mitraSeesEndAction } from '../core/early-end-rules.js'
import { parseSessionId } from './session-id.js'

/** Sessions whose `#id`, status, mitra or customer contains `filter` (case-insensitive). */
function useFiltered(sessions: readonly Session[], filter: string): readonly Session[] {
  // what a filter matches, lower-cased once per refresh rather than once per key typed
  // (a filter is typed text: it holds no line break, so it never matches across two fields)
  const haystacks = useMemo(() => sessions.map((s) => `#${s.id}\n${s.status}\n${s.mitraId}\n${s.customerId}`.toLowerCase()), [sessions])
  return useMemo(() => {
    const f = filter.trim().toLowerCase()
    if (f === '') return sessions
    return sessions.filter((_, i) => haystacks[i]!.includes(f))
  }, [sessions, haystacks, filter])
}

const NO_SESSIONS: readonly Session[] = Object.freeze([])

/** The newest closing or closed sessions, newest first, read again every refresh; nothing is read for the live view. */
function useRecentSessions(view: SessionView) {
  const { closures, refreshMs } = useServices()
  return usePoll(
    () => (view === 'live' ? Promise.resolve(NO_SESSIONS) : closures.listSessions({ status: [view], order: 'newest', limit: RECENT_SESSIONS })),
    refreshMs,
    // the live view starts with what its load says: no redraw right after the first frame for it
    { memory: `sessions.${view}`, deps: [view], ...(view === 'live' ? { initial: NO_SESSIONS } : {}) },
  )
}

type Editing = 'filter' | 'open' | null

/**
 * Sesi Aktif's list: sessions with mitra, customer and time left, newest
 * first as `session list` has them: the live ones (active, extending) by
 * default; `s` shows the newest closing, then closed ones. Each live row ends
 * as the mitra app's does: `Akhiri ›` while `early_end_mitra_enabled` is
 * true, otherwise only the chevron. The cursor stays on the session the
 * operator chose; when that session stops being live (ended elsewhere), the
 * footer says so and who ended it. Enter opens the session; `o` opens any
 * session by id, whatever its status; `/` filters.
 */
export function SessionList({ onOpen }: { onOpen(id: number): void }) {
  const [view, setView] = useRemembered<SessionView>('sessions.view', 'live')
  // one list per view, each with its own cursor and scroll (remembered under the view's name)
  return <SessionRows key={view} view={view} onView={setView} onOpen={onOpen} />
}

function SessionRows({ view, onView: setView, onOpen }: { view: SessionView; onView(view: SessionView): void; onOpen(id: number): void }) {
  const { closures } = useServices()
  const shell = useShell()
  const liveState = useLiveSessions()
  const recent = useRecentSessions(view)
  const [filter, setFilter] = useRemembered('sessions.filter', '')
  const [editing, setEditing] = useState<Editing>(null)
  const [openError, setOpenError] = useState<string | undefined>(undefined)
  const live = view === 'live'
  // newest first, as `session list`; the live view's hook keeps them by id
  const newestLive = useMemo(() => (liveState.sessions === undefined ? undefined : [...liveState.sessions].reverse()), [liveState.sessions])
  const sessions = live ? newestLive : recent.data
  const error = live ? liveState.error : recent.error
  const partial = live && liveState.partial
  const shown = useFiltered(sessions ?? [], filter)
  const listHeight = Math.max(1, shell.height - SESSION_CHROME - (error === undefined ? 0 : 1))
  const cursor = useListCursor(shown, (s) => s.id, { height: listHeight, memory: `sessions.${view}` })
  const now = useNow()
  const { notify } = shell

  // The chosen session left the live list (not just the filter): say so, and who ended it.
  const lost = live ? cursor.lost : null
  const movedTo = cursor.selected?.id
  const liveById = liveState.sessions
  useEffect(() => {
    if (lost === null || liveById === undefined || hasSession(liveById, lost)) return
    const where = movedTo === undefined ? '' : `; the cursor moved to #${movedTo}`
    closures.getSession(lost).then(
      (d) => notify({ kind: 'warn', text: `Session #${lost} is no longer live: ${d.closure === null ? d.status : closedBy(d.closure)}${where}` }),
      () => notify({ kind: 'warn', text: `Session #${lost} is no longer live${where}` }),
    )
  }, [lost, movedTo, liveById, closures, notify])

  useKeys(
    (key) => {
      if (cursor.onKey(key)) return 'handled'
      if (is(key, '/')) return (setEditing('filter'), 'changed')
      if (is(key, 'o') || is(key, ':')) return (setOpenError(undefined), setEditing('open'), 'changed')
      if (is(key, 's')) return (setView(SESSION_VIEWS[(SESSION_VIEWS.indexOf(view) + 1) % SESSION_VIEWS.length]!), 'changed')
      if (key.name === 'escape' && filter !== '') return (setFilter(''), 'changed')
      const chosen = cursor.current()
      if (key.name === 'return' && chosen !== undefined) return (onOpen(chosen.id), 'changed')
      return 'ignored'
    },
    // The first screenful alone is not ready: keys that need the whole list (End, a filter, another view)
    // wait for it (a moment later). Those it answers exactly are answered at once: a drawn screen takes keys.
    {
      active: editing === null,
      ready: (sessions !== undefined && !partial) || error !== undefined,
      early: (key) => partial && (cursor.movesWithin(key) || key.name === 'return' || is(key, 'o') || is(key, ':')),
    },
  )

  const prompt =
    editing === 'open' ? (
      <TextPrompt
        label="Open session #"
        hint="any status · Enter: open · Esc: cancel"
        error={openError}
        onSubmit={(text) => {
          const id = parseSessionId(text)
          if (id === null) return setOpenError(`"${printable(text.slice(0, 30))}" is not a session id: digits, e.g. #1234`)
          setEditing(null)
          onOpen(id)
        }}
        onCancel={() => setEditing(null)}
      />
    ) : null

  if (sessions === undefined)
    return (
      <Box flexDirection="column">
        <Text>{error === undefined ? 'Loading sessions…' : describeError(error)}</Text>
        {prompt}
      </Box>
    )

  const akhiri = live && shell.flags !== undefined && mitraSeesEndAction(shell.flags)
  const { idW, statusW, leftW, mitraW, customerW } = sessionColumns(shell.width, akhiri, [...shown.slice(0, MEASURED_ROWS), ...cursor.visible], view)
  const all = live ? (liveState.total ?? sessions.length) : sessions.length
  const filtered = filter !== '' && !partial
  const count = sessionCount(cursor.index + 1, filtered ? shown.length : all, all, view, filtered)
  const tz = shell.flags?.business_timezone ?? 'UTC'
  const when = (s: Session) => (view === 'closed' ? formatInstant(s.closedAt, tz) : timeLeft(s, now))

  return (
    <Box flexDirection="column">
      <StaleNotice error={error} />
      <Text wrap="truncate-end">
        <Text bold>{count}</Text>
        {filter !== '' && editing !== 'filter' && <Text color="yellow">{`  filter: ${printable(filter)} (Esc clears)`}</Text>}
        <Text dimColor>{SESSION_HINTS}</Text>
      </Text>
      {editing === 'filter' ? (
        <TextPrompt
          inline
          label="/"
          initial={filter}
          onChange={setFilter}
          onSubmit={() => setEditing(null)}
          onCancel={() => {
            setFilter('')
            setEditing(null)
          }}
        />
      ) : (
        <Text
          dimColor
        >{`  ${fit('session', idW)} ${fit('status', statusW)} ${fit('mitra', mitraW)} ${fit('customer', customerW)} ${fit(view === 'closed' ? 'closed' : 'left', leftW)}`}</Text>
      )}
      {prompt}
      {prompt === null &&
        cursor.visible.map((s, i) => {
          const here = cursor.top + i === cursor.index
          return (
            <Text key={s.id} inverse={here} wrap="truncate-end">
              {`${here ? '›' : ' '} ${fit(`#${s.id}`, idW)} ${fit(s.status, statusW)} ${fit(printable(s.mitraId), mitraW)} ${fit(printable(s.customerId), customerW)} ${fit(when(s), leftW)} `}
              {akhiri ? <Text color={here ? undefined : 'red'}>{`${END_ACTION} ›`}</Text> : <Text>›</Text>}
            </Text>
          )
        })}
      {shown.length === 0 && <Text dimColor>{filter !== '' ? 'No session matches the filter.' : live ? NO_LIVE_SESSIONS : `No ${view} sessions.`}</Text>}
    </Box>
  )
}
