import { Box, Text, useInput } from 'ink'
import { useEffect, useMemo, useRef, useState } from 'react'
import { earlyEndEnabledFor, noteRequiredFor } from '../core/early-end-rules.js'
import { UserType } from '../core/user-type.js'
import type { Session } from '../closure/session-view.js'
import { ChoiceDialog } from './choice-dialog.js'
import { TextPrompt } from './text-prompt.js'
import { describeError, StaleNotice, useKeyLock, useShell } from './shell-context.js'
import { useServices } from './services-context.js'
import { usePoll } from './use-poll.js'
import { useSyncedState } from './use-synced-state.js'
import { fit, isMoveKey, moveCursor, windowTop } from './scroll-window.js'

/** The exact strings of the CLI's confirmation (contract §6). */
export const CONFIRM_TITLE = 'Akhiri Sesi?'
export const CONFIRM_BODY = 'Apakah kamu yakin ingin mengakhiri sesi ini?'
export const CONFIRM_CHOICES = ['Batal', 'Ya, Akhiri'] as const

/** At most this many live sessions are loaded per refresh. */
const LOAD_LIMIT = 100_000

type Flow =
  | { readonly kind: 'list' }
  | { readonly kind: 'filter' }
  | { readonly kind: 'confirm'; readonly session: Session }
  | { readonly kind: 'reason'; readonly session: Session; readonly reasons: readonly string[]; readonly reasonRequired: boolean }
  | { readonly kind: 'note'; readonly session: Session; readonly reason: string }
  | { readonly kind: 'ending'; readonly session: Session }

