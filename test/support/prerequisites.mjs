/**
 * What the test run needs from the machine, checked before anything else: `npm test` runs this file
 * first (before it builds), and the global setup asks again (for `npx vitest run …`). A missing tool
 * stops the run with one line that names it and the command that installs it; nothing is skipped.
 *
 * - the PostgreSQL server binaries (initdb, pg_ctl), when PostgreSQL is in HALO_ENGINES and
 *   HALO_TEST_PG_URL does not name a server: the run starts its own throwaway cluster;
 * - tmux: the TUI and the confirmation prompts are driven in a real terminal;
 * - zsh and fish: the completion scripts are loaded by the shells they are for, and printed commands read back in them;
 * - pgbouncer, when PostgreSQL is in HALO_ENGINES: the library and the CLI run through it.
 *
 * HALO_ENGINES (`sqlite`, `postgres`, or both, comma-separated; default both) narrows the dialect
 * matrix: `HALO_ENGINES=sqlite` runs every test on SQLite only and starts no PostgreSQL.
 *
 * Plain JavaScript: it runs under plain node before anything is built; types in prerequisites.d.mts.
 */
import { spawnSync } from 'node:child_process'
import { accessSync, constants, existsSync, readdirSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { pathToFileURL } from 'node:url'

export const ALL_ENGINES = ['sqlite', 'postgres']

/** The engines of the dialect matrix this run covers, from HALO_ENGINES; throws on a name it does not know. */
export function selectedEngines(env = process.env) {
  const raw = (env.HALO_ENGINES ?? '').trim()
  if (raw === '') return [...ALL_ENGINES]
  const names = raw.split(',').map((s) => s.trim().toLowerCase())
  const unknown = names.filter((n) => !ALL_ENGINES.includes(n))
  if (unknown.length > 0 || names.length === 0)
    throw new Error(`HALO_ENGINES="${raw}": expected sqlite, postgres or sqlite,postgres (unknown: ${unknown.join(', ') || 'nothing named'})`)
  return ALL_ENGINES.filter((e) => names.includes(e))
}

/** Whether the run needs a PostgreSQL server of its own (PostgreSQL selected, no HALO_TEST_PG_URL). */
export function needsOwnPostgres(env = process.env) {
  return selectedEngines(env).includes('postgres') && !env.HALO_TEST_PG_URL
}

function onPath(command, env) {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue
    try {
      accessSync(join(dir, command), constants.X_OK)
      return true
    } catch {
      /* not here */
    }
  }
  return false
}

function hasPgServer(env) {
  const bin = env.HALO_PG_BIN
  if (bin) return existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return false
  return readdirSync(root).some((v) => existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'pg_ctl')))
}

/** The pooler lane starts Debian's PgBouncer in front of the test cluster. */
function hasPgBouncer(env) {
  if (env.HALO_PGBOUNCER) return existsSync(env.HALO_PGBOUNCER)
  return ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer', '/usr/local/bin/pgbouncer'].some((p) => existsSync(p)) || onPath('pgbouncer', env)
}

/** As root the cluster runs as the `postgres` user (the server refuses root), which the postgresql package creates. */
function hasPostgresUser() {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return true
  return spawnSync('id', ['-u', 'postgres']).status === 0
}

/**
 * What is missing, each with its Debian package: [] when the machine has everything the run needs.
 *
 * ```js
 * missingPrerequisites({ ...process.env, HALO_ENGINES: 'sqlite' }) // [] or e.g. [{ what: 'zsh', pkg: 'zsh' }]
 * ```
 */
export function missingPrerequisites(env = process.env) {
  const missing = []
  if (needsOwnPostgres(env) && !(hasPgServer(env) && hasPostgresUser()))
    missing.push({ what: 'the PostgreSQL server binaries (initdb, pg_ctl in /usr/lib/postgresql/*/bin)', pkg: 'postgresql' })
  if (selectedEngines(env).includes('postgres') && !hasPgBouncer(env))
    missing.push({ what: 'pgbouncer (the pooler lane of the PostgreSQL tests)', pkg: 'pgbouncer' })
  for (const tool of ['tmux', 'zsh', 'fish']) if (!onPath(tool, env)) missing.push({ what: tool, pkg: tool })
  return missing
}

/** The one line that stops the run, or null when nothing is missing. */
export function prerequisiteProblem(env = process.env) {
  const missing = missingPrerequisites(env)
  if (missing.length === 0) return null
  const root = typeof process.getuid === 'function' && process.getuid() === 0
  const install = `${root ? '' : 'sudo '}apt-get install ${missing.map((m) => m.pkg).join(' ')}`
  const pg = missing.some((m) => m.pkg === 'postgresql')
    ? '; or point HALO_TEST_PG_URL at a PostgreSQL server, or run SQLite only with HALO_ENGINES=sqlite'
    : ''
  return `the tests need ${missing.map((m) => m.what).join(', ')}, which this machine lacks: install with \`${install}\` (Debian/Ubuntu package names)${pg}`
}

// `node test/support/prerequisites.mjs`: exit 1 with the line on stderr when something is missing
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  let problem
  try {
    problem = prerequisiteProblem()
  } catch (e) {
    problem = e.message
  }
  if (problem !== null) {
    process.stderr.write(`error: ${problem}\n`)
    process.exitCode = 1
  }
}
