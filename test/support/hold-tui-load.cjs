'use strict'
// Preloaded into a halo-admin process by the TUI's terminal tests (NODE_OPTIONS="--require <this>"),
// in every thread: the TUI's bundle (dist/tui/*.cjs) is not opened until the file named by
// HALO_TEST_TUI_GATE exists. So a test holds the TUI "still loading" for as long as it likes and
// reads what the first frame does meanwhile, whichever thread loads the bundle: were it the CLI's
// own, that thread would stand still here and answer nothing.
const fs = require('node:fs')

const gate = process.env.HALO_TEST_TUI_GATE
if (gate) {
  const openSync = fs.openSync
  const cell = new Int32Array(new SharedArrayBuffer(4))
  fs.openSync = function heldOpenSync(path, ...rest) {
    if (typeof path === 'string' && /[\\/]dist[\\/]tui[\\/][^\\/]+\.cjs$/.test(path)) while (!fs.existsSync(gate)) Atomics.wait(cell, 0, 0, 20)
    return openSync.call(this, path, ...rest)
  }
}
