/**
 * bin/load-bundle.js compiles the CLI bundle with V8's code cache, kept in the user's cache
 * directory. A cache must never change what runs: a bundle changed in place (same length, which V8
 * alone would accept) gets a new cache, a damaged or unwritable cache is ignored, and the bundle's
 * `import()` still works when it was compiled from the cache. The time it saves is
 * bench/cold-start.mjs.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { BIN, ROOT, tempDb } from './support/cli.js'
import { ensureBuilt } from '../support/fixtures.js'

const LOADER = join(ROOT, 'bin', 'load-bundle.js')

/** `node -e <code>` in a clean environment with the cache in `cacheDir`. */
function node(code: string, cacheDir: string, extra: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['-e', code], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, HALO_CODE_CACHE_DIR: cacheDir, ...extra },
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** Loads `bundle` through the loader and prints what its `value()` returns (awaited). */
const loadAndPrint = (bundle: string) =>
  `require(${JSON.stringify(LOADER)}).loadBundle(${JSON.stringify(bundle)}).value().then((v) => process.stdout.write(String(v)))`

/** The cache files in `dir` (none when it does not exist). */
function caches(dir: string): string[] {
  try {
    return readdirSync(dir).filter((f) => f.endsWith('.v8'))
  } catch {
    return []
  }
}

describe('the code cache of the CLI bundle', () => {
  beforeAll(() => void ensureBuilt())

  it('is written by the first run and read by the next, which do the same', () => {
    const dir = join(dirname(tempDb()), 'cache')
    const db = tempDb()
    const args = [BIN, '--db', db, 'flag', 'get', 'early_end_mitra_enabled']
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, HALO_CODE_CACHE_DIR: dir, HALO_NOW: '2026-11-24T03:00:00Z' }
    const first = spawnSync(process.execPath, args, { encoding: 'utf8', env })
    expect([first.status, first.stdout, first.stderr]).toEqual([0, 'false\n', ''])
    const [file] = caches(dir)
    expect(file).toMatch(new RegExp(`^halo-admin\\.cjs-${process.version.replace(/\./g, '\\.')}-${process.arch}-`))
    const written = statSync(join(dir, file!)).mtimeMs
    const second = spawnSync(process.execPath, args, { encoding: 'utf8', env })
    expect([second.status, second.stdout, second.stderr]).toEqual([0, 'false\n', ''])
    // read, not written again
    expect(caches(dir)).toEqual([file])
    expect(statSync(join(dir, file!)).mtimeMs).toBe(written)
  })

  it('never runs an old cache for a bundle changed in place, even at the same length', () => {
    const dir = join(dirname(tempDb()), 'cache')
    const bundle = join(dirname(tempDb()), 'bundle.cjs')
    const write = (n: number) => writeFileSync(bundle, `exports.value = async () => ${n} + 0\n`)
    write(1)
    expect(node(loadAndPrint(bundle), dir).stdout).toBe('1')
    expect(node(loadAndPrint(bundle), dir).stdout).toBe('1')
    // same length, other code: V8 checks only the length, the cache's name has the file's identity
    write(2)
    expect(node(loadAndPrint(bundle), dir)).toEqual({ code: 0, stdout: '2', stderr: '' })
    expect(node(loadAndPrint(bundle), dir).stdout).toBe('2')
  })

  it('ignores a damaged cache and writes a good one', () => {
    const dir = join(dirname(tempDb()), 'cache')
    const bundle = join(dirname(tempDb()), 'bundle.cjs')
    writeFileSync(bundle, 'exports.value = async () => "ok"\n')
    expect(node(loadAndPrint(bundle), dir).stdout).toBe('ok')
    const [file] = caches(dir)
    writeFileSync(join(dir, file!), 'not a code cache at all')
    expect(node(loadAndPrint(bundle), dir)).toEqual({ code: 0, stdout: 'ok', stderr: '' })
    expect(readFileSync(join(dir, file!)).length).toBeGreaterThan(100)
  })

  it('runs as before where it cannot write one (no HOME, a cache directory that cannot be made)', () => {
    const base = dirname(tempDb())
    const bundle = join(base, 'bundle.cjs')
    writeFileSync(bundle, 'exports.value = async () => "ok"\n')
    const blocker = join(base, 'a-file')
    writeFileSync(blocker, '')
    expect(node(loadAndPrint(bundle), join(blocker, 'cache'))).toEqual({ code: 0, stdout: 'ok', stderr: '' })
    const noHome = spawnSync(process.execPath, ['-e', loadAndPrint(bundle)], { encoding: 'utf8', env: { PATH: process.env.PATH } })
    expect([noHome.status, noHome.stdout, noHome.stderr]).toEqual([0, 'ok', ''])
  })

  it("keeps the bundle's import() working when it is compiled from the cache, paths resolved from the bundle", () => {
    const dir = join(dirname(tempDb()), 'cache')
    const base = join(dirname(tempDb()), 'pkg')
    mkdirSync(join(base, 'cli'), { recursive: true })
    writeFileSync(join(base, 'other.mjs'), 'export const answer = 42\n')
    const bundle = join(base, 'cli', 'bundle.cjs')
    writeFileSync(bundle, 'exports.value = async () => (await __import("../other.mjs")).answer + (await __import("node:path")).sep\n')
    for (let i = 0; i < 2; i++) expect(node(loadAndPrint(bundle), dir)).toEqual({ code: 0, stdout: '42/', stderr: '' })
    expect(caches(dir)).toHaveLength(1)
  })

  it('is not used with --debug, DEBUG or HALO_CODE_CACHE=0', () => {
    const dir = join(dirname(tempDb()), 'cache')
    const bundle = join(dirname(tempDb()), 'bundle.cjs')
    writeFileSync(bundle, 'exports.value = async () => "ok"\n')
    expect(node(loadAndPrint(bundle), dir, { HALO_CODE_CACHE: '0' }).stdout).toBe('ok')
    expect(node(loadAndPrint(bundle), dir, { DEBUG: '1' }).stdout).toBe('ok')
    expect(caches(dir)).toEqual([])
  })
})
