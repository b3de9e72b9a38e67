import { Box, Text, useApp, useStdout } from 'ink'
import { useCallback, useEffect, useMemo, useState } from 'react'
import { ACTIVE_SESSIONS } from '../present/prd-strings.js'
import { FOOTER, frameHeight, MIN_COLUMNS, MIN_ROWS, SCREENS, tooSmall, type ScreenId } from './layout.js'
import { useFlagAnnouncements } from './flag-announcements.js'
import { FlagsScreen } from './flags-screen.js'
import { Header } from './header.js'
import { is } from './keys.js'
import { KeyRouter, useKeys, useModalOpen } from './key-router.js'
import { ReportsScreen } from './reports-screen.js'
import { ReviewsScreen } from './reviews-screen.js'
import { ScreenMemory } from './screen-memory.js'
import { SessionsScreen } from './sessions-screen.js'
import { ShellContext, type Shell } from './shell-context.js'
import { useNotices } from './use-notices.js'
import { useServices } from './services-context.js'
import { usePoll } from './use-poll.js'

export { MIN_COLUMNS, MIN_ROWS, SCREENS, type ScreenId } from './layout.js'

/** How long a footer notice stays. */
const NOTICE_MS = 6000

const HELP = [
  ['1-4, Tab', 'switch screen (Shift-Tab: back)'],
  ['↑ ↓ j k, PgUp PgDn, g G', 'move (every key counts, however fast)'],
  ['Space / Enter, r', 'Flags: toggle or edit a value; r: back to default'],
  ['Enter', `${ACTIVE_SESSIONS}: open the session`],
  ['o or :', `${ACTIVE_SESSIONS}: open any session by #id, whatever its status`],
  ['s', `${ACTIVE_SESSIONS}: live → closing → closed (newest first, as session list)`],
  ['a', 'in a session: Akhiri as support (asks first)'],
  ['/', `${ACTIVE_SESSIONS}: filter by #id, status, mitra, customer`],
  ['Enter, r', 'Reviews: open on its closures; r there: resolve'],
  ['s', 'Reviews: open or resolved ones (newest first)'],
  ['a, b, + -', 'Reports: mitra early ends ↔ all closures; b: by; range'],
  ['', 'Reports opens as report closures --initiator mitra'],
  ['← → Enter, Esc', 'dialogs (open on Batal; digits never choose)'],
  ['?', 'this help (any key closes)'],
  ['q, Ctrl-C', 'quit'],
] as const

export interface AppProps {
  readonly initialScreen?: ScreenId
  /** What the screens start with in their memory (screen-memory.tsx): the data of the CLI's first frame. */
  readonly memory?: ReadonlyMap<string, unknown>
  onQuit?(): void
  /** How long a footer notice stays (ms). */
  readonly noticeMs?: number
}

/** The TUI: the shell (header, screen, footer) inside the key router and the screens' memory. */
export function App(props: AppProps) {
  return (
    <ScreenMemory initial={props.memory}>
      <KeyRouter>
        <ShellView {...props} />
      </KeyRouter>
    </ScreenMemory>
  )
}

function useTerminalSize(): { columns: number; rows: number } {
  const { stdout } = useStdout()
  const read = useCallback(() => ({ columns: stdout.columns || MIN_COLUMNS, rows: stdout.rows || MIN_ROWS }), [stdout])
  const [size, setSize] = useState(read)
  useEffect(() => {
    const onResize = () => setSize(read())
    stdout.on('resize', onResize)
    return () => {
      stdout.off('resize', onResize)
    }
  }, [stdout, read])
  return size
}

/** The shell: header (tabs and where it works), the current screen, a footer line; a size notice on a terminal too small. */
function ShellView({ initialScreen = 'flags', onQuit, noticeMs = NOTICE_MS }: AppProps) {
  const { config, actor, refreshMs, database } = useServices()
  const app = useApp()
  const size = useTerminalSize()
  const [screen, setScreen] = useState<ScreenId>(initialScreen)
  const [help, setHelp] = useState(false)
  const { notice, notify, clear: clearNotices } = useNotices(noticeMs)
  // other operators' flag changes, announced on every screen
  useFlagAnnouncements(notify)
  const flags = usePoll(() => config.all(), refreshMs, { memory: 'shell.flags' })
  const small = tooSmall(size.columns, size.rows)
  const modal = useModalOpen()

  // Leave one row free: a frame as tall as the terminal makes ink clear and redraw the whole screen.
  const height = frameHeight(size.rows)
  const width = size.columns
  const shell = useMemo<Shell>(() => ({ notify, width, height: height - 3, flags: flags.data }), [notify, width, height, flags.data])

  const quit = () => {
    onQuit?.()
    app.exit()
  }
  useKeys((key) => {
    if (help) return (setHelp(false), 'changed')
    if (is(key, 'q') || (key.ctrl && key.text === 'c')) return (quit(), 'changed')
    if (small !== undefined) return 'ignored'
    if (is(key, '?')) return (setHelp(true), 'changed')
    const go = (id: ScreenId) => {
      if (id !== screen) clearNotices()
      setScreen(id)
      return 'changed' as const
    }
    const n = key.name === 'char' ? Number(key.text) : NaN
    if (Number.isInteger(n) && n >= 1 && n <= SCREENS.length) return go(SCREENS[n - 1]!.id)
    if (key.name === 'tab') {
      const i = SCREENS.findIndex((s) => s.id === screen)
      return go(SCREENS[(i + (key.shift ? SCREENS.length - 1 : 1)) % SCREENS.length]!.id)
    }
    return 'ignored'
  })

  if (small !== undefined) return <Text>{small}</Text>

  const body = help ? (
    <Box flexDirection="column">
      <Text bold>Keys</Text>
      {HELP.map(([k, what]) => (
        <Text key={`${k} ${what}`} wrap="truncate-end">
          <Text color="cyan">{k.padEnd(26)}</Text>
          {what}
        </Text>
      ))}
      <Text dimColor>{`refresh every ${refreshMs} ms · any key closes this help`}</Text>
    </Box>
  ) : screen === 'flags' ? (
    <FlagsScreen />
  ) : screen === 'sessions' ? (
    <SessionsScreen />
  ) : screen === 'reviews' ? (
    <ReviewsScreen />
  ) : (
    <ReportsScreen />
  )

  return (
    <ShellContext.Provider value={shell}>
      <Box flexDirection="column" width={width} height={height}>
        <Header screens={SCREENS} current={help ? null : screen} database={database} actor={actor} width={width} />
        <Box flexDirection="column" flexGrow={1} overflow="hidden">
          {body}
        </Box>
        <Text
          color={notice === null ? undefined : notice.kind === 'error' ? 'red' : notice.kind === 'warn' ? 'yellow' : 'green'}
          dimColor={notice === null}
          wrap="truncate-end"
        >
          {notice?.text ?? (modal ? 'Esc: cancel' : FOOTER)}
        </Text>
      </Box>
    </ShellContext.Provider>
  )
}
