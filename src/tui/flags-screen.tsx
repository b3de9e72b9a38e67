import { Box, Text } from 'ink'
import { useState } from 'react'
import { flagText, parseFlagText, type FlagKey } from '../config/flag-registry.js'
import type { FlagState } from '../config/config-store.js'
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
import { fit } from './scroll-window.js'

type Step =
  | { readonly kind: 'list' }
  | { readonly kind: 'edit'; readonly flag: FlagState; readonly error?: string; readonly text: string }
  | { readonly kind: 'confirm'; readonly flag: FlagState; readonly value: unknown }
  | { readonly kind: 'reset'; readonly flag: FlagState }

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
      if (is(key, 'r')) return (setStep({ kind: 'reset', flag: chosen }), 'changed')
      if (is(key, ' ') || key.name === 'return') {
        if (chosen.type === 'boolean') setStep({ kind: 'confirm', flag: chosen, value: !chosen.value })
        else setStep({ kind: 'edit', flag: chosen, text: flagText(chosen.value) })
        return 'changed'
      }
      return 'ignored'
    },
    { active: step.kind === 'list', ready: flags.data !== undefined || flags.error !== undefined },
  )

  async function apply(flag: FlagState, value: unknown, reset = false) {
    try {
      const change = reset ? await config.reset(flag.key, { actor }) : await config.set(flag.key, value as never, { actor })
      shell.notify({
        kind: 'ok',
        text:
          change === null
            ? `${flag.key} unchanged`
            : `${flag.key}: ${printable(flagText(change.oldValue))} → ${printable(flagText(change.newValue))} (by ${printable(actor)})`,
      })
    } catch (e) {
      shell.notify({ kind: 'error', text: describeError(e) })
    }
    flags.reload()
  }

  if (flags.data === undefined) return <Text>{flags.error === undefined ? 'Loading flags…' : describeError(flags.error)}</Text>
  const keyWidth = Math.max(...list.map((f) => f.key.length)) + 1
  const valueWidth = Math.max(12, Math.min(40, shell.width - keyWidth - 24))
  const tz = shell.flags?.business_timezone ?? 'UTC'
  const change = (flag: FlagState, to: unknown) => `${flag.key}: ${printable(flagText(flag.value))} → ${printable(flagText(to))}`

  return (
    <Box flexDirection="column">
      <StaleNotice error={flags.error} />
      <Text dimColor>{`  ${fit('key', keyWidth)} ${fit('value', valueWidth)} default`}</Text>
      {list.map((f, i) => {
        // a value longer than its column (the reason codes) goes on under it, whole: it is what the operator decides on
        const [first = '', ...more] = wrapList(printable(flagText(f.value)), valueWidth)
        return (
          <Box key={f.key} flexDirection="column">
            <Text inverse={i === cursor.index} bold={f.isSet} wrap="truncate-end">
              {`${i === cursor.index ? '›' : ' '} ${fit(f.key, keyWidth)} ${fit(first, valueWidth)} ${printable(flagText(f.default))}`}
            </Text>
            {more.map((line) => (
              <Text key={line} bold={f.isSet} wrap="truncate-end">{`  ${' '.repeat(keyWidth)} ${line}`}</Text>
            ))}
          </Box>
        )
      })}
      {selected !== undefined && step.kind === 'list' && (
        <Box flexDirection="column" marginTop={1}>
          <Text wrap="truncate-end">{selected.description}</Text>
          <Text dimColor wrap="truncate-end">
            {`${selected.type}: ${selected.hint}`}
            {selected.updatedBy !== null ? ` · set by ${printable(selected.updatedBy)} at ${formatInstant(selected.updatedAt, tz)}` : ' · default'}
          </Text>
          <Text dimColor>{`${selected.type === 'boolean' ? 'Space/Enter: toggle' : 'Enter: edit'} · r: reset to default`}</Text>
        </Box>
      )}
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
            else setStep({ kind: 'confirm', flag: step.flag, value: parsed.value })
          }}
        />
      )}
      {step.kind === 'reset' && (
        <ChoiceDialog
          key="reset"
          title="Reset to the default?"
          body={change(step.flag, step.flag.default)}
          detail={[`recorded as ${printable(actor)}`]}
          choices={['Cancel', 'Reset']}
          onChoose={(i) => {
            setStep({ kind: 'list' })
            if (i === 1) void apply(step.flag, step.flag.default, true)
          }}
        />
      )}
      {step.kind === 'confirm' && (
        <ChoiceDialog
          key="confirm"
          title="Change the flag?"
          body={change(step.flag, step.value)}
          detail={[`recorded as ${printable(actor)}`]}
          choices={['Cancel', 'Change']}
          onChoose={(i) => {
            setStep({ kind: 'list' })
            if (i === 1) void apply(step.flag, step.value)
          }}
        />
      )}
    </Box>
  )
}

/** `text` in lines of at most `width` columns, broken after a comma where it can be (a list of codes), else anywhere. */
export function wrapList(text: string, width: number): string[] {
  const w = Math.max(1, width)
  const lines: string[] = []
  let rest = text
  while (rest.length > w) {
    const comma = rest.lastIndexOf(',', w - 1)
    const cut = comma >= 0 ? comma + 1 : w
    lines.push(rest.slice(0, cut))
    rest = rest.slice(cut)
  }
  lines.push(rest)
  return lines
}
