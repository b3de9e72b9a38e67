/**
 * What the TUI benches share (bench/tui-start.mjs, bench/tui-idle.mjs): a SQLite file with `live` of
 * `total` sessions as a day of production leaves them, a tmux server of their own with a 100x30
 * session `idle` to open windows in, the child's environment as shell assignments, and cleanup of
 * both when the bench exits.
 *
 * ```js
 * const { file, tmux, assignments, bin, q } = await tuiBench('tui-idle', { live: 25_000, total: 165_000, now })
 * tmux('new-window', '-t', 'idle', '-n', 'tui', `exec env -i ${assignments} ${q(process.execPath)} ${q(bin)} --db ${q(file)} tui`)
 * ```
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { childEnv } from './child-env.mjs'
import { liveSessionsDb } from './live-sessions-db.mjs'

/** `s` quoted for a POSIX shell. */
export const q = (s) => `'${s.replace(/'/g, `'\\''`)}'`
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

export async function tuiBench(name, { live, total, now }) {
  const bin = join(dirname(dirname(dirname(fileURLToPath(import.meta.url)))), 'bin', 'halo-admin.js')
  const dir = mkdtempSync(join(tmpdir(), `halo-${name}-`))
  const socket = `halo-${name}-${process.pid}`
  const tmux = (...args) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  process.on('exit', () => {
    try {
      tmux('kill-server')
    } catch {
      /* not running */
    }
    rmSync(dir, { recursive: true, force: true })
  })
  // the sessions as a day of production leaves them: the closed ones first, then the live ones
  const file = await liveSessionsDb(dir, { live, total, now })
  const env = childEnv({ HALO_NOW: now, HALO_ACTOR: 'bench' })
  const assignments = Object.entries(env)
    .map(([k, v]) => `${k}=${q(v)}`)
    .join(' ')
  tmux('-f', '/dev/null', 'new-session', '-d', '-x', '100', '-y', '30', '-s', 'idle', 'sleep 3600')
  return { bin, dir, file, env, tmux, assignments, q }
}
