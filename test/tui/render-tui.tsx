/** Renders the TUI over real services inside act(), and waits for what a person would read. */
import { act } from 'react'
import { render } from 'ink-testing-library'
import { expect } from 'vitest'
import { App, type ScreenId } from '../../src/tui/app.js'
import { ServicesProvider, servicesFor } from '../../src/tui/services-context.js'
import type { Setup } from '../support/engines.js'
import { sleep } from '../support/time.js'

;(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true

export const KEY = { enter: '\r', esc: '\x1b', right: '\x1b[C', left: '\x1b[D', up: '\x1b[A', down: '\x1b[B', tab: '\t', backspace: '\x7f' } as const

export interface RenderedTui {
  frame(): string
  /** Types keys one at a time, as a person would. */
  press(...keys: string[]): Promise<void>
  /** Keys typed faster than the screen redraws: all in one go, as a quick typist or a paste sends them. */
  burst(...keys: string[]): Promise<void>
  /** Waits until the frame satisfies `test` (polling inside act), else fails with the last frame. */
  waitFor(test: string | RegExp | ((frame: string) => boolean), timeoutMs?: number): Promise<string>
  quit: { called: boolean }
  /** Gives the terminal a new size, as a window resize does. */
  resize(columns: number, rows: number): Promise<void>
  unmount(): Promise<void>
}

/** ink-testing-library's stdout is 100 columns and has no rows (the TUI then assumes 24). */
async function resize(instance: ReturnType<typeof render>, columns: number, rows: number) {
  await act(async () => {
    Object.defineProperty(instance.stdout, 'columns', { value: columns, configurable: true })
    Object.defineProperty(instance.stdout, 'rows', { value: rows, configurable: true })
    instance.stdout.emit('resize')
    await sleep(15)
  })
}

export async function renderTui(
  t: Setup,
  options: { screen?: ScreenId; actor?: string; refreshMs?: number; handle?: Setup['handle']; noticeMs?: number; columns?: number; rows?: number } = {},
): Promise<RenderedTui> {
  const services = servicesFor(options.handle ?? t.handle, { actor: options.actor ?? 'ops-ana', clock: t.clock, refreshMs: options.refreshMs ?? 100 })
  const quit = { called: false }
  let instance!: ReturnType<typeof render>
  await act(async () => {
    instance = render(
      <ServicesProvider services={services}>
        <App initialScreen={options.screen ?? 'flags'} onQuit={() => (quit.called = true)} noticeMs={options.noticeMs} />
      </ServicesProvider>,
    )
  })
  if (options.columns !== undefined || options.rows !== undefined) await resize(instance, options.columns ?? 100, options.rows ?? 24)
  const frame = () => instance.lastFrame() ?? ''
  return {
    frame,
    quit,
    async press(...keys) {
      for (const k of keys) {
        await act(async () => {
          instance.stdin.write(k)
          await sleep(15)
        })
      }
    },
    async burst(...keys) {
      await act(async () => {
        for (const k of keys) instance.stdin.write(k)
        await sleep(15)
      })
    },
    async waitFor(test, timeoutMs = 5000) {
      const ok = typeof test === 'function' ? test : (f: string) => (typeof test === 'string' ? f.includes(test) : test.test(f))
      const until = Date.now() + timeoutMs
      for (;;) {
        if (ok(frame())) return frame()
        if (Date.now() > until) {
          expect(frame(), `waited ${timeoutMs} ms for ${String(test)}`).toSatisfy(ok)
          return frame()
        }
        await act(async () => {
          await sleep(20)
        })
      }
    },
    resize: (columns, rows) => resize(instance, columns, rows),
    async unmount() {
      await act(async () => {
        instance.unmount()
      })
    },
  }
}
