/**
 * How a person ran halo-admin, so that the commands printed for them to paste (the demo's "Try
 * next") run as they stand in the same shell. From a clone, `halo-admin` alone is "command not
 * found": `npx halo-admin` is what they typed.
 */
import { accessSync, constants, realpathSync } from 'node:fs'
import { basename, delimiter, dirname, isAbsolute, join, relative } from 'node:path'
import type { ShellSyntax } from '../present/shell-word.js'

export interface Invocation {
  /** The words that start a command: `npx halo-admin`, `halo-admin`, or `node bin/halo-admin.js`. */
  readonly words: readonly string[]
  /** The syntax of the person's shell ($SHELL): fish sets variables its own way. */
  readonly shell: ShellSyntax
  /**
   * Under npx: node and this program's script by their real paths, the same program started without npm
   * (npm's own start-up is most of an npx command's second). Undefined otherwise.
   */
  readonly direct?: readonly string[]
}

/**
 * Under `npx` or `npm exec` (or an npm script running node_modules/.bin/halo-admin):
 * `npx halo-admin`. When `halo-admin` on PATH is this very program (a global install, `npm
 * link`): `halo-admin`. Otherwise node and the script as run, relative to `cwd` when inside it.
 *
 * ```ts
 * invocationOf(process.env, process.argv[1], process.cwd(), process.execPath) // { words: ['npx', 'halo-admin'], shell: 'posix' }
 * ```
 */
export function invocationOf(env: NodeJS.ProcessEnv, script: string | undefined, cwd: string, execPath: string): Invocation {
  const shell = basename(env.SHELL ?? '') === 'fish' ? 'fish' : 'posix'
  const node = which('node', env.PATH)
  const nodeWord = node !== undefined && sameFile(node, execPath) ? 'node' : execPath
  const npx = (): Invocation => {
    const real = script === undefined || script === '' ? undefined : realPath(script)
    return { words: ['npx', 'halo-admin'], shell, ...(real === undefined ? {} : { direct: [nodeWord, real] }) }
  }
  if (env.npm_command === 'exec') return npx()
  if (script === undefined || script === '') return { words: ['halo-admin'], shell }
  if (env.npm_lifecycle_event !== undefined && basename(dirname(script)) === '.bin') return npx()
  const onPath = which('halo-admin', env.PATH)
  if (onPath !== undefined && sameFile(onPath, script)) return { words: ['halo-admin'], shell }
  const rel = relative(cwd, script)
  const scriptWord = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : script
  return { words: [nodeWord, scriptWord], shell }
}

function which(command: string, path: string | undefined): string | undefined {
  for (const dir of (path ?? '').split(delimiter)) {
    if (dir === '') continue
    const candidate = join(dir, command)
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      /* not here */
    }
  }
  return undefined
}

function realPath(file: string): string | undefined {
  try {
    return realpathSync(file)
  } catch {
    return undefined
  }
}

function sameFile(a: string, b: string): boolean {
  const real = realPath(a)
  return real !== undefined && real === realPath(b)
}
