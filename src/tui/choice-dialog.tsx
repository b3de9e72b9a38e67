import { Box, Text, useInput } from 'ink'
import { useSyncedState } from './use-synced-state.js'

export interface ChoiceDialogProps {
  readonly title: string
  readonly body?: string | undefined
  /** Extra lines under the body (what the choice is about). */
  readonly detail?: readonly string[] | undefined
  readonly choices: readonly string[]
  /** The choice focused first (index). */
  readonly initial?: number
  /** Lay choices out one per line (a picker) instead of side by side (buttons). */
  readonly vertical?: boolean
  /** Called with the chosen index, or null on Esc. */
  onChoose(index: number | null): void
}

/** A boxed question with choices: ←/→ (or ↑/↓) and Enter, Esc cancels. The same dialog serves confirmations and pickers. */
export function ChoiceDialog({ title, body, detail, choices, initial = 0, vertical = false, onChoose }: ChoiceDialogProps) {
  const [focus, setFocus, focusRef] = useSyncedState(Math.min(Math.max(0, initial), choices.length - 1))
  useInput((input, key) => {
    if (key.escape) return onChoose(null)
    // the newest focus: ← Enter typed at once must choose what ← moved to
    if (key.return) return onChoose(focusRef.current)
    const back = key.leftArrow || key.upArrow || (key.tab && key.shift)
    const fwd = key.rightArrow || key.downArrow || key.tab
    if (back) setFocus((f) => (f + choices.length - 1) % choices.length)
    else if (fwd) setFocus((f) => (f + 1) % choices.length)
    else if (/^[1-9]$/.test(input) && Number(input) <= choices.length) onChoose(Number(input) - 1)
  })
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="cyan" paddingX={1} alignSelf="flex-start">
      <Text bold>{title}</Text>
      {body !== undefined && <Text>{body}</Text>}
      {detail?.map((line, i) => (
        <Text key={i} dimColor>
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
    </Box>
  )
}
