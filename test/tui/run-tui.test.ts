import { describe, expect, it, onTestFinished } from 'vitest'
import { HaloError } from '../../src/index.js'
import { runTui } from '../../src/tui/run-tui.js'
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
