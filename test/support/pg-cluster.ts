/**
 * A throwaway PostgreSQL 15 cluster on 127.0.0.1 for one test run: initdb +
 * pg_ctl from the machine's server binaries, as the `postgres` user when we
 * are root (the server refuses to run as root), on a free port, removed after.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface Cluster {
  readonly url: string
  readonly port: number
  readonly dataDir: string
  stop(): void
  /** Stops the server at once (as a crash would) and starts it again on the same port. */
  restart(): void
  /** Stops the server (fast shutdown); `start()` brings it back. */
  stopServer(): void
  start(): void
}

export function findPgBin(): string {
  const fromEnv = process.env.HALO_PG_BIN
  if (fromEnv) return fromEnv
  const root = '/usr/lib/postgresql'
  if (existsSync(root)) {
    const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a))
    for (const v of versions) if (existsSync(join(root, v, 'bin', 'initdb'))) return join(root, v, 'bin')
  }
  throw new Error(
    'PostgreSQL server binaries not found (looked in /usr/lib/postgresql/*/bin and $HALO_PG_BIN). ' +
      'Install the PostgreSQL 15 server or set HALO_TEST_PG_URL; the PostgreSQL suite does not skip.',
  )
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0))
    })
  })
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0

function asPostgres(bin: string, args: string[]): void {
  const [cmd, argv] = isRoot() ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args]
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 60_000 })
  if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout || r.error?.message}`)
}

export async function startCluster(): Promise<Cluster> {
  const bin = findPgBin()
  const dataDir = mkdtempSync(join(tmpdir(), 'halo-pg-'))
  if (isRoot()) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim())
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim())
    chownSync(dataDir, uid, gid)
  }
  const pgdata = join(dataDir, 'data')
  asPostgres(join(bin, 'initdb'), ['-D', pgdata, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C'])
  const port = await freePort()
  const opts = `-p ${port} -k ${dataDir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`
  const start = () => asPostgres(join(bin, 'pg_ctl'), ['-D', pgdata, '-o', opts, '-w', '-t', '60', '-l', join(dataDir, 'server.log'), 'start'])
  const stopWith = (mode: string) => asPostgres(join(bin, 'pg_ctl'), ['-D', pgdata, '-m', mode, '-w', 'stop'])
  start()
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    start,
    stopServer: () => stopWith('fast'),
    restart() {
      stopWith('immediate')
      start()
    },
    stop() {
      try {
        stopWith('immediate')
      } catch {
        /* already down */
      }
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
