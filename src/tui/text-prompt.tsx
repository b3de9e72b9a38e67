import { Box, Text } from 'ink'
import { useRef, useState } from 'react'
import { printable } from '../present/printable.js'
import { isText } from './keys.js'
import { useKeys } from './key-router.js'

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

/**
 * A one-line text input: type, Backspace, Ctrl-U clears, Enter submits, Esc
 * cancels. Modal: every key typed goes into the text (`q` and `2` are
 * letters here), none is lost however fast they come (the key router hands
 * them over one by one, and each edits the newest text).
 */
export function TextPrompt({ label, initial = '', error, hint, onSubmit, onCancel, onChange, inline = false }: TextPromptProps) {
  const [text, setText] = useState(initial)
  const latest = useRef(initial)
  const update = (next: string) => {
    latest.current = next
    setText(next)
    onChange?.(next)
  }
  useKeys(
    (key) => {
      if (key.name === 'escape') return (onCancel(), 'changed')
      if (key.name === 'return') return (onSubmit(latest.current), 'changed')
      if (key.name === 'backspace') update(Array.from(latest.current).slice(0, -1).join(''))
      else if (key.ctrl && key.text === 'u') update('')
      else if (isText(key)) update(latest.current + key.text)
      return 'handled'
    },
    { modal: true },
  )
  const line = (
    <Text wrap="truncate-start">
      <Text bold>{label}</Text> {printable(text)}
      <Text inverse> </Text>
    </Text>
  )
  if (inline) return line
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="cyan" paddingX={1} alignSelf="flex-start">
      {line}
      {error !== undefined && <Text color="red">{error}</Text>}
      <Text dimColor>{hint ?? 'Enter: OK · Esc: cancel'}</Text>
    </Box>
  )
}
