#!/usr/bin/env node
// The halo-admin CLI (src/cli/main.ts), as `npm run build` bundles it into dist/cli (scripts/bundle-cli.mjs).
import { main } from '../dist/cli/main.js'

await main(process.argv)
