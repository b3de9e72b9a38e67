/**
 * better-sqlite3 without its native module (installed with --ignore-scripts, or built for another
 * Node.js): opening a SQLite file says so in one line and names the command that builds it, instead
 * of "database unavailable" and the dozen paths the binding loader tried.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished, vi } from 'vitest'
import { openDatabase } from '../../src/index.js'
import { expectOneLineDbError } from '../support/fixtures.js'

const loader = vi.hoisted(() => ({ failure: '' }))

vi.mock('better-sqlite3', () => ({
  default: class {
    constructor() {
      throw new Error(loader.failure)
    }
  },
}))

const BINDINGS =
  'Could not locate the bindings file. Tried:\n → /app/node_modules/better-sqlite3/build/better_sqlite3.node\n → /app/node_modules/better-sqlite3/build/Debug/better_sqlite3.node'
const VERSION =
  "The module '/app/node_modules/better-sqlite3/build/Release/better_sqlite3.node'\nwas compiled against a different Node.js version using\nNODE_MODULE_VERSION 115. This version of Node.js requires\nNODE_MODULE_VERSION 127. Please try re-compiling or re-installing\nthe module (for instance, using `npm rebuild` or `npm install`)."

describe('SQLite without better-sqlite3 built for this Node.js', () => {
  it.each([
    ['never built (npm ci --ignore-scripts)', BINDINGS],
    ['built for another Node.js', VERSION],
  ])('%s: DB_ERROR in one line that says to run npm rebuild better-sqlite3', async (_case, failure) => {
    loader.failure = failure
    const dir = mkdtempSync(join(tmpdir(), 'halo-native-'))
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    const e = expectOneLineDbError(await openDatabase(join(dir, 'halo.db')).catch((err: unknown) => err))
    expect(e.message).toBe(
      `cannot open database ${join(dir, 'halo.db')}: better-sqlite3's native module is not built for this Node.js (${process.version}): run \`npm rebuild better-sqlite3\``,
    )
  })
})
