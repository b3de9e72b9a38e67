/**
 * A throwaway PgBouncer on 127.0.0.1 in front of a test cluster: Debian's `pgbouncer` with its
 * default settings except where it listens, where it sends clients and how they log in (trust, as
 * the throwaway cluster does). As the `postgres` user when we are root (PgBouncer refuses to run as
 * root). Shared by the tests (test/support/pgbouncer.ts) and the benchmarks.
 *
 * ```js
 * const bouncer = await startPgBouncer({ pgUrl: cluster.url, mode: 'transaction' })
 * // bouncer.url is postgres://postgres@127.0.0.1:<port>/postgres, through PgBouncer
 * bouncer.stop()
 * ```
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './pg-cluster.mjs'

const CANDIDATES = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer', '/usr/local/bin/pgbouncer']

/** The pgbouncer binary: $HALO_PGBOUNCER, else Debian's. */
export function findPgBouncer() {
  const fromEnv = process.env.HALO_PGBOUNCER
  if (fromEnv) return fromEnv
  const found = CANDIDATES.find((p) => existsSync(p))
  if (found === undefined) throw new Error('pgbouncer not found (looked in /usr/sbin, /usr/bin, /usr/local/bin and $HALO_PGBOUNCER): apt-get install pgbouncer')
  return found
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0

/**
 * Starts PgBouncer in `mode` (`transaction` or `session`) in front of the server at `pgUrl`.
 * `users` are the login names clients may use (trust: each must be listed); `settings` adds lines to
 * the `[pgbouncer]` section (defaults otherwise, as a production install starts).
 */
export async function startPgBouncer({ pgUrl, mode, users = ['postgres'], settings = {} }) {
  const server = new URL(pgUrl)
  const bin = findPgBouncer()
  const dir = mkdtempSync(join(tmpdir(), 'halo-pgbouncer-'))
  let uid = 0
  if (isRoot()) {
    uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim())
    chownSync(dir, uid, Number(execFileSync('id', ['-g', 'postgres']).toString().trim()))
  }
  const port = await freePort()
  const ini = join(dir, 'pgbouncer.ini')
  const log = join(dir, 'pgbouncer.log')
  writeFileSync(join(dir, 'users.txt'), users.map((u) => `"${u}" ""`).join('\n') + '\n')
  writeFileSync(
    ini,
    [
      '[databases]',
      `* = host=${server.hostname} port=${server.port}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      `unix_socket_dir = ${dir}`,
      'auth_type = trust',
      `auth_file = ${join(dir, 'users.txt')}`,
      `pool_mode = ${mode}`,
      `logfile = ${log}`,
      `pidfile = ${join(dir, 'pgbouncer.pid')}`,
      ...Object.entries(settings).map(([k, v]) => `${k} = ${v}`),
      '',
    ].join('\n'),
  )
  if (isRoot()) for (const f of ['pgbouncer.ini', 'users.txt']) chownSync(join(dir, f), uid, 0)
  const [file, argv] = isRoot() ? ['runuser', ['-u', 'postgres', '--', bin, ini]] : [bin, [ini]]
  const child = spawn(file, argv, { stdio: 'ignore' })
  const watchdog = spawn('sh', ['-c', `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; kill ${child.pid} 2>/dev/null; rm -rf '${dir}'`], {
    detached: true,
    stdio: 'ignore',
  })
  watchdog.unref()
  const stop = () => {
    process.removeListener('exit', stop)
    child.kill('SIGTERM')
    try {
      process.kill(watchdog.pid, 'SIGKILL')
    } catch {
      /* gone */
    }
    spawnSync('sh', ['-c', `for i in 1 2 3 4 5 6 7 8 9 10; do kill -0 ${child.pid} 2>/dev/null || break; sleep 0.1; done`])
    rmSync(dir, { recursive: true, force: true })
  }
  process.on('exit', stop)
  // ready when it accepts a connection
  const deadline = Date.now() + 10_000
  for (;;) {
    const probe = spawnSync('node', [
      '-e',
      `require('net').connect(${port}, '127.0.0.1').on('connect', () => process.exit(0)).on('error', () => process.exit(1))`,
    ])
    if (probe.status === 0) break
    if (child.exitCode !== null || Date.now() > deadline) {
      let tail = ''
      try {
        tail = readFileSync(log, 'utf8').split('\n').slice(-5).join('\n')
      } catch {
        /* no log */
      }
      stop()
      throw new Error(`pgbouncer did not start (${mode} mode): ${tail}`)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  const url = new URL(pgUrl)
  url.port = String(port)
  return { url: url.toString(), port, mode, log, stop }
}
