#!/usr/bin/env node
// The halo-admin CLI (src/cli/main.ts), as `npm run build` bundles it into one CommonJS file
// (scripts/bundle-cli.mjs), loaded with V8's code cache (load-bundle.js). This file is CommonJS too
// (bin/package.json): an ES module entry would start Node's ES module loader for nothing.
'use strict'
const { join } = require('node:path')
require('./load-bundle.js')
  .loadBundle(join(__dirname, '..', 'dist', 'cli', 'halo-admin.cjs'))
  .main(process.argv, { ownProcess: true })
