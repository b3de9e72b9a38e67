'use strict'
// Loads a CommonJS bundle (dist/cli/halo-admin.cjs) as `require` would, but with V8's code cache:
// compiling the 390 KB bundle was a third of `halo-admin flag get`'s start-up (bench/cold-start.mjs).
// Node 20 has no compile cache for CommonJS (`module.enableCompileCache` is Node 22), so the bundle is
// compiled here with `vm.Script` and `cachedData`, the way the v8-compile-cache package does.
//
// Safe by construction:
// - the cache lives in the user's cache directory ($XDG_CACHE_HOME/halo-admin, else ~/.cache/halo-admin),
//   so a read-only install works; any error reading or writing it is ignored and the bundle is compiled
//   as usual;
// - it is trusted only when this user could alone have written it: the directory (not a symlink) and
//   the file (opened without following a symlink) are owned by the current user and writable by no
//   group or other user. A shared or /tmp-based XDG_CACHE_HOME, or `sudo -E` handing root another
//   user's ~/.cache, gets no cache at all. No owner to check (Windows): no cache;
// - a cache file holds the SHA-256 of its V8 data ahead of it, checked before V8 sees a byte, so a
//   damaged file (a flipped byte crashed V8) is ignored and rewritten, never run;
// - a cache file is named after the bundle's device, inode, size, mtime and ctime (ctime cannot be set
//   back: any write to the file, a copy or an unpack changes it), the Node version and the
//   architecture, so a changed bundle never meets an old cache; V8 also refuses data made by another
//   V8, other flags or a source of another length (`cachedDataRejected`), and then a new one is written;
// - it is written once, at exit, after the command ran (so it holds the functions the command
//   compiled, not only the top level), to a temporary file of an unpredictable name created exclusively
//   (O_EXCL|O_NOFOLLOW, mode 0600: never through a planted symlink), then renamed into place; the oldest files beyond
//   the newest few are removed, so rebuilds do not pile up;
// - `import()` cannot run in code compiled from a cache on Node 20 (the script loses its dynamic-import
//   callback: ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING), so the bundle calls `__import` instead of
//   `import()` (scripts/bundle-cli.mjs) and gets this file's `import()`, resolving paths from the bundle;
//   a relative `.cjs` is another bundle, loaded here the same way;
// - `--debug`, DEBUG or HALO_CODE_CACHE=0 load the bundle with plain `require` (source maps need it).
const fs = require('node:fs')
const path = require('node:path')
const vm = require('node:vm')
const Module = require('node:module')
const { pathToFileURL } = require('node:url')

/** How many cache files (bundles, Node versions) are kept in the cache directory. */
const KEEP = 8
/** A cache file starts with the SHA-256 of the V8 data after it. */
const DIGEST_BYTES = 32
/** O_NOFOLLOW where the platform has it. */
const NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0

const digest = (data) => require('node:crypto').createHash('sha256').update(data).digest()

function cacheDir(env) {
  if (env.HALO_CODE_CACHE_DIR) return env.HALO_CODE_CACHE_DIR
  if (env.XDG_CACHE_HOME) return path.join(env.XDG_CACHE_HOME, 'halo-admin')
  if (process.platform === 'win32' && env.LOCALAPPDATA) return path.join(env.LOCALAPPDATA, 'halo-admin', 'cache')
  if (env.HOME) return path.join(env.HOME, '.cache', 'halo-admin')
  return undefined
}

/** The cache file's name: what identifies this bundle's bytes and the V8 that compiles them. */
function cacheName(file, s) {
  const id = [s.dev, s.ino, s.size, s.mtimeNs, s.ctimeNs].map((n) => n.toString(36)).join('-')
  return `${path.basename(file)}-${process.version}-${process.arch}-${id}.v8`
}

/** Keeps the newest KEEP cache files of the directory. */
function prune(dir) {
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.v8'))
    .map((f) => {
      try {
        return { f, at: fs.statSync(path.join(dir, f)).mtimeMs }
      } catch {
        return { f, at: Infinity }
      }
    })
    .sort((a, b) => b.at - a.at)
  for (const { f } of files.slice(KEEP)) fs.rmSync(path.join(dir, f), { force: true })
}

