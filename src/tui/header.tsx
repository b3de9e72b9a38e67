import { Box, Text } from 'ink'
import { printable } from '../present/printable.js'
import type { DatabaseLabel } from './services-context.js'

export interface HeaderProps {
  readonly screens: readonly { readonly id: string; readonly title: string }[]
  /** The screen shown; null while the help is. */
  readonly current: string | null
  readonly database: DatabaseLabel
  readonly actor: string
  readonly width: number
}

/** `text` cut to `width` cells from the left, so a long path keeps its file name: `…/var/lib/halo/halo.db`. */
function keepEnd(text: string, width: number): string {
  if (text.length <= width) return text
  return width <= 1 ? '…' : `…${text.slice(text.length - width + 1)}`
}

/**
 * Two lines: the tabs, then where the TUI works and as whom, as k9s names
 * its cluster and context. A PostgreSQL database (production, usually) reads
 * differently from a local SQLite file, in words as well as colour, so
 * `NO_COLOR` keeps the difference. The target's password is already masked
 * (`HaloDatabase.target`).
 */
export function Header({ screens, current, database, actor, width }: HeaderProps) {
  const kind = database.engine === 'postgres' ? 'PostgreSQL' : 'SQLite file'
  const who = ` · operator ${printable(actor)}`
  const target = keepEnd(printable(database.target), Math.max(10, width - kind.length - 4 - who.length))
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Text bold color="magenta">
          halo-admin
        </Text>
        {screens.map((s, i) => (
          <Text key={s.id} inverse={s.id === current} bold={s.id === current}>
            {s.id === current ? ` [${i + 1} ${s.title}]` : `  ${i + 1} ${s.title} `}
          </Text>
        ))}
      </Text>
      <Text wrap="truncate-end">
        {database.engine === 'postgres' ? <Text bold inverse color="red">{` ${kind} `}</Text> : <Text bold color="cyan">{` ${kind} `}</Text>}
        {` ${target}`}
        <Text dimColor>{who}</Text>
      </Text>
    </Box>
  )
}
