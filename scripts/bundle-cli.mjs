#!/usr/bin/env node
// Bundles the CLI's own code (src/cli and the library modules it loads) into one CommonJS file,
// dist/cli/halo-admin.cjs, with esbuild, after tsc has built dist/src: `npm run build` runs both.
//
// Why: start-up is part of the product (bench/cold-start.mjs). Loading ~50 small ES modules one by
// one, and importing the CommonJS packages commander and better-sqlite3 from ES modules (Node
// parses each with its CommonJS lexer first), cost more than the work of `halo-admin flag get`.
// One CommonJS file that `require`s its packages starts ~30 ms sooner here.
//
// What keeps it correct:
// - the library's packages (kysely, pg, zod, better-sqlite3) stay external (node_modules as
//   installed); the CLI's own (commander, chalk, @inquirer/prompts, cli-progress, csv-stringify) are
//   bundled, so the package does not depend on them (README "What a backend installs"); modules the
//   source loads with `await import()` become lazily initialised parts of the bundle, so kysely,
//   zod, inquirer and the reports still load only when a command needs them;
// - kysely is loaded one way only: the lazy `import('kysely')` of src/store/query-builder.ts is
//   turned into a `require`, like every static import of it, so one copy of kysely runs;
// - ES-module-only packages (chalk, @inquirer/prompts) are loaded with `import()` by the source,
//   which the bundle turns into a lazy initialisation like any other module's;
// - the TUI is a bundle of its own (dist/tui/tui-worker.cjs, built below), loaded only by `tui`, in a
//   thread of its own (bin/tui-worker.js; see src/tui/tui-host.ts);
// - commander is bundled too, with its `require('node:child_process')` made lazy: it needs it only
//   for executable subcommands, which halo-admin has none of, and loading it (with node:net and
//   the streams) was a fifth of `flag get`'s start-up;
// - better-sqlite3's JavaScript (a dozen small files) is bundled too, and its native module is
//   loaded by path instead of through the `bindings` package, which searched a dozen places for it
//   (together 8-10 ms of `flag get`); the installed better-sqlite3 is still what runs when its
//   version is not the one bundled (see inlineBetterSqlite3);
// - `import.meta.url` (the package version is read with it) becomes the file's URL;
// - bin/load-bundle.js compiles the bundle with V8's code cache, and code compiled from a cache cannot
//   run `import()` on Node 20: each `import("…")` becomes `__impt("…")` (as long, so the source
//   map's columns hold), the loader's `import()` when it passes one (`__import`), else the bundle's
//   own (a plain `require` of the bundle).
// The library entry (dist/src/index.js, `import … from 'halo-admin'`) is tsc's output, not bundled.
import { build } from 'esbuild'
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)))
const OUT = join(ROOT, 'dist', 'cli')

/** One kysely: its lazy import() becomes a require, as its static imports do. */
const kyselyByRequire = {
  name: 'kysely-by-require',
  setup(b) {
    b.onResolve({ filter: /^kysely$/ }, (args) =>
      args.kind === 'dynamic-import' ? { path: 'kysely', namespace: 'kysely-by-require' } : { path: 'kysely', external: true },
    )
    b.onLoad({ filter: /.*/, namespace: 'kysely-by-require' }, () => ({ contents: 'module.exports = require("kysely")', loader: 'js' }))
  },
}

/** commander in the bundle, loading node:child_process only if it ever spawns. */
const lazyCommander = {
  name: 'lazy-commander',
  setup(b) {
    const entry = createRequire(join(ROOT, 'package.json')).resolve('commander')
    b.onResolve({ filter: /^commander$/ }, () => ({ path: entry }))
    b.onLoad({ filter: /[\\/]commander[\\/]lib[\\/]command\.js$/ }, (args) => {
      const eager = "const childProcess = require('node:child_process');"
      const source = readFileSync(args.path, 'utf8')
      if (!source.includes(eager)) throw new Error(`${args.path} no longer starts with ${eager}: revisit lazyCommander in scripts/bundle-cli.mjs`)
      const lazy = "const childProcess = { get spawn() { return require('node:child_process').spawn; } };"
      return { contents: source.replace(eager, lazy), loader: 'js' }
    })
  },
}

/**
 * better-sqlite3's JavaScript inside the bundle, as installed at build time; at run time it is used
 * only with the same version of better-sqlite3 installed (its native module and its JavaScript go
 * together), else `require('better-sqlite3')` loads the installed one as before. The native module
 * is looked for where `bindings` looks first (build/, build/Debug, build/Release, in its order), and
 * `bindings` itself is asked when it is in none of them.
 */
