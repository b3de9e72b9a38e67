#!/usr/bin/env node
// `npm run check:package`: packs halo-admin as `npm publish` would and checks the tarball, as kysely's
// `attw --pack .` does, before anyone installs it:
//
// - publint (--strict: its warnings fail too): package.json's exports, main, types and files agree
//   with what the tarball holds;
// - @arethetypeswrong/cli: `import` and `require` both resolve, with types, under TypeScript's
//   node10, node16 (from CommonJS and from ESM) and bundler resolution;
// - the tarball holds only what a user needs: every file matches SHIPPED below, and the entries
//   (bin, the library in both formats, the CLI and TUI bundles, the migrations) are there;
// - its package.json runs no install script and depends only on what the library loads (kysely, pg,
//   zod; better-sqlite3 optional): the CLI's and the TUI's packages are in their bundles.
//
// It packs the current dist/ (`npm run build` first: `npm ci` and `npm test` build; packing builds
// only when dist/ is older than the sources). `--keep <dir>` leaves the tarball in <dir>.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)))
const BIN = join(ROOT, 'node_modules', '.bin')

/** Every file the tarball may hold. */
const SHIPPED = [
  /^package\.json$/,
  /^README\.md$/,
  /^bin\/(halo-admin\.js|load-bundle\.js|tui-worker\.js|package\.json)$/,
  // the library: tsc's ES modules and declarations (no maps: they point at sources not shipped)
  /^dist\/(src|migrations)\/.+\.(js|d\.ts)$/,
  // the library's CommonJS build (scripts/build-cjs.mjs)
  /^dist\/cjs\/package\.json$/,
  /^dist\/cjs\/(src|migrations)\/.+\.(js|d\.ts)$/,
  // the CLI and TUI bundles, with the source maps `--debug` maps stacks with (positions only, no sources)
  /^dist\/cli\/halo-admin\.cjs(\.map)?$/,
  /^dist\/tui\/[\w-]+\.cjs(\.map)?$/,
]
/** What the packed package.json may depend on, and how. */
const DEPENDENCIES = { dependencies: ['kysely', 'pg', 'zod'], optionalDependencies: ['better-sqlite3'] }
/** Scripts npm runs when the package is installed (as a dependency, or from git). */
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepare', 'preprepare', 'postprepare']
/** Files without which the package does not work. */
const REQUIRED = [
  'bin/halo-admin.js',
  'bin/load-bundle.js',
  'dist/src/index.js',
  'dist/src/index.d.ts',
  'dist/cjs/src/index.js',
  'dist/cjs/src/index.d.ts',
  'dist/cjs/package.json',
  'dist/cli/halo-admin.cjs',
  'dist/tui/tui-worker.cjs',
  'bin/tui-worker.js',
  'dist/migrations/index.js',
  'dist/cjs/migrations/index.js',
]

const keep = process.argv.indexOf('--keep')
const dest = keep > 0 ? process.argv[keep + 1] : mkdtempSync(join(tmpdir(), 'halo-pack-'))
mkdirSync(dest, { recursive: true })
let failed = false
try {
  // with its scripts, as `npm publish` packs: prepack builds when dist/ is stale and takes `prepare` out
  // of the packed package.json (scripts/pack-manifest.mjs), postpack puts it back
  const [pack] = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', dest], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }),
  )
  const tarball = join(dest, pack.filename)
  const manifest = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }))
  const scripts = INSTALL_SCRIPTS.filter((s) => manifest.scripts?.[s] !== undefined)
  if (scripts.length > 0) {
    failed = true
    console.error(`the packed package.json has install scripts: ${scripts.join(', ')}`)
  }
  for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies']) {
    const got = Object.keys(manifest[field] ?? {}).sort()
    const want = DEPENDENCIES[field] ?? []
    if (JSON.stringify(got) !== JSON.stringify(want)) {
      failed = true
      console.error(`the packed package.json's ${field}: ${got.join(', ') || 'none'}; expected ${want.join(', ') || 'none'}`)
    }
  }
  const files = pack.files.map((f) => f.path)
  const stray = files.filter((f) => !SHIPPED.some((re) => re.test(f)))
  const missing = REQUIRED.filter((f) => !files.includes(f))
  console.log(`${pack.filename}: ${files.length} files, ${kb(pack.size)} packed, ${kb(pack.unpackedSize)} unpacked`)
  if (stray.length > 0) {
    failed = true
    console.error(`not for users, yet in the tarball (package.json "files"):\n  ${stray.join('\n  ')}`)
  }
  if (missing.length > 0) {
    failed = true
    console.error(`missing from the tarball:\n  ${missing.join('\n  ')}`)
  }
  for (const [tool, args] of [
    ['publint', ['--strict', tarball]],
    ['attw', [tarball, '--format', 'table-flipped']],
  ]) {
    console.log(`::: ${tool} ${args.join(' ')}`)
    try {
      execFileSync(join(BIN, tool), args, { cwd: ROOT, stdio: 'inherit' })
    } catch {
      failed = true
    }
  }
  if (keep > 0) console.log(tarball)
} finally {
  if (keep < 0) rmSync(dest, { recursive: true, force: true })
}
if (failed) {
  console.error('check:package failed')
  process.exitCode = 1
}

function kb(bytes) {
  return `${(bytes / 1024).toFixed(0)} kB`
}
