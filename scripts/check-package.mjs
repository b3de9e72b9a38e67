#!/usr/bin/env node
// `npm run check:package`: packs halo-admin as `npm publish` would and checks the tarball, as kysely's
// `attw --pack .` does, before anyone installs it:
//
// - publint (--strict: its warnings fail too): package.json's exports, main, types and files agree
//   with what the tarball holds;
// - @arethetypeswrong/cli: `import` and `require` both resolve, with types, under TypeScript's
//   node10, node16 (from CommonJS and from ESM) and bundler resolution;
// - the tarball holds only what a user needs: every file matches SHIPPED below, and the entries
//   (bin, the library in both formats, the CLI and TUI bundles, the migrations) are there.
//
// It packs the current dist/ (`npm run build` first: `npm ci` and `npm test` build; this script
// builds only when dist/ is older than the sources). `--keep <dir>` leaves the tarball in <dir>.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)))
const BIN = join(ROOT, 'node_modules', '.bin')

/** Every file the tarball may hold. */
const SHIPPED = [
  /^package\.json$/,
  /^README\.md$/,
  /^bin\/(halo-admin\.js|load-bundle\.js|package\.json)$/,
  // the library: tsc's ES modules and declarations (no maps: they point at sources not shipped)
  /^dist\/(src|migrations)\/.+\.(js|d\.ts)$/,
  // the library's CommonJS build (scripts/build-cjs.mjs)
  /^dist\/cjs\/package\.json$/,
  /^dist\/cjs\/(src|migrations)\/.+\.(js|d\.ts)$/,
  // the CLI and TUI bundles, with the source maps `--debug` uses
  /^dist\/cli\/halo-admin\.cjs(\.map)?$/,
  /^dist\/tui\/[\w-]+\.cjs(\.map)?$/,
]
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
  'dist/tui/run-tui-on.cjs',
  'dist/migrations/index.js',
  'dist/cjs/migrations/index.js',
]

function newest(dir) {
  let t = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs)
  }
  return t
}

const built = join(ROOT, 'dist', 'cjs', 'src', 'index.js')
if (!existsSync(built) || statSync(built).mtimeMs < Math.max(newest(join(ROOT, 'src')), newest(join(ROOT, 'migrations')))) {
  console.log('dist/ is older than the sources: npm run build')
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' })
}

const keep = process.argv.indexOf('--keep')
const dest = keep > 0 ? process.argv[keep + 1] : mkdtempSync(join(tmpdir(), 'halo-pack-'))
mkdirSync(dest, { recursive: true })
let failed = false
try {
  // --ignore-scripts: `prepare` would build again; dist/ is current (above)
  const [pack] = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dest], { cwd: ROOT, encoding: 'utf8' }))
  const tarball = join(dest, pack.filename)
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
