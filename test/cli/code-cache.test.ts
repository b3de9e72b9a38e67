/**
 * bin/load-bundle.js compiles the CLI bundle with V8's code cache, kept in the user's cache
 * directory. A cache must never change what runs: a bundle changed in place (same length, which V8
 * alone would accept) gets a new cache, a damaged or unwritable cache is ignored, and the bundle's
 * `import()` still works when it was compiled from the cache. Nor may it run what another user wrote:
 * the cases below plant V8 data compiled from other code of the same length (which V8 alone accepts)
 * in files and directories chowned to `nobody` or open to others, and symlinks where the loader
 * writes. The time it saves is bench/cold-start.mjs.
 */
import { spawnSync } from 'node:child_process'
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
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

/** The uid and gid of `nobody`, another user than the one running the tests (root, on CI). */
const NOBODY = 65534

/** A bundle and, once loaded, its cache file: `value()` gives `text`. */
function bundleWithCache(text: string) {
  const base = dirname(tempDb())
  const dir = join(base, 'cache')
  const bundle = join(base, 'bundle.cjs')
  writeFileSync(bundle, `exports.value = async () => ${JSON.stringify(text)}\n`)
  expect(node(loadAndPrint(bundle), dir).stdout).toBe(text)
  const [file] = caches(dir)
  return { base, dir, bundle, cacheFile: join(dir, file!) }
}

/**
 * Writes into `cacheFile` V8 data compiled from a bundle of the same length giving `text`, with a valid
 * digest: only who owns the file and its directory tells it from the loader's own.
 */
function plant(cacheFile: string, text: string) {
  const source = `exports.value = async () => ${JSON.stringify(text)}\n`
  const code = `
    const vm = require('node:vm'), crypto = require('node:crypto'), fs = require('node:fs')
    const script = new vm.Script('(function (exports, require, module, __filename, __dirname, __import) {' + ${JSON.stringify(source)} + '\\n})')
    const mod = { exports: {} }
    script.runInThisContext()(mod.exports, require, mod, '', '', null)
    mod.exports.value() // compiled, as the loader's cache holds what the command ran
    const data = script.createCachedData()
    fs.writeFileSync(${JSON.stringify(cacheFile)}, Buffer.concat([crypto.createHash('sha256').update(data).digest(), data]))`
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' })
  expect(r.stderr).toBe('')
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

  it('runs a cache only when this user owns it and its directory and no one else can write them', () => {
    const { dir, bundle, cacheFile } = bundleWithCache('mine')
    // the planted data is what V8 runs when the loader trusts the file: the control case
    plant(cacheFile, 'evil')
    expect(node(loadAndPrint(bundle), dir).stdout).toBe('evil')
    // the same file, but another user's
    plant(cacheFile, 'evil')
    chownSync(cacheFile, NOBODY, NOBODY)
    expect(node(loadAndPrint(bundle), dir)).toEqual({ code: 0, stdout: 'mine', stderr: '' })
    // ours, but writable by others
    plant(cacheFile, 'evil')
    chmodSync(cacheFile, 0o666)
    expect(node(loadAndPrint(bundle), dir).stdout).toBe('mine')
    // a directory others may write into, or another user's: neither read nor written
    for (const open of [() => chmodSync(dir, 0o777), () => chownSync(dir, NOBODY, NOBODY)]) {
      plant(cacheFile, 'evil')
      open()
      const before = readFileSync(cacheFile)
      expect(node(loadAndPrint(bundle), dir).stdout).toBe('mine')
      expect(readFileSync(cacheFile)).toEqual(before)
      expect(readdirSync(dir)).toEqual([cacheFile.slice(dir.length + 1)])
      chmodSync(dir, 0o755)
      chownSync(dir, process.getuid!(), process.getgid!())
    }
  })

  it('is not used through a symlink, as its directory or its file', () => {
    const { base, dir, bundle, cacheFile } = bundleWithCache('mine')
    plant(cacheFile, 'evil')
    const link = join(base, 'link')
    symlinkSync(dir, link)
    expect(node(loadAndPrint(bundle), link).stdout).toBe('mine')
    const precious = join(base, 'precious')
    plant(precious, 'evil')
    const before = readFileSync(precious)
    rmSync(cacheFile)
    symlinkSync(precious, cacheFile)
    expect(node(loadAndPrint(bundle), dir).stdout).toBe('mine')
    // the link was replaced by a cache of our own, not written through
    expect(readFileSync(precious)).toEqual(before)
    expect(lstatSync(cacheFile).isFile()).toBe(true)
  })

  it('never writes through a symlink planted where it writes its temporary file', () => {
    const { base, dir, bundle, cacheFile } = bundleWithCache('mine')
    rmSync(cacheFile)
    const precious = join(base, 'precious')
    writeFileSync(precious, 'root-owned, not to be overwritten')
    // the process plants links at the names a temporary file was given before: <cache>.<pid>.tmp
    const code = `require('node:fs').symlinkSync(${JSON.stringify(precious)}, ${JSON.stringify(cacheFile)} + '.' + process.pid + '.tmp'); ${loadAndPrint(bundle)}`
    expect(node(code, dir)).toEqual({ code: 0, stdout: 'mine', stderr: '' })
    expect(readFileSync(precious, 'utf8')).toBe('root-owned, not to be overwritten')
    expect(existsSync(cacheFile)).toBe(true)
  })

  it('ignores a cache with one byte flipped, never crashing, and writes a good one', () => {
    const { dir, bundle, cacheFile } = bundleWithCache('mine')
    const good = readFileSync(cacheFile)
    for (const at of [0, 40, Math.floor(good.length / 2), good.length - 1]) {
      const bad = Buffer.from(good)
      bad[at] = bad[at]! ^ 0xff
      writeFileSync(cacheFile, bad)
      expect(node(loadAndPrint(bundle), dir)).toEqual({ code: 0, stdout: 'mine', stderr: '' })
      expect(readFileSync(cacheFile)).not.toEqual(bad)
      expect(node(loadAndPrint(bundle), dir).stdout).toBe('mine')
    }
  })

  it('makes its directory readable by its owner only', () => {
    const { dir } = bundleWithCache('mine')
    expect(statSync(dir).mode & 0o777).toBe(0o700)
  })
})
