import { fstatSync, writeSync } from 'node:fs'
import type { Streams } from './context.js'

/**
 * The streams a command prints to: the process's, except that stdout is cheap to write a line to.
 *
 * `process.stdout` is made on first use, and on a pipe it is a `net.Socket`: node:net and the
 * streams load with it, a tenth of `halo-admin flag get`'s start-up (bench/cold-start.mjs). So when
 * fd 1 is a pipe, a socket (what Node's child_process gives a child for a pipe) or a file, never a
 * terminal, `write` writes to it directly, blocking as Node's own writes there do (synchronous on
 * Linux, Node's docs say; a file is written with `fs.writeSync` by Node itself), and
 * anything else a command asks of stdout (`isTTY` on a terminal, events, `pipeline`, a prompt) makes
 * the real stream, which from then on gets every write: what was written before is already out, so
 * the order holds.
 *
 * Only where the process is halo-admin (bin/halo-admin.js says so, `directStdout()`): `main` called
 * in another program (tests, embedding) writes through `process.stdout`, which that program may
 * have replaced.
 *
 * A reader that went away (`halo-admin report closures --format csv | head`) is not an error, on
 * either path: the command ends with the status it had.
 */
export function commandStreams(): Streams {
  // stderr and stdin too are made when first read
  return {
    stdout: stdout(),
    get stderr() {
      return process.stderr
    },
    get stdin() {
      return process.stdin
    },
  }
}

let shared: Streams['stdout'] | undefined
let directAllowed = false

/** This process is halo-admin: its stdout may be written directly (see above). */
export function directStdout(): void {
  directAllowed = true
}

/** The one stdout of the process, as described above. */
export function stdout(): Streams['stdout'] {
  if (shared !== undefined) return shared
  if (!directAllowed) return stream()
  shared = process.platform !== 'win32' && notTerminal(1) ? direct() : stream()
  return shared
}

/** `process.stdout`, with closed-pipe errors ending the process quietly. */
function stream(): NodeJS.WriteStream {
  const s = process.stdout
  if (!s.listeners('error').includes(exitOnClosedPipe)) s.on('error', exitOnClosedPipe)
  return s
}

/** A pipe, a socket or a file: never a terminal (nor /dev/null, a character device). */
function notTerminal(fd: number): boolean {
  try {
    const s = fstatSync(fd)
    return s.isFIFO() || s.isSocket() || s.isFile()
  } catch {
    return false
  }
}

/** Writes to fd 1 until anything but `write` (or `isTTY`, false here) is asked for; then the real stream. */
function direct(): Streams['stdout'] {
  let real: NodeJS.WriteStream | undefined
  const write = (chunk: string | Uint8Array, encoding?: BufferEncoding | ((e?: Error | null) => void), done?: (e?: Error | null) => void): boolean => {
    if (real !== undefined) return real.write(chunk, encoding as BufferEncoding, done)
    const callback = typeof encoding === 'function' ? encoding : done
    writeAll(typeof chunk === 'string' ? Buffer.from(chunk, typeof encoding === 'string' ? encoding : 'utf8') : chunk)
    if (callback !== undefined) process.nextTick(callback, null)
    return true
  }
  // the target is a stand-in, never read: reading process.stdout is what makes the stream
  return new Proxy({} as NodeJS.WriteStream, {
    get(_target, key) {
      if (key === 'write') return write
      if (key === 'isTTY' && real === undefined) return false
      real ??= stream()
      const value = Reflect.get(real, key, real) as unknown
      return typeof value === 'function' ? value.bind(real) : value
    },
    set(_target, key, value) {
      real ??= stream()
      return Reflect.set(real, key, value, real)
    },
    has(_target, key) {
      real ??= stream()
      return key in real
    },
    getPrototypeOf() {
      real ??= stream()
      return Object.getPrototypeOf(real) as object | null
    },
  })
}

/** All of `bytes` to fd 1, waiting out a full non-blocking pipe (EAGAIN). */
function writeAll(bytes: Uint8Array): void {
  let at = 0
  while (at < bytes.length) {
    try {
      at += writeSync(1, bytes, at, bytes.length - at)
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code
      if (code === 'EPIPE') exitOnClosedPipe(e as NodeJS.ErrnoException)
      if (code !== 'EAGAIN') throw e
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1)
    }
  }
}

/** A reader that went away is not an error. */
export function exitOnClosedPipe(e: NodeJS.ErrnoException): void {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0)
  throw e
}
