#!/usr/bin/env node
// The halo-admin CLI (src/cli/main.ts), as `npm run build` bundles it into one CommonJS file
// (scripts/bundle-cli.mjs). This file is CommonJS too (bin/package.json): an ES module entry would
// start Node's ES module loader for nothing.
'use strict'
require('../dist/cli/halo-admin.cjs').main(process.argv)
