import { Box, Text } from 'ink'
import { useState } from 'react'
import { flagText, parseFlagText, type FlagKey } from '../config/flag-registry.js'
import type { FlagState } from '../config/config-store.js'
import { HaloError } from '../errors.js'
import { printable } from '../present/printable.js'
import { formatInstant } from '../present/time.js'
import { ChoiceDialog } from './choice-dialog.js'
import { is } from './keys.js'
import { useKeys } from './key-router.js'
import { TextPrompt } from './text-prompt.js'
import { describeError, StaleNotice, useShell } from './shell-context.js'
import { useServices } from './services-context.js'
import { useListCursor } from './use-list-cursor.js'
import { usePoll } from './use-poll.js'
import { RolloutGuardPanel } from './rollout-guard-panel.js'
import { flagColumns, flagDetail, flagHeader, flagRow } from './flag-rows.js'

/**
 * A change in the making. `flag` is the flag as the operator saw it when the dialog opened: its value is
 * what the change expects to replace (`expect`), so a change made meanwhile by someone else is shown,
 * never overwritten. `stale` says what changed under the operator, when the store refused for that.
 */
type Step =
  | { readonly kind: 'list' }
  | { readonly kind: 'edit'; readonly flag: FlagState; readonly error?: string; readonly text: string }
  | { readonly kind: 'confirm'; readonly flag: FlagState; readonly value: unknown; readonly reset: boolean; readonly note?: string; readonly stale?: string }
  | { readonly kind: 'note'; readonly flag: FlagState; readonly value: unknown; readonly reset: boolean; readonly note?: string; readonly stale?: string }

