import { Box, Text } from 'ink'
import { useRef, useState } from 'react'
import { is } from './keys.js'
import { useKeys } from './key-router.js'

export interface ChoiceDialogProps {
  readonly title: string
  readonly body?: string | undefined
  /** Extra lines under the body (what the choice is about). */
  readonly detail?: readonly string[] | undefined
  /** The first choice is where the dialog opens: put the one that changes nothing first. */
  readonly choices: readonly string[]
  /** Lay choices out one per line (a picker) instead of side by side (buttons). */
  readonly vertical?: boolean
  /** Called with the chosen index, or null on Esc. */
  onChoose(index: number | null): void
}

/**
 * A boxed question with choices. It opens on the first choice; ←/→ (↑/↓,
 * Tab) move, Enter chooses, Esc cancels. Nothing else chooses: a digit or a
 * letter typed into a dialog does nothing, so a stray key cannot confirm.
 * The dialog is modal: the screen under it and the shell get no keys.
 */
export function ChoiceDialog({ title, body, detail, choices, vertical = false, onChoose }: ChoiceDialogProps) {
  const [focus, setFocusState] = useState(0)
  // the newest focus: → Enter typed at once chooses what → moved to
  const latest = useRef(0)
  const setFocus = (f: number) => {
    latest.current = f
    setFocusState(f)
  }
  useKeys(
    (key) => {
      if (key.name === 'escape') return (onChoose(null), 'changed')
      if (key.name === 'return') return (onChoose(latest.current), 'changed')
      const back = key.name === 'left' || key.name === 'up' || (key.name === 'tab' && key.shift) || (vertical && is(key, 'k'))
      const fwd = key.name === 'right' || key.name === 'down' || (key.name === 'tab' && !key.shift) || (vertical && is(key, 'j'))
      if (back) setFocus((latest.current + choices.length - 1) % choices.length)
      else if (fwd) setFocus((latest.current + 1) % choices.length)
      // anything else (a digit, a letter) does nothing here
      return 'handled'
    },
    { modal: true },
  )
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="cyan" paddingX={1} alignSelf="flex-start">
      <Text bold>{title}</Text>
      {body !== undefined && <Text>{body}</Text>}
      {detail?.map((line, i) => (
        <Text key={i} dimColor wrap="truncate-end">
          {line}
        </Text>
      ))}
      <Box marginTop={1} flexDirection={vertical ? 'column' : 'row'} columnGap={1}>
        {choices.map((c, i) => (
          <Text key={c} inverse={i === focus} bold={i === focus}>
            {vertical ? `${i === focus ? '›' : ' '} ${c} ` : i === focus ? `[ ${c} ]` : `  ${c}  `}
          </Text>
        ))}
      </Box>
      <Text dimColor>{vertical ? '↑↓ move · Enter choose · Esc cancel' : '←→ move · Enter choose · Esc cancel'}</Text>
    </Box>
  )
}
