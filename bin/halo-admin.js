#!/usr/bin/env node
// The halo-admin CLI. The code lives in dist/ (npm run build); see src/cli/main.ts.
import { main } from '../dist/src/cli/main.js'

await main(process.argv)
