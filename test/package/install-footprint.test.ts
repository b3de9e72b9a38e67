/**
 * What a backend installs: halo-admin packed as `npm publish` packs it (its prepack and postpack
 * included), installed into a fresh project with npm. A PostgreSQL-only backend installs it with
 * `--omit=optional`: no native module is built, no UI framework arrives, no install script runs (npm
 * 11 lists any it would have run), and the library works on PostgreSQL, loading neither a UI library
 * nor a SQLite driver; opening a SQLite file then says which package to install. Installed on its
 * own (optional dependencies included), the CLI plays the SQLite demo.
 *
 * better-sqlite3's native module is copied from this checkout's (the same pinned version) instead of
 * compiled again, as in backend-example.test.ts.
 */
import { execFile, execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { createTestDatabase, ON_POSTGRES } from '../support/engines.js'
import { ensureBuilt } from '../support/fixtures.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const run = promisify(execFile)
/** npm's own variables from `npm test` stay out of the project's npm. */
const ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')))
/** Packages a PostgreSQL-only backend must not get. */
const NOT_FOR_A_BACKEND = [
  'better-sqlite3',
  'ink',
  'react',
  '@inquirer/prompts',
  '@inquirer/core',
  'chalk',
  'commander',
  'cli-progress',
  'csv-stringify',
  'yoga-layout',
]

let work: string
let tarball: string

beforeAll(() => {
  ensureBuilt()
  work = mkdtempSync(join(tmpdir(), 'halo-install-'))
  const [pack] = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8', env: ENV, stdio: ['ignore', 'pipe', 'pipe'] }),
  )
  tarball = join(work, pack.filename)
}, 300_000)

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true })
})

/** A new project that installs the tarball with `npm install <flags>`; npm's stderr. */
async function project(flags: string[]): Promise<{ dir: string; npmErr: string }> {
  const dir = mkdtempSync(join(work, 'app-'))
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'app', version: '1.0.0', private: true, type: 'module', dependencies: { 'halo-admin': `file:${tarball}` } }),
  )
  const { stderr } = await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...flags], { cwd: dir, env: ENV })
  return { dir, npmErr: stderr }
}

/** Every file under `dir` whose name ends with `suffix`. */
function filesEnding(dir: string, suffix: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith(suffix))
}

/** Runs an ES module in the project; its stdout as JSON. */
async function script(dir: string, code: string, env: Record<string, string> = {}): Promise<any> {
  writeFileSync(join(dir, 'probe.mjs'), code)
  const { stdout } = await run(process.execPath, ['probe.mjs'], { cwd: dir, env: { ...ENV, ...env } })
  return JSON.parse(stdout)
}

describe('halo-admin installed from its packed tarball', () => {
  it('gives a PostgreSQL-only backend (--omit=optional) no native module, no UI framework and no install script', async () => {
    const manifest = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }))
    expect(Object.keys(manifest.scripts).filter((s) => /^(pre|post)?(install|prepare)$/.test(s))).toEqual([])
    expect(Object.keys(manifest.dependencies).sort()).toEqual(['kysely', 'pg', 'zod'])
    expect(Object.keys(manifest.optionalDependencies)).toEqual(['better-sqlite3'])
    // no source of the faces travels: only the bundles' maps, positions without sources
    const maps = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
      .split('\n')
      .filter((f) => f.endsWith('.map'))
    expect(maps.sort()).toEqual(['package/dist/cli/halo-admin.cjs.map', 'package/dist/tui/tui-worker.cjs.map'])
    for (const map of maps)
      expect(JSON.parse(execFileSync('tar', ['-xzOf', tarball, map], { encoding: 'utf8', maxBuffer: 64 << 20 })).sourcesContent).toBeUndefined()

    const { dir, npmErr } = await project(['--omit=optional'])
    expect(npmErr).not.toMatch(/install-scripts|allowScripts|prepare/)
    const modules = join(dir, 'node_modules')
    for (const name of NOT_FOR_A_BACKEND) expect(existsSync(join(modules, name)), name).toBe(false)
    expect(filesEnding(modules, '.node')).toEqual([])

    // the library, without the SQLite driver: a SQLite file is refused with what to install
    const sqlite = await script(
      dir,
      `import { openDatabase } from 'halo-admin'
       try { await openDatabase('./halo.db'); console.log('{}') } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })) }`,
    )
    expect(sqlite).toEqual({ code: 'DB_ERROR', message: expect.stringContaining('npm install better-sqlite3') })
    expect(existsSync(join(dir, 'halo.db'))).toBe(false)
  }, 300_000)

  it.runIf(ON_POSTGRES)(
    'runs the library and the CLI on PostgreSQL there',
    async () => {
      const { dir } = await project(['--omit=optional'])
      const db = await createTestDatabase('postgres')
      onTestFinished(db.drop)
      const target = `${db.target}?schema=halo`
      const out = await script(
        dir,
        `import { openDatabase, migrateToLatest, createConfigStore } from 'halo-admin'
       const handle = await openDatabase(process.env.TARGET)
       await migrateToLatest(handle)
       const config = createConfigStore(handle)
       await config.set('early_end_mitra_daily_cap', 4, { actor: 'backend' })
       const cap = await config.get('early_end_mitra_daily_cap')
       await handle.close()
       console.log(JSON.stringify({ cap }))`,
        { TARGET: target },
      )
      expect(out).toEqual({ cap: 4 })
      const bin = join(dir, 'node_modules', 'halo-admin', 'bin', 'halo-admin.js')
      const { stdout } = await run(process.execPath, [bin, '--db', target, 'flag', 'get', 'early_end_mitra_daily_cap'], { cwd: dir, env: ENV })
      expect(stdout).toBe('4\n')
    },
    300_000,
  )

  it('plays the SQLite demo with the CLI installed on its own, optional dependencies included', async () => {
    const { dir } = await project(['--ignore-scripts'])
    const theirs = join(dir, 'node_modules', 'better-sqlite3')
    expect(JSON.parse(readFileSync(join(theirs, 'package.json'), 'utf8')).version).toBe(
      JSON.parse(readFileSync(join(ROOT, 'node_modules', 'better-sqlite3', 'package.json'), 'utf8')).version,
    )
    mkdirSync(join(theirs, 'build', 'Release'), { recursive: true })
    copyFileSync(
      join(ROOT, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'),
      join(theirs, 'build', 'Release', 'better_sqlite3.node'),
    )
    const bin = join(dir, 'node_modules', 'halo-admin', 'bin', 'halo-admin.js')
    const { stdout } = await run(process.execPath, [bin, '--json', 'demo'], { cwd: dir, env: { ...ENV, HALO_NOW: '2026-11-24T09:00:00Z' } })
    expect(JSON.parse(stdout)).toMatchObject({ next: expect.any(Array) })
    expect(existsSync(join(dir, 'halo.db'))).toBe(true)
  }, 300_000)
})
