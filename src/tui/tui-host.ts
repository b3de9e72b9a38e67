import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { ErrorCode, HaloError } from '../errors.js'
import { answerEarly, type EarlyList } from './early-keys.js'
import { enterTerminal, NEWEST, noTerminal, type FirstFrame, type ListPlace } from './first-frame.js'
import { MIN_COLUMNS, MIN_ROWS, sessionListHeight, tooSmall } from './layout.js'
import type { FromTui, ToTui, TuiSetup } from './worker-protocol.js'

/**
 * Runs the TUI in a thread of its own while this one keeps the terminal, until `q`, Ctrl-C, SIGTERM,
 * SIGINT or SIGHUP. Ink, react and the screens take ~0.3 s to load; a key pressed on the first frame
 * (first-frame.ts) meanwhile is answered here at once when the frame can (early-keys.ts: the cursor
 * within the first screenful, `q`), and kept for the TUI otherwise. Once the TUI's thread has loaded,
 * it is told where the frame's cursor is and given the keys kept, and from then on this thread only
 * passes keys to it and its frames to the terminal.
 *
 * ```ts
 * const first = await drawFirstFrame(handle, { actor, clock, initialScreen: 'sessions', color: true })
 * const setup = { target: 'halo.db', actor, fixedNow: null, refreshMs: 2000, initialScreen: 'sessions', color: true }
 * await hostTui({ ...setup, commandWords: ['halo-admin'], commandShell: 'posix' }, first)
 * ```
 */
export async function hostTui(setup: Omit<TuiSetup, 'columns' | 'rows'>, first: FirstFrame | undefined): Promise<void> {
  const { stdin, stdout } = process
  if (stdin.isTTY !== true || stdout.isTTY !== true) throw noTerminal()
  const size = () => ({ columns: stdout.columns || MIN_COLUMNS, rows: stdout.rows || MIN_ROWS })
  const worker = new Worker(workerFile(), { workerData: { ...setup, ...size() } satisfies TuiSetup, argv: process.argv.slice(2) })
  // a terminal too small for a first frame: taken here (the TUI then says what size it needs)
  const leave = first?.leave ?? enterTerminal().leave
  process.once('exit', leave)

  // before the TUI's thread takes over: the frame's cursor, and the keys it could not answer
  let handed = false
  let place: ListPlace = first?.place ?? NEWEST
  let kept = ''
  // no list to move on a screen drawn without one, nor on a terminal too small for it (the TUI then ignores moves)
  const list = (): EarlyList | undefined => {
    const { columns, rows } = size()
    if (first === undefined || tooSmall(columns, rows) !== undefined) return undefined
    const { head, flagList } = first
    if (head !== undefined) return { rows: head.sessions.length, complete: head.sessions.length >= head.total, height: sessionListHeight(rows) }
    // every flag is drawn, and the Flags screen's list pages by all of them (flags-screen.tsx)
    if (flagList !== undefined) return { rows: flagList.length, complete: true, height: flagList.length }
    return undefined
  }
  const send = (message: ToTui) => worker.postMessage(message)

  let done = false
  let failure: unknown
  const ended = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
  const quit = () => {
    done = true
    void worker.terminate()
  }
  const onInput = (data: string) => {
    if (handed) return send({ type: 'input', data })
    if (kept !== '') return void (kept += data)
    const answered = answerEarly(data, place, list())
    if (answered.quit) return quit()
    if (answered.place !== place) first?.redraw((place = answered.place))
    kept = answered.rest
  }
  const onResize = () => {
    if (!handed) first?.redraw(place)
    send({ type: 'resize', ...size() })
  }
  // a polite kill (SIGTERM, SIGINT from another process, the terminal closing): the TUI unmounts as on
  // `q`, or stops loading; the terminal is given back either way (a signal's default would leave it raw)
  const polite = () => (handed ? send({ type: 'stop' }) : quit())
  worker.on('message', (m: FromTui) => {
    if (m.type === 'out') stdout.write(m.data)
    else if (m.type === 'ready') {
      handed = true
      send({
        type: 'start',
        first:
          first === undefined
            ? null
            : { screen: first.screen, flags: first.flags, head: first.head, flagList: first.flagList, auditSeen: first.auditSeen, place },
        input: kept,
      })
      kept = ''
    } else if (m.type === 'done') done = true
    else failure ??= fromTui(m)
  })
  worker.on('error', (e) => (failure ??= e))
  stdin.setEncoding('utf8')
  stdin.setRawMode(true)
  stdin.on('data', onInput)
  stdout.on('resize', onResize)
  for (const signal of POLITE) process.on(signal, polite)
  try {
    await ended
  } finally {
    stdin.off('data', onInput)
    stdin.pause()
    stdout.off('resize', onResize)
    for (const signal of POLITE) process.off(signal, polite)
    process.off('exit', leave)
    leave()
  }
  if (failure !== undefined) throw failure
  if (!done) throw new Error('the TUI stopped before it quit')
}

const POLITE = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const

/** bin/tui-worker.js of this package: it loads the TUI's bundle with V8's code cache, as bin/halo-admin.js loads the CLI's. */
function workerFile(): string {
  return join(dirname(createRequire(import.meta.url).resolve('halo-admin/package.json')), 'bin', 'tui-worker.js')
}

/** The TUI thread's failure as this thread throws it: a HaloError keeps its code (and so the exit status). */
function fromTui(m: Extract<FromTui, { type: 'error' }>): Error {
  const code = Object.values(ErrorCode).find((c) => c === m.code)
  const error = code === undefined ? new Error(m.message) : new HaloError(code, m.message)
  if (m.stack !== undefined) error.stack = m.stack
  return error
}
