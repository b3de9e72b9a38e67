/**
 * examples/backend as a backend team gets it: halo-admin packed into a tarball (`npm pack`, as
 * `npm publish` would ship it), installed into a copy of the example with npm, and two server
 * processes on one database (express through `import`, node:http through `require`), driven with
 * real HTTP while the installed `halo-admin` CLI flips the flags, on SQLite and on PostgreSQL.
 *
 * better-sqlite3 is installed from the registry like everything else, but its native module is
 * copied from this checkout's (the same pinned version, built for this Node by `npm ci`) instead
 * of compiled a second time: that takes minutes on a 2-core machine without prebuilt binaries.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { createTestDatabase, ENGINES, type EngineName } from '../support/engines.js'
import { ensureBuilt } from '../support/fixtures.js'
import { startPgBouncer, type PgBouncer } from '../support/pgbouncer.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const run = promisify(execFile)
/** npm's own variables from `npm test` stay out of the example's npm and servers. */
const ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')))

let work: string
let backend: string

beforeAll(async () => {
  ensureBuilt()
  work = mkdtempSync(join(tmpdir(), 'halo-example-'))
  const [pack] = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8', env: ENV }))
  const tarball = join(work, pack.filename)

  backend = join(work, 'backend')
  cpSync(join(ROOT, 'examples', 'backend'), backend, { recursive: true, filter: (src) => !src.includes('node_modules') })
  const manifest = JSON.parse(readFileSync(join(backend, 'package.json'), 'utf8'))
  manifest.dependencies['halo-admin'] = `file:${tarball}`
  writeFileSync(join(backend, 'package.json'), JSON.stringify(manifest, null, 2))
  await run('npm', ['install', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: backend, env: ENV })

  const version = (dir: string) => JSON.parse(readFileSync(join(dir, 'better-sqlite3', 'package.json'), 'utf8')).version
  const ours = join(ROOT, 'node_modules')
  const theirs = join(backend, 'node_modules')
  expect(version(theirs), 'the example installs the better-sqlite3 this checkout built').toBe(version(ours))
  mkdirSync(join(theirs, 'better-sqlite3', 'build', 'Release'), { recursive: true })
  copyFileSync(
    join(ours, 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'),
    join(theirs, 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'),
  )
}, 300_000)

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true })
})

/** A server of the example, started on a free port; stopped when the test ends. */
async function startServer(file: string, databaseUrl: string): Promise<number> {
  const child = spawn(process.execPath, [file], { cwd: backend, env: { ...ENV, DATABASE_URL: databaseUrl, HALO_SCHEMA: 'halo', PORT: '0' } })
  onTestFinished(() => stop(child))
  let out = ''
  let err = ''
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  return new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${file} did not listen within 60 s: ${err}`)), 60_000)
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /listening (\d+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(Number(m[1]))
      }
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${file} exited with ${code}: ${err}`))
    })
  })
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000)
    child.once('exit', () => {
      clearTimeout(kill)
      resolve()
    })
    child.kill('SIGTERM')
  })
}

/** The installed package's CLI, as ops run it beside the backend. */
async function cli(db: string, ...args: string[]): Promise<unknown> {
  const bin = join(backend, 'node_modules', 'halo-admin', 'bin', 'halo-admin.js')
  const { stdout } = await run(process.execPath, [bin, '--db', db, '--actor', 'ops-1', '--json', ...args], { cwd: backend, env: ENV })
  return stdout.trim() === '' ? null : JSON.parse(stdout)
}

async function end(port: number, sessionId: number | string, body: unknown, mitra = 'm-1'): Promise<{ status: number; body: any }> {
  const res = await fetch(`http://127.0.0.1:${port}/api/mitra/chat-requests/sessions/${sessionId}/end`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-mitra-id': mitra },
    body: JSON.stringify(body),
  })
  return { status: res.status, body: await res.json() }
}

/** Where the examples run: each engine, and PostgreSQL through PgBouncer in transaction mode (production's pooler). */
type Where = EngineName | 'postgres through PgBouncer'
const WHERE: readonly Where[] = [...ENGINES, ...(ENGINES.includes('postgres') ? (['postgres through PgBouncer'] as const) : [])]