/** The bundle's exports, as `require(file)` returns them. */
function loadBundle(file, env = process.env, argv = process.argv) {
  if (env.HALO_CODE_CACHE === '0' || argv.includes('--debug') || env.DEBUG) {
    if (argv.includes('--debug') || env.DEBUG) process.setSourceMapsEnabled(true)
    return require(file)
  }
  // the name and the bytes from one open file: a bundle rewritten in between never files old bytes under its new name
  const fd = fs.openSync(file, 'r')
  let source
  let stat
  try {
    stat = fs.fstatSync(fd, { bigint: true })
    source = fs.readFileSync(fd, 'utf8')
  } finally {
    fs.closeSync(fd)
  }
  const dir = cacheDir(env)
  const cacheFile = dir !== undefined && usableDir(dir, true) ? path.join(dir, cacheName(file, stat)) : undefined
  const cachedData = cacheFile === undefined ? undefined : readCache(cacheFile)
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname, __import) {${source}\n})`, {
    filename: file,
    cachedData,
  })
  const bundleDir = path.dirname(file)
  const mod = { exports: {}, filename: file, id: file, loaded: false }
  const importFromBundle = async (specifier) => {
    if (!/^\.\.?\//.test(specifier)) return import(specifier)
    const target = path.resolve(bundleDir, specifier)
    return target.endsWith('.cjs') ? loadBundle(target, env, argv) : import(pathToFileURL(target).href)
  }
  script.runInThisContext()(mod.exports, Module.createRequire(file), mod, file, bundleDir, importFromBundle)
  mod.loaded = true
  if (cacheFile !== undefined && (cachedData === undefined || script.cachedDataRejected)) process.once('exit', () => writeCache(script, cacheFile))
  return mod.exports
}

/** A directory or file only this user can have written: owned by them, not writable by group or others. */
const ours = (s) => s.uid === process.getuid() && (Number(s.mode) & 0o022) === 0

/**
 * Whether the cache directory may be read and written: a real directory (not a symlink) that is ours.
 * A missing one is usable when `missingOk` (it is made, 0700, when the cache is written).
 */
function usableDir(dir, missingOk) {
  if (typeof process.getuid !== 'function') return false // Windows: no owner to check, no cache
  try {
    const s = fs.lstatSync(dir)
    return s.isDirectory() && ours(s)
  } catch (error) {
    return missingOk && error.code === 'ENOENT'
  }
}

/** The V8 data of a cache file that is ours and holds the bytes we wrote (its digest checks), else undefined. */
function readCache(cacheFile) {
  let fd
  try {
    fd = fs.openSync(cacheFile, fs.constants.O_RDONLY | NOFOLLOW)
    const s = fs.fstatSync(fd)
    if (!s.isFile() || !ours(s) || s.size <= DIGEST_BYTES) return undefined
    const bytes = Buffer.allocUnsafe(s.size)
    if (fs.readSync(fd, bytes, 0, s.size, 0) !== s.size) return undefined
    const data = bytes.subarray(DIGEST_BYTES)
    return digest(data).equals(bytes.subarray(0, DIGEST_BYTES)) ? data : undefined
  } catch {
    return undefined // none yet, or not a file we can trust: compiled as usual, and written at exit
  } finally {
    if (fd !== undefined) fs.closeSync(fd)
  }
}

function writeCache(script, cacheFile) {
  const dir = path.dirname(cacheFile)
  let temp
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
    if (!usableDir(dir, false)) return
    const data = script.createCachedData()
    // a name nobody can predict, created here or not at all (O_EXCL fails on anything already there,
    // a symlink included), then renamed over the cache file (a rename replaces a link, never follows it)
    const name = `${cacheFile}.${require('node:crypto').randomBytes(8).toString('hex')}.tmp`
    const fd = fs.openSync(name, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | NOFOLLOW, 0o600)
    temp = name
    try {
      fs.writeFileSync(fd, Buffer.concat([digest(data), data]))
    } finally {
      fs.closeSync(fd)
    }
    fs.renameSync(temp, cacheFile)
    temp = undefined
    prune(dir)
  } catch {
    // a read-only or full cache directory: the next start compiles again
  } finally {
    if (temp !== undefined) fs.rmSync(temp, { force: true })
  }
}

module.exports = { loadBundle }
