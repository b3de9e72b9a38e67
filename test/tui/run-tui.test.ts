import { existsSync } from 'node:fs'
import { describe, expect, it, onTestFinished } from 'vitest'
import { HaloError } from '../../src/index.js'
import { runTui } from '../../src/tui/run-tui.js'
import { cli, cliOn, tempDb } from '../cli/support/cli.js'
import { setup } from '../support/engines.js'

describe('runTui', () => {
  it('refuses without a terminal, with INVALID_INPUT and one line, changing nothing', async () => {
    const t = await setup('sqlite')
    onTestFinished(t.cleanup)
    expect(process.stdin.isTTY).not.toBe(true)
    const err = await runTui({ handle: t.handle, actor: 'ops', clock: t.clock }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(HaloError)
    expect(err).toMatchObject({ code: 'INVALID_INPUT', message: 'the TUI needs a terminal (stdin and stdout must be a TTY)' })
    expect(await t.config.history()).toHaveLength(0)
  })
})

describe('halo-admin tui without a terminal', () => {
  it('says so in one line, exit 2, before any thread starts, and the database is as it was', async () => {
    const db = tempDb()
    expect((await cliOn(db, ['db', 'migrate'])).code).toBe(0)
    const run = await cliOn(db, ['tui', '--screen', 'sessions'])
    expect(run).toMatchObject({ code: 2, stdout: '', stderr: 'error INVALID_INPUT: the TUI needs a terminal (stdin and stdout must be a TTY)\n' })
    expect((await cliOn(db, ['flag', 'history', '--json'])).stdout.trim()).toBe('[]')
    // and on a database that is not there: that is said first, and nothing is created
    const missing = `${db}.nowhere`
    const gone = await cli(['--db', missing, 'tui'])
    expect(gone.code).toBe(3)
    expect(gone.stderr).toMatch(/^error DATABASE_NOT_FOUND: [^\n]+\n$/)
    expect(existsSync(missing)).toBe(false)
  })
})
