/**
 * A throwaway PostgreSQL cluster on 127.0.0.1: initdb + pg_ctl from the
 * machine's server binaries, as the `postgres` user when we are root (the
 * server refuses to run as root), on a free port, removed afterwards.
 *
 * Plain JavaScript so the benchmarks (plain .mjs) and the tests (TypeScript,
 * through test/support/pg-cluster.ts) share one copy; types in pg-cluster.d.mts.
 *
 * Cleanup holds even when the process that started the cluster dies without
 * running its teardown (vitest killed, SIGKILL, a crash): a detached watchdog
 * shell polls that process and, once it is gone, stops the server and removes
 * the data directory. A process `exit` hook does the same sooner on a normal exit.
 *
 * Startup is kept short: the files live in memory (/dev/shm when it has room,
 * or $HALO_PG_TMPDIR; creating a thousand small files on this machine's disk
 * takes about a second), and initdb runs once per server binary into a cached
 * template that each cluster copies. Start to ready is about 0.2 s.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statfsSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Where the server binaries are: $HALO_PG_BIN, else the newest /usr/lib/postgresql/<v>/bin. */
export function findPgBin() {
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

/** A TCP port nobody listens on right now. */
export async function freePort() {
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

function postgresIds() {
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim())
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim())
  return { uid, gid }
}

/** Runs a command as the `postgres` user when we are root; throws with its stderr on failure. */
function asPostgres(cmd, args, timeout = 60_000) {
  const [file, argv] = isRoot() ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]
  const r = spawnSync(file, argv, { encoding: 'utf8', timeout })
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${(r.stderr || r.stdout || r.error?.message || '').trim()}`)
}

const GIB = 1024 ** 3

/** Where cluster files go: $HALO_PG_TMPDIR, else /dev/shm when it has 2 GiB free, else the OS temp dir. */
export function clusterBaseDir() {
  if (process.env.HALO_PG_TMPDIR) return process.env.HALO_PG_TMPDIR
  try {
    const s = statfsSync('/dev/shm')
    if (s.bavail * s.bsize >= 2 * GIB) return '/dev/shm'
  } catch {
    /* no /dev/shm */
  }
  return tmpdir()
}

/** A new directory the server user may write. */
function privateDir(prefix) {
  const dir = mkdtempSync(join(clusterBaseDir(), prefix))
  if (isRoot()) {
    const { uid, gid } = postgresIds()
    chownSync(dir, uid, gid)
  }
  return dir
}

/** initdb once per server binary into a cached template; returns its path. */
function cachedTemplate(bin) {
  const key = bin.replace(/[^A-Za-z0-9]+/g, '_')
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0
  const cached = join(clusterBaseDir(), `halo-pg-initdb-${uid}${key}`)
  if (existsSync(join(cached, 'PG_VERSION')) && existsSync(join(cached, 'global', 'pg_control'))) return cached
  // Build beside it and rename into place, so concurrent runs never see half a template.
  const building = privateDir('halo-pg-initdb-building-')
  try {
    asPostgres(join(bin, 'initdb'), [
      '-D',
      join(building, 'data'),
      '-A',
      'trust',
      '-U',
      'postgres',
      '--no-sync',
      '--no-instructions',
      '-E',
      'UTF8',
      '--locale=C',
    ])
    try {
      renameSync(join(building, 'data'), cached)
    } catch (e) {
      // another run won the race: use theirs
      if (!existsSync(join(cached, 'PG_VERSION'))) throw e
    }
  } finally {
    rmSync(building, { recursive: true, force: true })
  }
  return cached
}

/**
 * Starts a cluster. Fails loudly (throws) when PostgreSQL cannot be found or
 * started; never leaves a data directory behind on failure. Fast and not
 * durable by default (fsync and synchronous_commit off); `settings` adds or
 * overrides server settings, e.g. `{ synchronous_commit: 'on' }` so a crash
 * (`restart()`) keeps every acknowledged commit.
 *
 * ```js
 * const cluster = await startCluster()
 * // ... cluster.url is postgres://postgres@127.0.0.1:<port>/postgres
 * cluster.stop()
 * ```
 */
export async function startCluster(options = {}) {
  const settings = { synchronous_commit: 'off', ...(options.settings ?? {}) }
  const bin = findPgBin()
  const template = cachedTemplate(bin)
  const dataDir = privateDir('halo-pg-')
  const pgdata = join(dataDir, 'data')
  const log = join(dataDir, 'server.log')
  let watchdog
  const onExit = () => stopNow()
  let port = 0
  const pgctl = (args, timeout) => asPostgres(join(bin, 'pg_ctl'), ['-D', pgdata, ...args], timeout)

  function stopNow() {
    process.removeListener('exit', onExit)
    if (watchdog?.pid) {
      try {
        process.kill(watchdog.pid, 'SIGKILL')
      } catch {
        /* already gone */
      }
    }
    try {
      if (existsSync(join(pgdata, 'postmaster.pid'))) pgctl(['-m', 'immediate', '-w', 'stop'], 30_000)
    } catch {
      /* already down */
    }
    rmSync(dataDir, { recursive: true, force: true })
  }

  const start = () => {
    const opts = [
      `-p ${port}`,
      `-k ${dataDir}`,
      '-c listen_addresses=127.0.0.1',
      '-c fsync=off',
      '-c full_page_writes=off',
      '-c max_connections=200',
      '-c shared_buffers=32MB',
      // the files are in memory: keep WAL small (every CREATE DATABASE copies the template through it)
      '-c max_wal_size=96MB',
      '-c min_wal_size=32MB',
      ...Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`),
    ].join(' ')
    try {
      pgctl(['-o', opts, '-w', '-t', '60', '-l', log, 'start'])
    } catch (e) {
      let tail = ''
      try {
        tail = readFileSync(log, 'utf8').split('\n').slice(-8).join('\n')
      } catch {
        /* no log */
      }
      throw new Error(`${e.message}\n${tail}`, { cause: e })
    }
  }
  const stopWith = (mode) => pgctl(['-m', mode, '-w', 'stop'])

  try {
    asPostgres('cp', ['-a', template, pgdata])
    // Up to three ports: another process may grab the free one before the server binds it.
    for (let attempt = 1; ; attempt++) {
      port = await freePort()
      try {
        start()
        break
      } catch (e) {
        if (attempt >= 3 || !/could not bind|could not create listen socket|Address already in use/i.test(String(e.message))) throw e
      }
    }
    watchdog = spawnWatchdog(bin, pgdata, dataDir)
    process.on('exit', onExit)
  } catch (e) {
    stopNow()
    throw e
  }

  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    /** The postmaster's pid (changes after restart). */
    get pid() {
      try {
        return Number(readFileSync(join(pgdata, 'postmaster.pid'), 'utf8').split('\n')[0])
      } catch {
        return 0
      }
    },
    start,
    stopServer: () => stopWith('fast'),
    restart() {
      stopWith('immediate')
      start()
    },
    stop: stopNow,
  }
}

/** A detached shell that outlives us: when this process is gone, it stops the server and removes its files. */
function spawnWatchdog(bin, pgdata, dataDir) {
  const pgCtl = join(bin, 'pg_ctl')
  const stop = isRoot() ? `runuser -u postgres -- '${pgCtl}' -D '${pgdata}' -m immediate -w stop` : `'${pgCtl}' -D '${pgdata}' -m immediate -w stop`
  const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; [ -f '${pgdata}/postmaster.pid' ] && ${stop}; rm -rf '${dataDir}'`
  const child = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' })
  child.unref()
  return child
}
