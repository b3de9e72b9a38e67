import { Box, Text, useApp, useInput, useStdout } from 'ink'
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { FlagsScreen } from './flags-screen.js'
import { ReportsScreen } from './reports-screen.js'
import { ReviewsScreen } from './reviews-screen.js'
import { SessionsScreen } from './sessions-screen.js'
import { ShellContext, type Notice, type Shell } from './shell-context.js'
import { useServices } from './services-context.js'

export const SCREENS = [
  { id: 'flags', title: 'Flags' },
  { id: 'sessions', title: 'Sesi Aktif' },
  { id: 'reviews', title: 'Reviews' },
  { id: 'reports', title: 'Reports' },
] as const
export type ScreenId = (typeof SCREENS)[number]['id']

const HELP = [
  ['1-4, Tab', 'switch screen (Shift-Tab: back)'],
  ['↑ ↓ j k, PgUp PgDn, g G', 'move, scroll'],
  ['Space / Enter', 'Flags: toggle a boolean / edit a value'],
  ['r', 'Flags: reset to the default'],
  ['Enter (or a)', 'Sesi Aktif: Akhiri (if early_end_mitra_enabled)'],
  ['/', 'Sesi Aktif: filter #id/mitra/customer, Esc clears'],
  ['Enter', 'Reviews: resolve (outcome + note)'],
  ['← → Enter, Esc', 'dialogs: choose, Esc = Batal'],
  ['?', 'this help (any key closes)'],
  ['q, Ctrl-C', 'quit'],
] as const

/** The shell: a tab bar, the current screen, a footer line; refreshes itself through each screen's polling. */
export function App({ initialScreen = 'flags', onQuit }: { initialScreen?: ScreenId; onQuit?: () => void }) {
  const { actor, refreshMs } = useServices()
  const app = useApp()
  const { stdout } = useStdout()
  const [size, setSize] = useState({ width: stdout.columns || 80, height: stdout.rows || 24 })
  const [screen, setScreen] = useState<ScreenId>(initialScreen)
  const [help, setHelp] = useState(false)
  const [notice, setNotice] = useState<Notice | null>(null)
  const locks = useRef(new Set<string>())
  const [locked, setLockedState] = useState(false)

  useEffect(() => {
    const onResize = () => setSize({ width: stdout.columns || 80, height: stdout.rows || 24 })
    stdout.on('resize', onResize)
    return () => {
      stdout.off('resize', onResize)
    }
  }, [stdout])

  const setLocked = useCallback((owner: string, on: boolean) => {
    if (on) locks.current.add(owner)
    else locks.current.delete(owner)
    setLockedState(locks.current.size > 0)
  }, [])
  const notify = useCallback((n: Notice | null) => setNotice(n), [])
  // Leave one row free: a frame as tall as the terminal makes ink clear and redraw the whole screen.
  const height = Math.max(8, size.height - 1)
  const width = Math.max(40, size.width)
  const shell = useMemo<Shell>(() => ({ notify, setLocked, width, height: height - 3 }), [notify, setLocked, width, height])

  useInput(
    (input, key) => {
      if (help) return setHelp(false)
      if (input === 'q') {
        onQuit?.()
        return app.exit()
      }
      if (input === '?') return setHelp(true)
      const n = Number(input)
      const go = (id: ScreenId) => {
        if (id !== screen) setNotice(null)
        setScreen(id)
      }
      if (Number.isInteger(n) && n >= 1 && n <= SCREENS.length) return go(SCREENS[n - 1]!.id)
      if (key.tab) {
        const i = SCREENS.findIndex((s) => s.id === screen)
        go(SCREENS[(i + (key.shift ? SCREENS.length - 1 : 1)) % SCREENS.length]!.id)
      }
    },
    { isActive: !locked || help },
  )

  const body = help ? (
    <Box flexDirection="column">
      <Text bold>Keys</Text>
      {HELP.map(([k, what]) => (
        <Text key={k}>
          <Text color="cyan">{k.padEnd(26)}</Text>
          {what}
        </Text>
      ))}
      <Text dimColor>{`Operator: ${actor} · refresh every ${refreshMs} ms`}</Text>
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
        <Box>
          <Text bold color="magenta">
            halo-admin{' '}
          </Text>
          {SCREENS.map((s, i) => (
            <Text key={s.id} inverse={s.id === screen && !help} bold={s.id === screen}>
              {` ${i + 1} ${s.title} `}
            </Text>
          ))}
          <Text dimColor> ? keys · q quit</Text>
        </Box>
        <Box flexDirection="column" flexGrow={1} marginTop={1} overflow="hidden">
          {body}
        </Box>
        <Text color={notice?.kind === 'error' ? 'red' : 'green'} wrap="truncate-end">
          {notice?.text ?? ' '}
        </Text>
      </Box>
    </ShellContext.Provider>
  )
}