const inlineBetterSqlite3 = {
  name: 'inline-better-sqlite3',
  setup(b) {
    const req = createRequire(join(ROOT, 'package.json'))
    const lib = req.resolve('better-sqlite3')
    const { version } = JSON.parse(readFileSync(req.resolve('better-sqlite3/package.json'), 'utf8'))
    b.onResolve({ filter: /^better-sqlite3$/ }, (args) =>
      args.namespace === 'inline-better-sqlite3' ? { path: 'better-sqlite3', external: true } : { path: 'better-sqlite3', namespace: 'inline-better-sqlite3' },
    )
    b.onLoad({ filter: /.*/, namespace: 'inline-better-sqlite3' }, () => ({
      contents: `
        let installed
        try {
          installed = require(require.resolve('better-sqlite3/package.json')).version
        } catch {}
        module.exports = installed === ${JSON.stringify(version)} ? require('./index.js') : require('better-sqlite3')`,
      loader: 'js',
      resolveDir: dirname(lib),
    }))
    b.onLoad({ filter: /[\\/]better-sqlite3[\\/]lib[\\/]database\.js$/ }, (args) => {
      const eager = "require('bindings')('better_sqlite3.node')"
      const source = readFileSync(args.path, 'utf8')
      if (!source.includes(eager))
        throw new Error(`${args.path} no longer loads its addon with ${eager}: revisit inlineBetterSqlite3 in scripts/bundle-cli.mjs`)
      const byPath = `(() => {
        const path = require('node:path')
        const root = path.dirname(require.resolve('better-sqlite3/package.json'))
        for (const dir of ['build', 'build/Debug', 'build/Release']) {
          const file = path.join(root, dir, 'better_sqlite3.node')
          if (require('node:fs').existsSync(file)) return require(file)
        }
        return require(require.resolve('bindings', { paths: [root] }))({ bindings: 'better_sqlite3.node', module_root: root })
      })()`
      return { contents: source.replace(eager, byPath), loader: 'js' }
    })
  },
}

/**
 * ink connects React's devtools only with DEV=true, through a top-level await of a module that
 * needs react-devtools-core (not installed); it also reads its package.json then, with another
 * one. Neither is in the bundle: both awaits go, with what they did only under DEV.
 */
const inkWithoutDevtools = {
  name: 'ink-without-devtools',
  setup(b) {
    b.onLoad({ filter: /[\\/]ink[\\/]build[\\/]reconciler\.js$/ }, (args) => {
      const edits = [
        ["await import('./devtools.js');", '/* devtools: not bundled */'],
        ['? await loadPackageJson()', '? { name: undefined, version: undefined }'],
      ]
      let source = readFileSync(args.path, 'utf8')
      for (const [from, to] of edits) {
        if (!source.includes(from)) throw new Error(`${args.path} no longer has ${from}: revisit inkWithoutDevtools in scripts/bundle-cli.mjs`)
        source = source.replace(from, to)
      }
      return { contents: source, loader: 'js' }
    })
  },
}

/**
 * yoga-layout (ink's layout engine, WebAssembly) starts with `await loadYoga()`, a top-level await,
 * and emscripten's loader then reads its own base64 data: URL with `fetch`, which loads undici:
 * ~100 ms of the TUI's start. Here its module is compiled and instantiated synchronously from the
 * same bytes (emscripten's `instantiateWasm` hook), which leaves the emscripten module ready when
 * the call returns; the data: URL itself is emptied (it is no longer read).
 */
const yogaSync = {
  name: 'yoga-sync',
  setup(b) {
    const dataUrl = /H="data:application\/octet-stream;base64,([A-Za-z0-9+/=]+)"/
    const wasmOf = (binaries) => {
      const m = dataUrl.exec(readFileSync(binaries, 'utf8'))
      if (m === null) throw new Error(`${binaries} no longer holds its WebAssembly as a data: URL: revisit yogaSync in scripts/bundle-cli.mjs`)
      return m[1]
    }
    b.onLoad({ filter: /[\\/]yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/ }, (args) => {
      wasmOf(args.path)
      return { contents: readFileSync(args.path, 'utf8').replace(dataUrl, 'H="data:application/octet-stream;base64,"'), loader: 'js' }
    })
    b.onLoad({ filter: /[\\/]yoga-layout[\\/]dist[\\/]src[\\/]index\.js$/ }, (args) => {
      const eager = 'const Yoga = wrapAssembly(await loadYoga());'
      const source = readFileSync(args.path, 'utf8')
      if (!source.includes(eager)) throw new Error(`${args.path} no longer starts with ${eager}: revisit yogaSync in scripts/bundle-cli.mjs`)
      const wasm = wasmOf(join(dirname(args.path), '..', 'binaries', 'yoga-wasm-base64-esm.js'))
      const sync = `const Yoga = wrapAssembly(loadYogaNow());
function loadYogaNow() {
  const module = {
    instantiateWasm(imports, receive) {
      const instance = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(${JSON.stringify(wasm)}, 'base64')), imports);
      receive(instance);
      return instance.exports;
    },
  };
  loadYoga(module);
  if (typeof module.Node !== 'function') throw new Error('yoga-layout did not start synchronously');
  return module;
}`
      return { contents: source.replace(eager, sync), loader: 'js' }
    })
  },
}

