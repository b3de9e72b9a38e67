#!/usr/bin/env node
// Bundles the CLI's own code (src/cli and the library modules it loads) into dist/cli with
// esbuild, after tsc has built dist/src: `npm run build` runs both. Why: start-up is part of
// the product, and loading ~50 small ES modules one by one was a large share of
// `halo-admin flag get` (bench/cold-start.mjs). Packages stay external (node_modules as
// installed) and code splitting keeps every `await import()` a separate chunk, so the TUI,
// prompts, kysely and zod still load only when a command needs them. The library entry
// (dist/src/index.js, `import … from 'halo-admin'`) is tsc's output, not bundled.
// bin/halo-admin.js runs the bundle when it is at least as new as tsc's CLI output.
import { build } from 'esbuild'
import { rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)))
const OUT = join(ROOT, 'dist', 'cli')

rmSync(OUT, { recursive: true, force: true })
await build({
  absWorkingDir: ROOT,
  entryPoints: { main: 'src/cli/main.ts' },
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  tsconfig: 'tsconfig.build.json',
  sourcemap: true,
  logLevel: 'warning',
})
