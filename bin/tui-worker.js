'use strict'
// The TUI's thread (src/tui/tui-host.ts starts it): ink, react and the screens, as `npm run build`
// bundles them (dist/tui/tui-worker.cjs), loaded with V8's code cache (load-bundle.js) while the
// CLI's thread answers keys on the first frame it drew.
const { join } = require('node:path')
require('./load-bundle.js')
  .loadBundle(join(__dirname, '..', 'dist', 'tui', 'tui-worker.cjs'))
  .serveTui()