let bouncer: PgBouncer | undefined
afterAll(() => bouncer?.stop())

/** Where the servers and the CLI meet: a new SQLite file, or a PostgreSQL database (schema `halo`), maybe through PgBouncer. */
async function database(where: Where): Promise<{ server: string; cli: string }> {
  if (where === 'sqlite') {
    const file = join(mkdtempSync(join(work, 'db-')), 'halo.db')
    return { server: file, cli: file }
  }
  // its public schema holds a migrated halo-admin already (the test template): the example's lives in `halo`
  const db = await createTestDatabase('postgres')
  onTestFinished(() => db.drop())
  if (where === 'postgres') return { server: db.target, cli: `${db.target}?schema=halo` }
  bouncer ??= await startPgBouncer({ pgUrl: db.target, mode: 'transaction' })
  const u = new URL(db.target)
  u.port = String(bouncer.port)
  return { server: u.toString(), cli: `${u.toString()}?schema=halo` }
}

describe.each(WHERE)('examples/backend installed from the packed tarball, on %s', (engine) => {
  it('serves 403 while disabled, then 422, 200 and 409, 429, 404 from two processes on one database', async () => {
    const db = await database(engine)
    // both migrate the new database at once as they start
    const [express, plain] = await Promise.all([startServer('server.mjs', db.server), startServer('server.cjs', db.server)])
    const ids: number[] = []
    for (const customer of ['c-1', 'c-2', 'c-3'])
      ids.push(((await cli(db.cli, 'session', 'open', '--mitra', 'm-1', '--customer', customer)) as { id: number }).id)
    const [s1, s2, s3] = ids as [number, number, number]
    const reason = { reason: 'customer_left' }

    const disabled = await end(express, s1, reason)
    expect(disabled).toMatchObject({ status: 403, body: { error: { code: 'EARLY_END_DISABLED' } } })

    await cli(db.cli, 'flag', 'set', 'early_end_mitra_enabled', 'true')
    await cli(db.cli, 'flag', 'set', 'early_end_mitra_daily_cap', '2')

    const bad = await end(plain, s1, { reason: 42 })
    expect(bad.status).toBe(422)
    expect(bad.body.error.code).toBe('INVALID_INPUT')
    expect(bad.body.error.message).toMatch(/^body: reason: [^\n]+$/)
    expect(await end(express, s1, { reason: 'customer_left', actorId: 'm-2' })).toMatchObject({ status: 422 })

    // the same session from both processes at once: one ends it, the other finds it closing
    const same = await Promise.all([end(express, s1, reason), end(plain, s1, reason)])
    expect(same.map((r) => r.status).sort()).toEqual([200, 409])
    expect(same.find((r) => r.status === 200)!.body).toMatchObject({ sessionId: s1, status: 'closing', mitraCountToday: 1 })

    // two sessions at once with one early end left before the cap of 2: one 200 (opens the review), one 429
    const capped = await Promise.all([end(express, s2, reason), end(plain, s3, reason)])
    expect(capped.map((r) => r.status).sort()).toEqual([200, 429])
    expect(capped.find((r) => r.status === 429)!.body).toMatchObject({ error: { code: 'DAILY_CAP_REACHED', details: { cap: 2, countToday: 2 } } })
    expect(capped.find((r) => r.status === 200)!.body).toMatchObject({ reviewOpened: true, mitraCountToday: 2 })

    expect(await end(express, 999_999, reason)).toMatchObject({ status: 404, body: { error: { code: 'SESSION_NOT_FOUND' } } })
    expect(await end(plain, 'abc', reason)).toMatchObject({ status: 404, body: { error: { code: 'SESSION_NOT_FOUND' } } })

    const reviews = (await cli(db.cli, 'review', 'list')) as Array<{ mitraId: string; status: string }>
    expect(reviews).toEqual([expect.objectContaining({ mitraId: 'm-1', status: 'open' })])
  })
})