/**
 * Builds one CommonJS bundle that bin/load-bundle.js loads, with what every such bundle shares: the
 * `__impt` banner, source maps, minifying, and `import()` turned into `__impt()` afterwards.
 */
async function loaderBundle(outfile, options) {
  const result = await build({
    absWorkingDir: ROOT,
    outfile,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    tsconfig: 'tsconfig.build.json',
    banner: {
      js: 'const __fileUrl = require("node:url").pathToFileURL(__filename).href; const __impt = typeof __import === "function" ? __import : (s) => import(s);',
    },
    sourcemap: true,
    // positions only, not the sources: enough for --debug to map a stack back to src/, a fifth of the size
    sourcesContent: false,
    // smaller to read, to hold as a string and to cache: 430 KB to 220 KB, ~230 fewer page faults per start;
    // --debug maps stacks back to src/ with the source map (HALO_NO_MINIFY=1 builds readable ones, to profile)
    minify: process.env.HALO_NO_MINIFY !== '1',
    metafile: true,
    logLevel: 'warning',
    ...options,
  })
  importThroughLoader(outfile, result.metafile)
}

rmSync(OUT, { recursive: true, force: true })
await loaderBundle(join(OUT, 'halo-admin.cjs'), {
  entryPoints: ['src/cli/main.ts'],
  // the library's dependencies stay packages (installed with halo-admin, shared with the library);
  // the faces' own (commander, chalk, @inquirer/prompts, cli-progress, csv-stringify) are in the
  // bundle, so they are no dependencies of the package: a backend installs none of them
  external: ['pg', 'pg-native', 'zod', 'bindings', 'better-sqlite3/package.json'],
  plugins: [lazyCommander, kyselyByRequire, inlineBetterSqlite3],
  define: { 'import.meta.url': '__fileUrl' },
})

/** Every `import("…")` of the bundle becomes `__impt("…")` (see above); all of them, or the build fails. */
function importThroughLoader(file, metafile) {
  const output = Object.entries(metafile.outputs).find(([out]) => join(ROOT, out) === file)?.[1]
  const expected = output?.imports.filter((i) => i.kind === 'dynamic-import').length ?? 0
  let found = 0
  const code = readFileSync(file, 'utf8').replace(/\bimport\((?=")/g, () => {
    found++
    return '__impt('
  })
  if (found !== expected) throw new Error(`${file}: ${found} import("…") found, ${expected} expected: revisit importThroughLoader in scripts/bundle-cli.mjs`)
  // a new file renamed into place, never rewritten in place: a CLI started meanwhile reads the old
  // file or the new, and its code cache is named after that file's inode and times (bin/load-bundle.js)
  writeFileSync(`${file}.tmp`, code)
  renameSync(`${file}.tmp`, file)
}

// The TUI: one CommonJS file with ink, react, kysely and the screens, which `tui` loads with
// bin/load-bundle.js, with V8's code cache like the CLI. As tsc's ~60 modules plus ink's hundreds its
// first frame came 1-1.5 s after `halo-admin tui` started; as one ES module (no code cache for ES
// modules on Node 20) compiling it took ~110 ms and yoga's WebAssembly ~100 ms more (see yogaSync).
// React's production build: its development build checks every render, and nothing here reads its
// warnings. The database drivers stay packages, as in the CLI (better-sqlite3's JavaScript inlined
// the same way); what the source loads with `import()` initialises lazily: a SQLite TUI never loads pg.
// CommonJS cannot hold a top-level await, and ink and yoga-layout have one each (see below).
const TUI_OUT = join(ROOT, 'dist', 'tui')
rmSync(TUI_OUT, { recursive: true, force: true })
await loaderBundle(join(TUI_OUT, 'tui-worker.cjs'), {
  entryPoints: ['src/tui/tui-worker.ts'],
  external: ['pg', 'pg-native', 'better-sqlite3/package.json', 'bindings'],
  plugins: [inkWithoutDevtools, yogaSync, inlineBetterSqlite3],
  define: { 'process.env.NODE_ENV': '"production"', 'import.meta.url': '__fileUrl' },
})
