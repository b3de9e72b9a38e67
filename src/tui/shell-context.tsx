import { Text } from 'ink'
import { createContext, useContext, useEffect } from 'react'
import { HaloError } from '../errors.js'

/** A line in the footer: what the last action did, or why it failed. */
export interface Notice {
  readonly kind: 'ok' | 'error'
  readonly text: string
}

/** What the app shell offers its screens: the footer notice and the keyboard lock. */
export interface Shell {
  notify(notice: Notice | null): void
  /** While a screen holds a dialog or an input open, the shell's own keys (1-4, tab, q, ?) are off. */
  setLocked(owner: string, locked: boolean): void
  /** Rows and columns the screen may use. */
  readonly width: number
  readonly height: number
}

export const ShellContext = createContext<Shell | null>(null)

export function useShell(): Shell {
  const shell = useContext(ShellContext)
  if (shell === null) throw new Error('useShell() must be used inside the TUI app')
  return shell
}

/** Locks the shell's keys while `locked` is true (a dialog or an input is open). */
export function useKeyLock(owner: string, locked: boolean): void {
  const { setLocked } = useShell()
  useEffect(() => {
    setLocked(owner, locked)
    return () => setLocked(owner, false)
  }, [owner, locked, setLocked])
}

/** One line for a failure: `error CODE: message` for the library's errors, as the CLI prints them. */
export function describeError(e: unknown): string {
  if (e instanceof HaloError) return `error ${e.code}: ${e.message}`
  return `error: ${e instanceof Error ? e.message : String(e)}`
}

/** Shown above a screen whose last reload failed: the data below is from the reload before. */
export function StaleNotice({ error }: { error: unknown }) {
  if (error === undefined) return null
  return <Text color="yellow" wrap="truncate-end">{`not refreshed: ${describeError(error)}`}</Text>
}
