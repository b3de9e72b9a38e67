#!/usr/bin/env node
// `npm pack` and `npm publish` run this around packing (package.json's prepack and postpack), so the
// package a backend installs runs no install script, while `npm ci` in a clone still builds:
//
// - prepack: builds when dist/ is older than the sources (a clone packed without `npm run build`),
//   then takes `prepare` out of package.json. npm reads package.json after prepack, so the tarball's
//   has no `prepare`: npm 11 would otherwise list halo-admin among the packages whose install scripts
//   the backend must approve (`allowScripts`), and a git install would build it there;
// - postpack: puts package.json back exactly as it was (the bytes saved by prepack).
//
// husky's `pinst` does the same for `postinstall`. A pack that dies between the two leaves
// package.json without `prepare` (and its copy in node_modules/.cache): postpack, or `git checkout
// package.json`, restores it.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)))
const MANIFEST = join(ROOT, 'package.json')
const SAVED = join(ROOT, 'node_modules', '.cache', 'halo-admin-pack', 'package.json')

/** The newest modification time under `dir`. */
function newest(dir) {
  let t = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs)
  }
  return t
}

/** Whether dist/ holds a build at least as new as the sources (src, migrations, the build scripts). */
export function distIsCurrent() {
  const built = join(ROOT, 'dist', 'cjs', 'src', 'index.js')
  if (!existsSync(built) || !existsSync(join(ROOT, 'dist', 'tui', 'tui-worker.cjs'))) return false
  const sources = Math.max(newest(join(ROOT, 'src')), newest(join(ROOT, 'migrations')), newest(join(ROOT, 'scripts')))
  return statSync(built).mtimeMs >= sources
}

function prepack() {
  if (!distIsCurrent()) {
    console.error('dist/ is older than the sources: npm run build')
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', process.stderr, 'inherit'] })
  }
  const text = readFileSync(MANIFEST, 'utf8')
  const manifest = JSON.parse(text)
  if (manifest.scripts?.prepare === undefined) return
  mkdirSync(dirname(SAVED), { recursive: true })
  writeFileSync(SAVED, text)
  delete manifest.scripts.prepare
  writeFileSync(MANIFEST, `${JSON.stringify(manifest, null, 2)}\n`)
}

function postpack() {
  if (!existsSync(SAVED)) return
  writeFileSync(MANIFEST, readFileSync(SAVED))
  rmSync(SAVED)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const step = process.argv[2]
  if (step === 'prepack') prepack()
  else if (step === 'postpack') postpack()
  else {
    console.error('usage: node scripts/pack-manifest.mjs prepack|postpack')
    process.exit(2)
  }
}
