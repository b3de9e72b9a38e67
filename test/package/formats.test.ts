import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { ensureBuilt } from '../support/fixtures.js'

const WORKER = fileURLToPath(new URL('./workers/both-formats.mjs', import.meta.url))
const NESTED = fileURLToPath(new URL('./workers/nested-writes.mjs', import.meta.url))

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

  it('fails a write nested across the two copies at once, and one from an earlier callback after the busy timeout', () => {
    const dir = mkdtempSync(join(tmpdir(), 'halo-formats-'))
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    const out = JSON.parse(execFileSync(process.execPath, [NESTED, join(dir, 'halo.db')], { encoding: 'utf8', timeout: 60_000 }))
    // one copy's write inside the other's: the inner one is refused at once, the outer one commits
    for (const c of [out.esmInCjs, out.cjsInEsm]) {
      expect(c).toMatchObject({ outer: 'ok', inner: 'DB_ERROR' })
      expect(c.ms).toBeLessThan(500)
    }
    expect(out.sameHandle).toMatchObject({ outer: 'ok', inner: 'ok' })
    // started outside the outer write, it cannot be told from a write that merely comes next: it waits
    // the busy timeout (800 ms here; 5 s by default), as for another process's lock, then DB_ERROR
    for (const c of [out.startedBeforeSameCopy, out.startedBeforeOtherCopy]) {
      expect(c).toMatchObject({ outer: 'ok', inner: 'DB_ERROR' })
      expect(c.ms).toBeGreaterThanOrEqual(750)
      expect(c.ms).toBeLessThan(5000)
    }
    // a long queue is no deadlock: it waits as long as writes finish, here 2 s against an 800 ms timeout
    expect(out.longQueue.writes).toEqual(Array(20).fill('ok'))
    expect(out.longQueue.ms).toBeGreaterThan(1600)
    expect(out.after).toEqual(['ok', 'ok'])
  })
})
