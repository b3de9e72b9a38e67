import { Text } from 'ink'
import { createContext, useContext } from 'react'
import type { Flags } from '../config/flag-registry.js'
import { HaloError } from '../errors.js'
import { oneLine } from '../present/printable.js'

/** A line in the footer: what the last action did, why it failed, or what changed under the operator. */
export interface Notice {
  readonly kind: 'ok' | 'error' | 'warn'
  readonly text: string
}

/** What the app shell offers its screens. */
export interface Shell {
  /** Shows a notice in the footer; it clears itself after a few seconds, or when another replaces it. */
  notify(notice: Notice | null): void
  /** Rows and columns the screen may use. */
  readonly width: number
  readonly height: number
  /** The flags as last read (every screen draws from the same read), undefined until the first. */
  readonly flags: Flags | undefined
}

export const ShellContext = createContext<Shell | null>(null)

export function useShell(): Shell {
  const shell = useContext(ShellContext)
  if (shell === null) throw new Error('useShell() must be used inside the TUI app')
  return shell
}

/** One line for a failure: `error CODE: message` for the library's errors, as the CLI prints them. */
export function describeError(e: unknown): string {
  if (e instanceof HaloError) return oneLine(`error ${e.code}: ${e.message}`)
  return oneLine(`error: ${e instanceof Error ? e.message : String(e)}`)
}

/** Shown above a screen whose last reload failed: the data below is from the reload before. */
export function StaleNotice({ error }: { error: unknown }) {
  if (error === undefined) return null
  return <Text color="yellow" wrap="truncate-end">{`not refreshed: ${describeError(error)}`}</Text>
}
