'use strict'
// Loads a CommonJS bundle (dist/cli/halo-admin.cjs) as `require` would, but with V8's code cache:
// compiling the 390 KB bundle was a third of `halo-admin flag get`'s start-up (bench/cold-start.mjs).
// Node 20 has no compile cache for CommonJS (`module.enableCompileCache` is Node 22), so the bundle is
// compiled here with `vm.Script` and `cachedData`, the way the v8-compile-cache package does.
//
// Safe by construction:
// - the cache lives in the user's cache directory ($XDG_CACHE_HOME/halo-admin, else ~/.cache/halo-admin;
//   %LOCALAPPDATA% on Windows), so a read-only install works; any error reading or writing it is
//   ignored and the bundle is compiled as usual;
// - a cache file is named after the bundle's device, inode, size, mtime and ctime (ctime cannot be set
//   back: any write to the file, a copy or an unpack changes it), the Node version and the
//   architecture, so a changed bundle never meets an old cache; V8 also refuses data made by another
//   V8, other flags or a source of another length (`cachedDataRejected`), and then a new one is written;
// - it is written once, at exit, after the command ran (so it holds the functions the command
//   compiled, not only the top level), to a temporary file renamed into place; the oldest files beyond
//   the newest few are removed, so rebuilds do not pile up;
// - `import()` cannot run in code compiled from a cache on Node 20 (the script loses its dynamic-import
//   callback: ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING), so the bundle calls `__import` instead of
//   `import()` (scripts/bundle-cli.mjs) and gets this file's `import()`, resolving paths from the bundle;
//   a relative `.cjs` is another bundle (the TUI's, dist/tui/run-tui-on.cjs), loaded here the same way;
// - `--debug`, DEBUG or HALO_CODE_CACHE=0 load the bundle with plain `require` (source maps need it).
const fs = require('node:fs')
const path = require('node:path')
const vm = require('node:vm')
const Module = require('node:module')
const { pathToFileURL } = require('node:url')

/** How many cache files (bundles, Node versions) are kept in the cache directory. */
const KEEP = 8

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
  let cacheFile
  let cachedData
  try {
    const dir = cacheDir(env)
    if (dir !== undefined) {
      cacheFile = path.join(dir, cacheName(file, stat))
      cachedData = fs.readFileSync(cacheFile)
    }
  } catch {
    // no cache yet (or none possible): compiled as usual, written at exit if cacheFile is set
  }
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname, __import) {${source}\n})`, {
    filename: file,
    cachedData,
  })
  const dir = path.dirname(file)
  const mod = { exports: {}, filename: file, id: file, loaded: false }
  const importFromBundle = async (specifier) => {
    if (!/^\.\.?\//.test(specifier)) return import(specifier)
    const target = path.resolve(dir, specifier)
    return target.endsWith('.cjs') ? loadBundle(target, env, argv) : import(pathToFileURL(target).href)
  }
  script.runInThisContext()(mod.exports, Module.createRequire(file), mod, file, dir, importFromBundle)
  mod.loaded = true
  if (cacheFile !== undefined && (cachedData === undefined || script.cachedDataRejected)) process.once('exit', () => writeCache(script, cacheFile))
  return mod.exports
}

function writeCache(script, cacheFile) {
  const temp = `${cacheFile}.${process.pid}.tmp`
  try {
    const dir = path.dirname(cacheFile)
    fs.mkdirSync(dir, { recursive: true })
    fs.writeFileSync(temp, script.createCachedData())
    fs.renameSync(temp, cacheFile)
    prune(dir)
  } catch {
    // a read-only or full cache directory: the next start compiles again
    try {
      fs.rmSync(temp, { force: true })
    } catch {
      // nothing to remove
    }
  }
}

module.exports = { loadBundle }
