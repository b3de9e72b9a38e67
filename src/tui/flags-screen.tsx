import { Box, Text, useInput } from 'ink'
import { useState } from 'react'
import { flagText, parseFlagText, type FlagKey } from '../config/flag-registry.js'
import type { FlagState } from '../config/config-store.js'
import { ChoiceDialog } from './choice-dialog.js'
import { TextPrompt } from './text-prompt.js'
import { describeError, StaleNotice, useKeyLock, useShell } from './shell-context.js'
import { useServices } from './services-context.js'
import { usePoll } from './use-poll.js'
import { useSyncedState } from './use-synced-state.js'
import { fit, isMoveKey, moveCursor } from './scroll-window.js'

type Step =
  | { readonly kind: 'list' }
  | { readonly kind: 'edit'; readonly flag: FlagState; readonly error?: string; readonly text: string }
  | { readonly kind: 'confirm'; readonly flag: FlagState; readonly value: unknown }
  | { readonly kind: 'reset'; readonly flag: FlagState }

/** Every flag with value, default and description; Space toggles a boolean, Enter edits, each change confirmed and audited. */
export function FlagsScreen({ active = true }: { active?: boolean }) {
  const { config, actor, refreshMs } = useServices()
  const shell = useShell()
  const flags = usePoll(() => config.list(), refreshMs)
  const [cursor, setCursor, cursorRef] = useSyncedState(0)
  const [step, setStep] = useState<Step>({ kind: 'list' })
  useKeyLock('flags', step.kind !== 'list')

  const list = flags.data ?? []
  const selected = list[Math.min(cursor, list.length - 1)]

  useInput(
    (input, key) => {
      // the row under the newest cursor, not this render's (see use-synced-state.ts)
      const selected = list[Math.min(cursorRef.current, list.length - 1)]
      if (selected === undefined) return
      // From the latest cursor, not this render's: held keys arrive before the handler is re-subscribed.
      if (isMoveKey(key, input)) return setCursor((c) => moveCursor(Math.min(c, Math.max(0, list.length - 1)), list.length, list.length, key, input))
      if (input === 'r') {
        shell.notify(null)
        return setStep({ kind: 'reset', flag: selected })
      }
      if (input === ' ' || key.return) {
        shell.notify(null)
        if (selected.type === 'boolean') setStep({ kind: 'confirm', flag: selected, value: !selected.value })
        else setStep({ kind: 'edit', flag: selected, text: flagText(selected.value) })
      }
    },
    { isActive: active && step.kind === 'list' },
  )

  async function apply(flag: FlagState, value: unknown, reset = false) {
    try {
      const change = reset ? await config.reset(flag.key, { actor }) : await config.set(flag.key, value as never, { actor })
      shell.notify({
        kind: 'ok',
        text: change === null ? `${flag.key} unchanged` : `${flag.key}: ${flagText(change.oldValue)} → ${flagText(change.newValue)} (by ${actor})`,
      })
    } catch (e) {
      shell.notify({ kind: 'error', text: describeError(e) })
    }
    flags.reload()
  }

  if (flags.data === undefined) return <Text>{flags.error === undefined ? 'Memuat flags…' : describeError(flags.error)}</Text>
  const keyWidth = Math.max(...list.map((f) => f.key.length)) + 1
  const valueWidth = Math.max(12, Math.min(40, shell.width - keyWidth - 24))

  return (
    <Box flexDirection="column">
      <StaleNotice error={flags.error} />
      <Text dimColor>{`  ${fit('key', keyWidth)} ${fit('value', valueWidth)} default`}</Text>
      {list.map((f, i) => (
        <Text key={f.key} inverse={i === cursor && active} bold={f.isSet}>
          {`${i === cursor ? '›' : ' '} ${fit(f.key, keyWidth)} ${fit(flagText(f.value), valueWidth)} ${fit(flagText(f.default), Math.max(0, shell.width - keyWidth - valueWidth - 5))}`}
        </Text>
      ))}
      {selected !== undefined && step.kind === 'list' && (
        <Box flexDirection="column" marginTop={1}>
          <Text>{selected.description}</Text>
          {flagText(selected.value).length > valueWidth && <Text>{`= ${flagText(selected.value)}`}</Text>}
          <Text dimColor>
            {`${selected.type}: ${selected.hint}`}
            {selected.updatedBy !== null ? ` · set by ${selected.updatedBy} at ${selected.updatedAt}` : ' · default'}
          </Text>
          <Text dimColor>{`${selected.type === 'boolean' ? 'Space/Enter: toggle' : 'Enter: edit'} · r: reset to default`}</Text>
        </Box>
      )}
      {step.kind === 'edit' && (
        <TextPrompt
          label={`${step.flag.key} =`}
          initial={step.text}
          error={step.error}
          hint={`${step.flag.hint} · Enter: OK · Esc: Batal`}
          onCancel={() => setStep({ kind: 'list' })}
          onSubmit={(text) => {
            const parsed = parseFlagText(step.flag.key as FlagKey, text)
            if (!parsed.ok) setStep({ ...step, text, error: parsed.message })
            else setStep({ kind: 'confirm', flag: step.flag, value: parsed.value })
          }}
        />
      )}
      {step.kind === 'reset' && (
        <ChoiceDialog
          title="Kembalikan ke default?"
          body={`${step.flag.key}: ${flagText(step.flag.value)} → ${flagText(step.flag.default)}`}
          detail={[`dicatat atas nama ${actor}`]}
          choices={['Batal', 'Ya, Reset']}
          onChoose={(i) => {
            setStep({ kind: 'list' })
            if (i === 1) void apply(step.flag, step.flag.default, true)
          }}
        />
      )}
      {step.kind === 'confirm' && (
        <ChoiceDialog
          title="Ubah flag?"
          body={`${step.flag.key}: ${flagText(step.flag.value)} → ${flagText(step.value)}`}
          detail={[`dicatat atas nama ${actor}`]}
          choices={['Batal', 'Ya, Ubah']}
          onChoose={(i) => {
            setStep({ kind: 'list' })
            if (i === 1) void apply(step.flag, step.value)
          }}
        />
      )}
    </Box>
  )
}
