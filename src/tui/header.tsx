import { Box, Text } from 'ink'
import { printable } from '../present/printable.js'
import { tabText, whereLine } from './layout.js'
import type { DatabaseLabel } from './services-context.js'

export interface HeaderProps {
  readonly screens: readonly { readonly id: string; readonly title: string }[]
  /** The screen shown; null while the help is. */
  readonly current: string | null
  readonly database: DatabaseLabel
  readonly actor: string
  readonly width: number
}

/**
 * Two lines: the tabs, then where the TUI works and as whom, as k9s names
 * its cluster and context. A PostgreSQL database (production, usually) reads
 * differently from a local SQLite file, in words as well as colour, so
 * `NO_COLOR` keeps the difference. The target's password is already masked
 * (`HaloDatabase.target`).
 */
export function Header({ screens, current, database, actor, width }: HeaderProps) {
  const { kind, target, who } = whereLine(database.engine, printable(database.target), printable(actor), width)
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Text bold color="magenta">
          halo-admin
        </Text>
        {screens.map((s, i) => (
          <Text key={s.id} inverse={s.id === current} bold={s.id === current}>
            {tabText(i, s.title, s.id === current)}
          </Text>
        ))}
      </Text>
      <Text wrap="truncate-end">
        {database.engine === 'postgres' ? (
          <Text bold inverse color="red">
            {kind}
          </Text>
        ) : (
          <Text bold color="cyan">
            {kind}
          </Text>
        )}
        {target}
        <Text dimColor>{who}</Text>
      </Text>
    </Box>
  )
}
