import { Box, Text, useInput } from 'ink'
import { useState } from 'react'

export interface TextPromptProps {
  readonly label: string
  readonly initial?: string
  /** Why the last submitted text was refused (shown under the input). */
  readonly error?: string | undefined
  readonly hint?: string | undefined
  onSubmit(text: string): void
  onCancel(): void
  /** Every change of the text (for live filters). */
  onChange?(text: string): void
  /** Inline (one line, no box): for the `/` filter. */
  readonly inline?: boolean
}

/** A one-line text input: type, Backspace, Enter submits, Esc cancels. */
export function TextPrompt({ label, initial = '', error, hint, onSubmit, onCancel, onChange, inline = false }: TextPromptProps) {
  const [text, setText] = useState(initial)
  const update = (next: string) => {
    setText(next)
    onChange?.(next)
  }
  useInput((input, key) => {
    if (key.escape) return onCancel()
    if (key.return) return onSubmit(text)
    // Many terminals send DEL for Backspace, which ink reports as `delete`.
    if (key.backspace || key.delete) return update(text.slice(0, -1))
    if (key.ctrl && input === 'u') return update('')
    if (key.ctrl || key.meta || key.tab || key.upArrow || key.downArrow || key.leftArrow || key.rightArrow) return
    if (input.length > 0) update(text + input.replace(/[\r\n\t]/g, ''))
  })
  const line = (
    <Text>
      <Text bold>{label}</Text> {text}
      <Text inverse> </Text>
    </Text>
  )
  if (inline) return line
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="cyan" paddingX={1} alignSelf="flex-start">
      {line}
      {error !== undefined && <Text color="red">{error}</Text>}
      <Text dimColor>{hint ?? 'Enter: OK · Esc: Batal'}</Text>
    </Box>
  )
}