/** Every flag with value, default and description; Space toggles a boolean, Enter edits, each change confirmed and audited. */
export function FlagsScreen() {
  const { config, actor, refreshMs } = useServices()
  const shell = useShell()
  const flags = usePoll(() => config.list(), refreshMs, { memory: 'flags' })
  const [step, setStep] = useState<Step>({ kind: 'list' })
  const list = flags.data ?? []
  const cursor = useListCursor(list, (f) => f.key, { height: list.length, memory: 'flags' })
  const selected = cursor.selected

  useKeys(
    (key) => {
      if (cursor.onKey(key)) return 'handled'
      const chosen = cursor.current()
      if (chosen === undefined) return 'ignored'
      if (is(key, 'r')) return (setStep({ kind: 'note', flag: chosen, value: chosen.default, reset: true }), 'changed')
      if (is(key, ' ') || key.name === 'return') {
        if (chosen.type === 'boolean') setStep({ kind: 'note', flag: chosen, value: !chosen.value, reset: false })
        else setStep({ kind: 'edit', flag: chosen, text: flagText(chosen.value) })
        return 'changed'
      }
      return 'ignored'
    },
    { active: step.kind === 'list', ready: flags.data !== undefined || flags.error !== undefined },
  )

  async function apply(step: Extract<Step, { kind: 'confirm' }>) {
    const { flag, value, reset } = step
    const options = { actor, expect: flag.value, ...(step.note === undefined || step.note === '' ? {} : { note: step.note }) }
    try {
      const change = reset ? await config.reset(flag.key, options) : await config.set(flag.key, value as never, options)
      shell.notify({
        kind: 'ok',
        text:
          change === null
            ? `${flag.key} unchanged`
            : `${flag.key}: ${printable(flagText(change.oldValue))} → ${printable(flagText(change.newValue))} (by ${printable(actor)})`,
      })
    } catch (e) {
      const meanwhile = changedMeanwhile(e)
      if (meanwhile === null) shell.notify({ kind: 'error', text: describeError(e) })
      else {
        // someone else changed it since the dialog opened: show what it is now and who did it, and ask again
        const now: FlagState = { ...flag, value: meanwhile.current as never, updatedBy: meanwhile.by, updatedAt: meanwhile.at }
        const by =
          meanwhile.by === null
            ? ''
            : ` by ${printable(meanwhile.by)}${meanwhile.at === null ? '' : ` at ${formatInstant(meanwhile.at, shell.flags?.business_timezone ?? 'UTC')}`}`
        setStep({ ...step, flag: now, stale: `changed meanwhile${by}: now ${printable(flagText(meanwhile.current))}` })
      }
    }
    flags.reload()
  }

  if (flags.data === undefined) return <Text>{flags.error === undefined ? 'Loading flags…' : describeError(flags.error)}</Text>
  const { keyWidth, valueWidth } = flagColumns(list, shell.width)
  const tz = shell.flags?.business_timezone ?? 'UTC'
  const change = (flag: FlagState, to: unknown) => `${flag.key}: ${printable(flagText(flag.value))} → ${printable(flagText(to))}`

  return (
    <Box flexDirection="column">
      <StaleNotice error={flags.error} />
      <Text dimColor>{flagHeader(keyWidth, valueWidth)}</Text>
      {list.map((f, i) => {
        const { row, more } = flagRow(f, i === cursor.index, keyWidth, valueWidth)
        return (
          <Box key={f.key} flexDirection="column">
            <Text inverse={i === cursor.index} bold={f.isSet} wrap="truncate-end">
              {row}
            </Text>
            {/* while a dialog is open it needs the rows: the value's first line only, as the panel below hides too */}
            {step.kind === 'list' &&
              more.map((line) => (
                <Text key={line} bold={f.isSet} wrap="truncate-end">
                  {line}
                </Text>
              ))}
          </Box>
        )
      })}
      {step.kind === 'list' && <RolloutGuardPanel />}
      {selected !== undefined && step.kind === 'list' && <FlagDetail detail={flagDetail(selected, tz)} />}
      {step.kind === 'edit' && (
        <TextPrompt
          label={`${step.flag.key} =`}
          initial={step.text}
          error={step.error}
          hint={`${step.flag.hint} · Enter: OK · Esc: cancel`}
          onCancel={() => setStep({ kind: 'list' })}
          onSubmit={(text) => {
            const parsed = parseFlagText(step.flag.key as FlagKey, text)
            if (!parsed.ok) setStep({ ...step, text, error: parsed.message })
            else setStep({ kind: 'note', flag: step.flag, value: parsed.value, reset: false })
          }}
        />
      )}
      {step.kind === 'note' && (
        <TextPrompt
          key={`note-${step.flag.key}`}
          label="note (why, for the audit trail; may be empty) ="
          initial={step.note ?? ''}
          hint={`${change(step.flag, step.value)} · Enter: next · Esc: cancel`}
          onCancel={() => setStep({ kind: 'list' })}
          onSubmit={(note) => setStep({ ...step, kind: 'confirm', note })}
        />
      )}
      {step.kind === 'confirm' && (
        <ChoiceDialog
          key={`confirm-${step.stale ?? ''}`}
          title={step.stale !== undefined ? 'Changed meanwhile: change it still?' : step.reset ? 'Reset to the default?' : 'Change the flag?'}
          body={change(step.flag, step.value)}
          detail={[
            ...(step.stale === undefined ? [] : [step.stale]),
            `recorded as ${printable(actor)}${step.note === undefined || step.note === '' ? '' : ` · note: ${printable(step.note)}`}`,
          ]}
          choices={['Cancel', step.reset ? 'Reset' : 'Change']}
          onChoose={(i) => {
            setStep({ kind: 'list' })
            if (i === 1) void apply(step)
          }}
        />
      )}
    </Box>
  )
}

/** The chosen flag's description, type, who set it and its keys, under the list. */
function FlagDetail({ detail: [description, type, keys] }: { detail: readonly [string, string, string] }) {
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text wrap="truncate-end">{description}</Text>
      <Text dimColor wrap="truncate-end">
        {type}
      </Text>
      <Text dimColor>{keys}</Text>
    </Box>
  )
}

/** What an `INVALID_STATE` refusal of a change with `expect` says is there now; null for any other error. */
function changedMeanwhile(e: unknown): { current: unknown; by: string | null; at: string | null } | null {
  if (!(e instanceof HaloError) || e.code !== 'INVALID_STATE' || e.details === undefined || !('current' in e.details)) return null
  const d = e.details as { current: unknown; changedBy?: string | null; changedAt?: string | null }
  return { current: d.current, by: d.changedBy ?? null, at: d.changedAt ?? null }
}
