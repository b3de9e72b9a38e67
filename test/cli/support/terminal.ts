/**
 * A real terminal for the built `halo-admin`: tmux (its own server and socket
 * per call, killed when the test ends) runs one command line, keys go in with
 * send-keys and the screen comes back with capture-pane. When the command
 * ends the pane prints `[exit N]` and stays, so the last screen can be read.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { onTestFinished } from 'vitest'
import { ensureBuilt } from '../../support/fixtures.js'
import { BIN, ROOT } from './cli.js'
import { sleep } from '../../support/time.js'

export interface TerminalOptions {
  /** Set for the command (on top of PATH, HOME, LANG and the pane's TERM). */
  readonly env?: Record<string, string>
  readonly cols?: number
  readonly rows?: number
}

export interface Terminal {
  /** The screen as text (`escapes`: with its colour codes). */
  screen(escapes?: boolean): string
  /** tmux key names, one after another: `Enter`, `Down`, `C-c`. */
  keys(...keys: string[]): Promise<void>
  /** Literal text, as typed. */
  type(text: string): Promise<void>
  waitFor(test: string | RegExp, timeoutMs?: number): Promise<string>
  /** Waits for the command to end; its exit status and last screen. */
  exit(timeoutMs?: number): Promise<{ code: number; screen: string }>
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`
let servers = 0

/** `halo-admin ...args` in a fresh tmux pane (100x30 unless told), the environment clean but for `env`. */
export function terminal(args: readonly string[], options: TerminalOptions = {}): Terminal {
  ensureBuilt()
  const socket = `halo-cli-${process.pid}-${servers++}`
  const tmux = (...a: string[]) => execFileSync('tmux', ['-u', '-L', socket, ...a], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8', ...options.env }
  const assignments = Object.entries(env).map(([k, v]) => `${k}=${quote(v)}`)
  // env -i: nothing leaks in from the test runner; TERM is the pane's own
  const line = `cd ${quote(ROOT)} && env -i TERM="$TERM" ${assignments.join(' ')} ${quote(process.execPath)} ${quote(BIN)} ${args.map(quote).join(' ')}; echo "[exit $?]"; sleep 600`
  tmux('-f', '/dev/null', 'new-session', '-d', '-x', String(options.cols ?? 100), '-y', String(options.rows ?? 30), '-s', 't', line)
  onTestFinished(() => {
    try {
      tmux('kill-server')
    } catch {
      /* gone already */
    }
    // a killed server can leave its socket file behind
    rmSync(join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, socket), { force: true })
  })
  const screen = (escapes = false) => tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', 't')
  const waitFor = async (test: string | RegExp, timeoutMs = 15_000) => {
    const ok = (s: string) => (typeof test === 'string' ? s.includes(test) : test.test(s))
    const until = Date.now() + timeoutMs
    let last = ''
    while (Date.now() < until) {
      last = screen()
      if (ok(last)) return last
      await sleep(50)
    }
    throw new Error(`waited ${timeoutMs} ms for ${String(test)}; the screen was:\n${last}`)
  }
  return {
    screen,
    async keys(...keys) {
      for (const k of keys) {
        tmux('send-keys', '-t', 't', k)
        await sleep(100)
      }
    },
    async type(text) {
      tmux('send-keys', '-t', 't', '-l', text)
      await sleep(150)
    },
    waitFor,
    async exit(timeoutMs) {
      const s = await waitFor(/\[exit \d+\]/, timeoutMs)
      return { code: Number(/\[exit (\d+)\]/.exec(s)![1]), screen: s }
    },
  }
}

/** What a person at the terminal does while a command runs: read the screen, press keys, type. */
export type Person = Pick<Terminal, 'waitFor' | 'keys' | 'type'>

export interface Shell {
  /**
   * Types `line` exactly as given, then Enter, in the shell; `answer` plays the person at whatever
   * the command asks (it reads the screen and sends keys). Resolves with the command's exit status.
   */
  run(line: string, answer?: (person: Person) => Promise<void>): Promise<number>
  /** Everything the terminal showed, scrollback included, wrapped lines joined. */
  history(): string
}

/**
 * An interactive bash in a real terminal (tmux, 200x50), in `cwd`, with a clean environment but for
 * `env`: a person's shell, where printed commands are pasted and run as they stand.
 */
export function shell(options: { readonly cwd: string; readonly env?: Record<string, string> }): Shell {
  const socket = `halo-sh-${process.pid}-${servers++}`
  const dir = mkdtempSync(join(tmpdir(), 'halo-sh-'))
  const conf = join(dir, 'tmux.conf')
  writeFileSync(conf, 'set -g history-limit 100000\n')
  const tmux = (...a: string[]) => execFileSync('tmux', ['-u', '-L', socket, ...a], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  // each prompt first reports how the command before it ended, numbered
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/root',
    LANG: 'C.UTF-8',
    PS1: '$ ',
    PROMPT_COMMAND: 's=$?; n=$((n+1)); echo "[done $n exit $s]"',
    ...options.env,
  }
  const assignments = Object.entries(env).map(([k, v]) => `${k}=${quote(v)}`)
  tmux(
    '-f',
    conf,
    'new-session',
    '-d',
    '-x',
    '200',
    '-y',
    '50',
    '-c',
    options.cwd,
    '-s',
    's',
    `env -i TERM="$TERM" ${assignments.join(' ')} bash --norc --noprofile -i`,
  )
  onTestFinished(() => {
    try {
      tmux('kill-server')
    } catch {
      /* gone already */
    }
    rmSync(dir, { recursive: true, force: true })
    rmSync(join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, socket), { force: true })
  })
  const history = () => tmux('capture-pane', '-p', '-J', '-S', '-', '-t', 's')
  const screen = () => tmux('capture-pane', '-p', '-t', 's')
  const until = async (test: (s: string) => RegExpExecArray | boolean | null, read: () => string, timeoutMs: number, what: string) => {
    const end = Date.now() + timeoutMs
    let last = ''
    while (Date.now() < end) {
      last = read()
      const hit = test(last)
      if (hit !== null && hit !== false) return hit
      await sleep(50)
    }
    throw new Error(`waited ${timeoutMs} ms for ${what}; the screen was:\n${screen()}`)
  }
  let done = 1
  const ready = until((h) => h.includes('[done 1 exit 0]'), history, 15_000, 'the shell')
  const person = {
    waitFor: (test: string | RegExp, timeoutMs = 15_000) =>
      until((s) => (typeof test === 'string' ? s.includes(test) : test.test(s)), screen, timeoutMs, String(test)).then(() => screen()),
    async keys(...keys: string[]) {
      for (const k of keys) {
        tmux('send-keys', '-t', 's', k)
        await sleep(100)
      }
    },
    async type(text: string) {
      tmux('send-keys', '-t', 's', '-l', text)
      await sleep(150)
    },
  }
  return {
    async run(line, answer) {
      await ready
      tmux('send-keys', '-t', 's', '-l', line)
      tmux('send-keys', '-t', 's', 'Enter')
      if (answer !== undefined) await answer(person)
      done += 1
      const marker = new RegExp(`\\[done ${done} exit (\\d+)\\]`)
      const m = (await until((h) => marker.exec(h), history, 60_000, `the end of: ${line}`)) as RegExpExecArray
      return Number(m[1])
    },
    history,
  }
}
