import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { ensureBuilt } from '../support/fixtures.js'

const WORKER = fileURLToPath(new URL('./workers/both-formats.mjs', import.meta.url))

describe('halo-admin as ES modules and as CommonJS in one process', () => {
  beforeAll(() => void ensureBuilt(), 120_000)

  it('gives require() the same exports as import, one HaloError type, and one writer queue per SQLite file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'halo-formats-'))
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    const out = JSON.parse(execFileSync(process.execPath, [WORKER, join(dir, 'halo.db')], { encoding: 'utf8', timeout: 60_000 }))
    expect(out.cjsExports).toEqual(out.esmExports)
    expect(out.esmExports).toContain('handleEndSessionRequest')
    expect(out.crossInstance).toEqual({ code: 'EARLY_END_DISABLED', esm: true, cjs: true })
    // two copies of the SQLite engine, each with a queue of its own, would block the thread on the
    // file's lock: DB_ERROR (busy) after 5 s each, a minute for the lot
    expect(out.writes).toEqual(Array(20).fill('ok'))
    expect(out.ms).toBeLessThan(5000)
  })
})