/** `12:05` or `1:02:03` until `endsAt`; `lewat` once past (the next sweep expires it). */
export function timeLeft(endsAt: string, now: Date): string {
  const s = Math.floor((Date.parse(endsAt) - now.getTime()) / 1000)
  if (s <= 0) return 'lewat'
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const sec = String(s % 60).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`
}

const NO_REASON = '(tanpa alasan)'

/**
 * Active and extending sessions. The `Akhiri` action is offered only while the
 * library says mitras may end early (`early_end_mitra_enabled`, as the mitra
 * app shows its button); the operator then ends the session as SUPPORT, named
 * as the actor, with the reasons the library configures.
 */
export function SessionsScreen({ active = true }: { active?: boolean }) {
  const { closures, config, actor, clock, refreshMs } = useServices()
  const shell = useShell()
  const polled = usePoll(async () => {
    const [sessions, flags] = await Promise.all([closures.listSessions({ status: ['active', 'extending'], limit: LOAD_LIMIT }), config.all()])
    return { sessions, akhiri: earlyEndEnabledFor(UserType.MITRA, flags) }
  }, refreshMs)
  const [filter, setFilter] = useState('')
  const [cursor, setCursor, cursorRef] = useSyncedState(0)
  const [flow, setFlow] = useState<Flow>({ kind: 'list' })
  const top = useRef(0)
  useKeyLock('sessions', flow.kind !== 'list')

  const sessions = polled.data?.sessions
  const akhiri = polled.data?.akhiri ?? false
  const shown = useMemo(() => {
    const all = sessions ?? []
    const f = filter.trim().toLowerCase()
    if (f === '') return all
    return all.filter((s) => `#${s.id}`.includes(f) || s.mitraId.toLowerCase().includes(f) || s.customerId.toLowerCase().includes(f))
  }, [sessions, filter])
  const at = Math.min(cursor, Math.max(0, shown.length - 1))
  const selected = shown[at]

  // The flag went off (here or in another process) while a dialog was open: the action no longer exists.
  useEffect(() => {
    if (!akhiri && (flow.kind === 'confirm' || flow.kind === 'reason' || flow.kind === 'note')) {
      setFlow({ kind: 'list' })
      shell.notify({ kind: 'error', text: 'Akhiri is off now (early_end_mitra_enabled is false)' })
    }
  }, [akhiri, flow.kind, shell])

  const listHeight = Math.max(3, shell.height - 2)

  useInput(
    (input, key) => {
      if (input === '/') return setFlow({ kind: 'filter' })
      if (key.escape && filter !== '') return setFilter('')
      // From the latest cursor, not this render's: held keys arrive before the handler is re-subscribed.
      if (isMoveKey(key, input)) return setCursor((c) => moveCursor(Math.min(c, Math.max(0, shown.length - 1)), shown.length, listHeight, key, input))
      // the row under the newest cursor, not this render's: ↓ ↓ Enter typed at once must not end the row the cursor left
      const chosen = shown[Math.min(cursorRef.current, Math.max(0, shown.length - 1))]
      if ((key.return || input === 'a') && chosen !== undefined) {
        if (!akhiri) return shell.notify({ kind: 'error', text: 'Akhiri is off (early_end_mitra_enabled is false)' })
        shell.notify(null)
        setFlow({ kind: 'confirm', session: chosen })
      }
    },
    { isActive: active && flow.kind === 'list' },
  )

  async function end(session: Session, reason: string | undefined, note: string | undefined) {
    setFlow({ kind: 'ending', session })
    try {
      const r = await closures.initiateEarlyEnd(session.id, UserType.SUPPORT, { actorId: actor, reason, note })
      shell.notify({ kind: 'ok', text: `Sesi #${session.id} → ${r.status}, grace until ${r.graceEndsAt} (support, by ${actor})` })
    } catch (e) {
      shell.notify({ kind: 'error', text: describeError(e) })
    }
    setFlow({ kind: 'list' })
    polled.reload()
  }

  async function askReason(session: Session) {
    try {
      const cc = await closures.clientConfig(UserType.SUPPORT, actor)
      setFlow({ kind: 'reason', session, reasons: cc.reasons, reasonRequired: cc.reasonRequired })
    } catch (e) {
      shell.notify({ kind: 'error', text: describeError(e) })
      setFlow({ kind: 'list' })
    }
  }

  if (sessions === undefined) return <Text>{polled.error === undefined ? 'Memuat sesi…' : describeError(polled.error)}</Text>

  const w = shell.width
  const idW = 8
  const statusW = 10
  const leftW = 8
  const actionW = akhiri ? 9 : 2
  const partyW = Math.max(8, Math.floor((w - 2 - idW - statusW - leftW - actionW - 4) / 2))
  const now = clock.now()
  const first = windowTop(shown.length, at, listHeight, top.current)
  top.current = first
  const visible = shown.slice(first, first + listHeight)

  const dialog = flow.kind === 'confirm' || flow.kind === 'reason' || flow.kind === 'note' || flow.kind === 'ending'
  const about = dialog ? [`Sesi #${flow.session.id} · mitra ${flow.session.mitraId} · customer ${flow.session.customerId}`] : []

  return (
    <Box flexDirection="column">
      <StaleNotice error={polled.error} />
      <Text>
        <Text bold>{`${shown.length} sesi`}</Text>
        <Text dimColor>{sessions.length !== shown.length ? ` dari ${sessions.length}` : ''}</Text>
        {filter !== '' && flow.kind !== 'filter' && <Text color="yellow">{`  filter: ${filter} (Esc clears)`}</Text>}
        <Text dimColor>{akhiri ? '  · Enter: Akhiri' : '  · Akhiri off (early_end_mitra_enabled=false)'}</Text>
      </Text>
      {flow.kind === 'filter' ? (
        <TextPrompt
          inline
          label="/"
          initial={filter}
          onChange={(t) => {
            setFilter(t)
            setCursor(0)
          }}
          onSubmit={() => setFlow({ kind: 'list' })}
          onCancel={() => {
            setFilter('')
            setFlow({ kind: 'list' })
          }}
        />
      ) : (
        <Text dimColor>{`  ${fit('sesi', idW)} ${fit('status', statusW)} ${fit('mitra', partyW)} ${fit('customer', partyW)} ${fit('sisa', leftW)}`}</Text>
      )}
      {dialog ? (
        <Box flexDirection="column">
          {flow.kind === 'confirm' && (
            <ChoiceDialog
              title={CONFIRM_TITLE}
              body={CONFIRM_BODY}
              detail={about}
              choices={CONFIRM_CHOICES}
              onChoose={(i) => {
                if (i === 1) void askReason(flow.session)
                else setFlow({ kind: 'list' })
              }}
            />
          )}
          {flow.kind === 'reason' && (
            <ChoiceDialog
              vertical
              title="Alasan"
              detail={about}
              choices={flow.reasonRequired ? flow.reasons : [...flow.reasons, NO_REASON]}
              onChoose={(i) => {
                const choices = flow.reasonRequired ? flow.reasons : [...flow.reasons, NO_REASON]
                const reason = i === null ? undefined : choices[i]
                if (reason === undefined) return setFlow({ kind: 'list' })
                if (reason === NO_REASON) return void end(flow.session, undefined, undefined)
                if (noteRequiredFor(reason)) return setFlow({ kind: 'note', session: flow.session, reason })
                void end(flow.session, reason, undefined)
              }}
            />
          )}
          {flow.kind === 'note' && (
            <TextPrompt
              label={`Catatan (${flow.reason}):`}
              onCancel={() => setFlow({ kind: 'list' })}
              onSubmit={(text) => void end(flow.session, flow.reason, text)}
            />
          )}
          {flow.kind === 'ending' && <Text>{`Mengakhiri sesi #${flow.session.id}…`}</Text>}
        </Box>
      ) : (
        visible.map((s, i) => {
          const here = first + i === at
          return (
            <Text key={s.id} inverse={here && active}>
              {`${here ? '›' : ' '} ${fit(`#${s.id}`, idW)} ${fit(s.status, statusW)} ${fit(s.mitraId, partyW)} ${fit(s.customerId, partyW)} ${fit(timeLeft(s.endsAt, now), leftW)} `}
              {akhiri ? <Text color={here ? undefined : 'red'}>Akhiri ›</Text> : <Text>›</Text>}
            </Text>
          )
        })
      )}
      {!dialog && shown.length === 0 && <Text dimColor>{filter === '' ? 'Tidak ada sesi aktif.' : 'Tidak ada sesi yang cocok.'}</Text>}
    </Box>
  )
}
