#!/usr/bin/env node
// The halo-admin CLI (src/cli/main.ts). `npm run build` compiles it with tsc into dist/src and
// bundles it into dist/cli (scripts/bundle-cli.mjs), which starts faster. A tsc run after the
// bundle (the test helpers rebuild with tsc alone) leaves the bundle stale: tsc's output runs then.
import { statSync } from 'node:fs'

const mtime = (path) => {
  try {
    return statSync(new URL(path, import.meta.url)).mtimeMs
  } catch {
    return -1
  }
}
const bundle = mtime('../dist/cli/main.js') >= mtime('../dist/src/cli/main.js')
const { main } = await import(bundle ? '../dist/cli/main.js' : '../dist/src/cli/main.js')

await main(process.argv)
