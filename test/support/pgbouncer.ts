/**
 * A real PgBouncer (Debian's /usr/sbin/pgbouncer) in front of a test PostgreSQL, started by the test
 * on a free port on 127.0.0.1, in transaction or session pooling mode, otherwise with its defaults;
 * run as the `postgres` user when we are root (PgBouncer refuses root). Stopped by `stop()`, or with
 * this process.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './pg-cluster.js'

export interface PgBouncer {
  /** `pgUrl` with its host and port replaced by PgBouncer's. */
  readonly url: string
  stop(): Promise<void>
}

const BIN = process.env.HALO_PGBOUNCER_BIN ?? '/usr/sbin/pgbouncer'

export async function startPgBouncer({ pgUrl, mode }: { pgUrl: string; mode: 'transaction' | 'session' }): Promise<PgBouncer> {
  const server = new URL(pgUrl)
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'halo-pgbouncer-'))
  chmodSync(dir, 0o777)
  const user = decodeURIComponent(server.username || 'postgres')
  writeFileSync(join(dir, 'users.txt'), `"${user}" ""\n`)
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=${server.hostname} port=${server.port || 5432}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      "unix_socket_dir = ''",
      'auth_type = trust',
      `auth_file = ${join(dir, 'users.txt')}`,
      `pool_mode = ${mode}`,
      // until the library sends no startup parameters (issue 18, the lead's part)
      'ignore_startup_parameters = options',
      `logfile = ${join(dir, 'pgbouncer.log')}`,
      '',
    ].join('\n'),
  )
  for (const f of ['users.txt', 'pgbouncer.ini']) chmodSync(join(dir, f), 0o644)
  const root = typeof process.getuid === 'function' && process.getuid() === 0
  const [file, args] = root ? ['runuser', ['-u', 'postgres', '--', BIN, join(dir, 'pgbouncer.ini')]] : [BIN, [join(dir, 'pgbouncer.ini')]]
  const child: ChildProcess = spawn(file, args, { stdio: 'ignore' })
  const kill = () => child.kill('SIGTERM')
  process.once('exit', kill)
  for (let i = 0; ; i++) {
    if (await accepts(port)) break
    if (i > 100 || child.exitCode !== null) {
      kill()
      throw new Error(`pgbouncer did not start on port ${port} (exit ${child.exitCode}); see ${join(dir, 'pgbouncer.log')}`)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  const url = new URL(pgUrl)
  url.hostname = '127.0.0.1'
  url.port = String(port)
  return {
    url: url.toString(),
    async stop() {
      process.off('exit', kill)
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r))
        kill()
        await exited
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1')
    s.once('connect', () => (s.destroy(), resolve(true)))
    s.once('error', () => resolve(false))
  })
}
