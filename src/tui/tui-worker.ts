import { EventEmitter } from 'node:events'
import { Readable } from 'node:stream'
import { parentPort, workerData, type MessagePort } from 'node:worker_threads'
import { fixedClock, systemClock } from '../core/clock.js'
import { HaloError } from '../errors.js'
import { commandLine } from '../present/shell-word.js'
import { openDatabase } from '../store/database.js'
import type { FirstFrameState } from './first-frame.js'
import { mountTui } from './run-tui.js'
import type { FromTui, ToTui, TuiSetup } from './worker-protocol.js'

/**
 * The TUI's thread: ink, react and the screens, over a database handle of its own. The CLI's thread
 * (tui-host.ts) starts it with bin/tui-worker.js, which loads this bundle (dist/tui/tui-worker.cjs)
 * with V8's code cache, and meanwhile answers keys on its first frame. Here the TUI draws on a
 * terminal made of messages: keys come in as `input`, frames go out as `out`.
 */
export async function serveTui(port: MessagePort = parentPort!, setup: TuiSetup = workerData as TuiSetup): Promise<void> {
  const send = (message: FromTui) => port.postMessage(message)
  const stdin = new MessageStdin()
  const stdout = new MessageStdout((data) => send({ type: 'out', data }), setup.columns, setup.rows)
  let stop: (() => void) | undefined
  let stopped = false
  let started!: (start: { first: FirstFrameState | null; input: string }) => void
  const start = new Promise<{ first: FirstFrameState | null; input: string }>((resolve) => (started = resolve))
  port.on('message', (m: ToTui) => {
    if (m.type === 'start') started(m)
    else if (m.type === 'input') stdin.push(m.data)
    else if (m.type === 'resize') stdout.resize(m.columns, m.rows)
    else {
      stopped = true
      stop?.()
    }
  })
  try {
    // the database the CLI found and drew from: gone since (moved, removed), it is said so, never created empty
    const handle = await openDatabase(setup.target, { create: false })
    try {
      send({ type: 'ready' })
      const { first, input } = await start
      if (input !== '') stdin.push(input)
      if (!stopped)
        await mountTui(
          {
            handle,
            actor: setup.actor,
            clock: setup.fixedNow === null ? systemClock : fixedClock(setup.fixedNow),
            refreshMs: setup.refreshMs,
            initialScreen: setup.initialScreen,
            color: setup.color,
            first: first ?? undefined,
            command: (args) => commandLine([...setup.commandWords, ...args], setup.commandShell),
          },
          { stdin: stdin as unknown as NodeJS.ReadStream, stdout: stdout as unknown as NodeJS.WriteStream, onStop: (s) => (stop = s) },
        )
    } finally {
      await handle.close()
    }
    send({ type: 'done' })
  } catch (e) {
    send({
      type: 'error',
      code: e instanceof HaloError ? e.code : null,
      message: e instanceof Error ? e.message : String(e),
      stack: e instanceof Error ? e.stack : undefined,
    })
  } finally {
    port.close()
  }
}

/** Keys from the CLI's thread, for ink: a terminal's stdin in raw mode, as far as ink looks. */
class MessageStdin extends Readable {
  readonly isTTY = true
  override _read(): void {
    // pushed as they come
  }
  setRawMode(): this {
    return this // the CLI's thread holds the terminal raw
  }
  ref(): this {
    return this
  }
  unref(): this {
    return this
  }
}

/** Ink's frames, to the CLI's thread: a terminal's stdout of the CLI terminal's size, as far as ink looks. */
class MessageStdout extends EventEmitter {
  readonly isTTY = true
  constructor(
    private readonly send: (data: string) => void,
    public columns: number,
    public rows: number,
  ) {
    super()
  }
  write(chunk: string | Uint8Array, encoding?: BufferEncoding | (() => void), done?: () => void): boolean {
    this.send(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'))
    const callback = typeof encoding === 'function' ? encoding : done
    if (callback !== undefined) setImmediate(callback)
    return true
  }
  resize(columns: number, rows: number): void {
    this.columns = columns
    this.rows = rows
    this.emit('resize')
  }
}
