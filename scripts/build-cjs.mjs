#!/usr/bin/env node
// The library's CommonJS build, dist/cjs, after tsc has built dist/src: `npm run build` runs both.
// `require('halo-admin')` loads it; `import` loads tsc's ES modules (package.json "exports").
//
// Why a CommonJS build, when Node >= 20.19 can require() an ES module: the backend this library
// lives in is a NestJS or express app, compiled to CommonJS and tested with Jest, whose module
// loader does not do require(esm); TypeScript with `module: node16` refuses to require an ES
// module; and attw (npm run check:package) reports "ESM (dynamic import only)" for CommonJS
// consumers without it. Measured on Node 20.20: `require('halo-admin')` through require(esm) and
// through this build cost the same to within noise (see the README, "Installing it in a backend").
//
// How: every module src/index.ts reaches (esbuild's metafile says which; never src/cli, src/tui
// or src/present) is transformed on its own, one .js per .ts as tsc lays them out, to CommonJS,
// with `import()` turned into `require` (so the lazily loaded kysely and engine modules are the
// CommonJS ones too: one kysely per process, as in the CLI bundle). A package.json with
// "type": "commonjs" marks the folder, and tsc's declarations are copied beside the code: they are
// the same for both formats, and TypeScript reads them as CommonJS there.
import { build } from 'esbuild'
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)))
const OUT = join(ROOT, 'dist', 'cjs')

/** The library's own modules, from its entry, as paths relative to the root. */
async function libraryModules() {
  const r = await build({
    absWorkingDir: ROOT,
    entryPoints: ['src/index.ts'],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'silent',
  })
  const inputs = Object.keys(r.metafile.inputs).filter((p) => /^(src|migrations)\/.*\.ts$/.test(p))
  const faces = inputs.filter((p) => /^src\/(cli|tui|present)\//.test(p))
  if (faces.length > 0) throw new Error(`the library reaches the faces: ${faces.join(', ')}`)
  return inputs.sort()
}

const modules = await libraryModules()
rmSync(OUT, { recursive: true, force: true })
await build({
  absWorkingDir: ROOT,
  entryPoints: modules,
  outdir: OUT,
  outbase: '.',
  bundle: false,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // `await import('kysely')` becomes `Promise.resolve().then(() => require('kysely'))`
  supported: { 'dynamic-import': false },
  tsconfig: 'tsconfig.build.json',
  logLevel: 'warning',
})
writeFileSync(join(OUT, 'package.json'), '{ "type": "commonjs" }\n')
// Every declaration, not only those of the modules above: type-only modules (src/store/schema.ts)
// have no code, but their declarations are imported by the others'.
const declarations = readdirSync(join(ROOT, 'dist'), { recursive: true, encoding: 'utf8' })
  .filter((p) => p.endsWith('.d.ts') && /^(src|migrations)\//.test(p) && !/^src\/(cli|tui|present)\//.test(p))
  .sort()
if (!declarations.includes('src/index.d.ts')) throw new Error('dist/src/index.d.ts is missing: run tsc -p tsconfig.build.json first')
for (const dts of declarations) {
  mkdirSync(dirname(join(OUT, dts)), { recursive: true })
  copyFileSync(join(ROOT, 'dist', dts), join(OUT, dts))
}
