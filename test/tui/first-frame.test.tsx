/**
 * The CLI draws the TUI's first frame before ink has loaded (src/tui/first-frame.ts) and the TUI
 * then draws its own over it, from the same data: the two must read the same, line for line, or
 * the screen jumps as the TUI takes over. Both are drawn here for the same data and compared; the
 * timing is bench/tui-start.mjs. The TUI then takes the keys its first screenful answers exactly
 * while it reads the rest of the list (bench/tui-idle.mjs).
 */
import { act } from 'react'
import { render } from 'ink-testing-library'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createLiveSessions } from '../../src/closure/live-sessions.js'
import { newestAuditId } from '../../src/config/config-repository.js'
import fc from 'fast-check'
import { answerEarly } from '../../src/tui/early-keys.js'
import { firstFrameText, HEAD_ROWS, NEWEST, type FirstFrameState } from '../../src/tui/first-frame.js'
import { sessionListHeight } from '../../src/tui/layout.js'
import { App, type ScreenId } from '../../src/tui/app.js'
import { primedMemory } from '../../src/tui/run-tui.js'
import { ServicesProvider, servicesFor, type TuiServices } from '../../src/tui/services-context.js'
import { ENGINES, setup, type Setup } from '../support/engines.js'
import { sleep } from '../support/time.js'
import { KEY } from './render-tui.js'
import { defaultFlags } from '../../src/config/flag-registry.js'
import { displayWidth } from '../../src/present/width.js'

;(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true

async function world(sessions: number, engine: (typeof ENGINES)[number] = 'sqlite') {
  const t = await setup(engine)
  onTestFinished(t.cleanup)
  for (let i = 0; i < sessions; i++)
    await t.closures.openSession({ customerId: `c-${i}`, mitraId: `m-${i % 7}`, durationMinutes: 20 + i, status: i % 5 === 0 ? 'extending' : 'active' })
  return t
}

/** The frame the CLI draws for `first` on `t`'s database, as operator ops-ana, without colour. */
function cliFrame(t: Setup, first: FirstFrameState, columns: number, rows: number): string {
  return firstFrameText({
    ...first,
    database: { engine: t.handle.engineName, target: t.handle.target },
    actor: 'ops-ana',
    now: t.clock.now(),
    columns,
    rows,
    color: false,
  })
}

/**
 * The TUI's services on `t`, with the reads that would change the first frame once they land held
 * forever: the rest of the live sessions, and the Flags screen's rollout and guard panel.
 */
function heldServices(t: Setup): TuiServices {
  const services = servicesFor(t.handle, { actor: 'ops-ana', clock: t.clock, refreshMs: 3_600_000 })
  const never = () => new Promise<never>(() => {})
  return {
    ...services,
    live: { ...services.live, snapshot: never },
    rollout: { ...services.rollout, standing: never },
    guard: { ...services.guard, status: never },
  }
}

/** The TUI's first frame (before anything else is read) when it starts from `first`'s data, as ink draws it. */
async function inkFirstFrame(t: Setup, first: FirstFrameState, columns: number, rows: number): Promise<string> {
  const services = heldServices(t)
  const memory = primedMemory(first)
  let instance!: ReturnType<typeof render>
  await act(async () => {
    instance = render(
      <ServicesProvider services={services}>
        <App initialScreen={first.screen} memory={memory} />
      </ServicesProvider>,
    )
  })
  await act(async () => {
    Object.defineProperty(instance.stdout, 'columns', { value: columns, configurable: true })
    Object.defineProperty(instance.stdout, 'rows', { value: rows, configurable: true })
    instance.stdout.emit('resize')
    await sleep(10)
  })
  const frame = instance.lastFrame() ?? ''
  instance.unmount()
  return frame
}

/** The TUI on Sesi Aktif, started from `first` as the CLI hands it over, over `services`. */
async function started(services: TuiServices, first: FirstFrameState) {
  let instance!: ReturnType<typeof render>
  await act(async () => {
    instance = render(
      <ServicesProvider services={services}>
        <App initialScreen={first.screen} memory={primedMemory(first)} />
      </ServicesProvider>,
    )
  })
  onTestFinished(() => instance.unmount())
  const frame = () => instance.lastFrame() ?? ''
  const press = async (key: string) => {
    await act(async () => {
      instance.stdin.write(key)
      await sleep(30)
    })
  }
  return { frame, press }
}

const cursorOn = (frame: string) => Number(/^› #(\d+)/m.exec(frame)?.[1] ?? NaN)

const lines = (frame: string) => frame.split('\n').map((l) => l.trimEnd())

describe("the CLI's first frame of the TUI", () => {
  for (const [screen, akhiri, columns, rows] of [
    ['sessions', false, 100, 30],
    ['sessions', true, 100, 30],
    ['sessions', true, 80, 24],
    ['sessions', false, 132, 40],
    ['flags', false, 100, 30],
    ['flags', true, 80, 24],
    ['flags', false, 132, 40],
    ['reviews', false, 80, 24],
  ] as const) {
    it(`reads as the TUI's own first frame: ${screen}, Akhiri ${akhiri ? 'on' : 'off'}, ${columns}x${rows}`, async () => {
      const t = await world(40)
      await t.config.set('early_end_mitra_enabled', akhiri, { actor: 'ops-test' })
      const first = {
        screen: screen as ScreenId,
        flags: await t.config.all(),
        head: screen === 'sessions' ? await createLiveSessions(t.handle).head(HEAD_ROWS) : undefined,
        flagList: screen === 'flags' ? await t.config.list() : undefined,
      }
      const ours = cliFrame(t, first, columns, rows)
      const ink = await inkFirstFrame(t, first, columns, rows)
      if (screen !== 'reviews') {
        expect(ink).toContain(screen === 'sessions' ? '40 live sessions' : 'set by ops-test at')
        expect(lines(ours)).toEqual(lines(ink))
      } else {
        // other screens: the shell alone (header and footer) before the TUI loads their data
        const [inkLines, ourLines] = [lines(ink), lines(ours)]
        expect(ourLines.slice(0, 2)).toEqual(inkLines.slice(0, 2))
        expect(ourLines.at(-1)).toBe(inkLines.at(-1))
        expect(ourLines).toHaveLength(inkLines.length)
      }
    })
  }

  it('answers a cursor key while the rest of the list is read; End, which needs the whole list, waits for it', async () => {
    const t = await world(HEAD_ROWS + 20)
    const services = servicesFor(t.handle, { actor: 'ops-ana', clock: t.clock, refreshMs: 3_600_000 })
    const head = await createLiveSessions(t.handle).head(HEAD_ROWS)
    let release!: () => void
    const later = new Promise<void>((resolve) => (release = resolve))
    const live = { ...services.live, snapshot: async () => (await later, services.live.snapshot()) }
    const tui = await started({ ...services, live }, { screen: 'sessions', flags: await t.config.all(), head })
    const [newest, second] = head.sessions
    expect(cursorOn(tui.frame())).toBe(newest!.id)
    // a drawn screen takes keys: ↓ moves at once, within the first screenful
    await tui.press(KEY.down)
    expect(cursorOn(tui.frame())).toBe(second!.id)
    // End would land on the last of the first screenful, not of the list: it waits
    await tui.press('G')
    expect(cursorOn(tui.frame())).toBe(second!.id)
    release()
    await act(async () => {
      await sleep(200)
    })
    // then it reaches the oldest live session
    const all = await services.live.snapshot()
    expect(cursorOn(tui.frame())).toBe(all.sessions[0]!.id)
  })

  it("reads as the TUI's own first frame with no live session", async () => {
    const t = await world(0)
    const first = { screen: 'sessions' as const, flags: await t.config.all(), head: await createLiveSessions(t.handle).head(HEAD_ROWS) }
    const ink = await inkFirstFrame(t, first, 100, 30)
    expect(ink).toContain('No live sessions')
    expect(lines(cliFrame(t, first, 100, 30))).toEqual(lines(ink))
  })

  for (const screen of ['sessions', 'flags'] as const)
    it(`answers keys as the TUI's list does (${screen}): its frame after them reads as the TUI's started from its cursor, and as the TUI's given the same keys`, async () => {
      const t = await world(HEAD_ROWS + 20)
      await t.config.set('early_end_mitra_enabled', true, { actor: 'ops-test' })
      const services = heldServices(t)
      const flags = await t.config.all()
      const head = screen === 'sessions' ? await createLiveSessions(t.handle).head(HEAD_ROWS) : undefined
      const flagList = screen === 'flags' ? await t.config.list() : undefined
      // ink-testing-library's terminal: 100 columns, and no rows (the TUI then takes 24)
      const [columns, rows] = [100, 24]
      const list =
        head !== undefined
          ? { rows: head.sessions.length, complete: false, height: sessionListHeight(rows) }
          : { rows: flagList!.length, complete: true, height: flagList!.length }
      const moves = [KEY.down, KEY.up, 'j', 'k', '\x1b[6~', '\x1b[5~', 'g', '\x1b[H', '\x1bOB', ...(screen === 'flags' ? ['G', '\x1b[F'] : [])]
      await fc.assert(
        fc.asyncProperty(fc.array(fc.constantFrom(...moves), { maxLength: 14 }), async (keys) => {
          const early = answerEarly(keys.join(''), NEWEST, list)
          expect(early.rest).toBe('')
          const first = { screen, flags, head, flagList, place: early.place }
          const ours = lines(cliFrame(t, first, columns, rows))
          // the TUI handed the frame's cursor draws what the frame drew
          const handed = await started(services, first)
          expect(lines(handed.frame())).toEqual(ours)
          // and the TUI that took the same keys itself (from the first row) is where the frame is
          const typed = await started(services, { screen, flags, head, flagList })
          for (const key of keys) await typed.press(key)
          expect(lines(typed.frame())).toEqual(ours)
        }),
        { numRuns: screen === 'flags' ? 8 : 12 },
      )
    })

  it('fits its columns when the path and the operator hold wide characters and emoji: none cut in half', () => {
    const frame = firstFrameText({
      screen: 'flags',
      flags: defaultFlags(),
      head: undefined,
      database: { engine: 'sqlite', target: `/data/${'会话数据库'.repeat(12)}/🙂halo.db` },
      actor: '运营-阿娜',
      now: new Date('2026-11-24T03:00:00Z'),
      columns: 80,
      rows: 24,
      color: false,
    })
    for (const line of frame.split('\n')) {
      expect(displayWidth(line), line).toBeLessThanOrEqual(80)
      // no half of a surrogate pair: no character cut in half
      expect(line, line).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/)
    }
    expect(frame.split('\n')[1]).toContain('🙂halo.db · operator 运营-阿娜')
  })

  for (const engine of ENGINES)
    it(`reads the newest flag change's id as a number, 0 on an empty trail (${engine})`, async () => {
      const t = await setup(engine)
      onTestFinished(t.cleanup)
      expect(await newestAuditId(t.handle)).toBe(0)
      await t.config.set('early_end_mitra_daily_cap', 4, { actor: 'ops-a' })
      await t.config.set('early_end_mitra_daily_cap', 5, { actor: 'ops-b' })
      const [newest] = await t.config.history(undefined, 1)
      expect(await newestAuditId(t.handle)).toBe(Number(newest!.id))
    })

  for (const engine of ENGINES)
    it(`reads the first screenful and the count without the rest: the head of the live sessions (${engine})`, async () => {
      const t = await world(12, engine)
      const s = (await createLiveSessions(t.handle).snapshot()).sessions.at(-1)
      // the newest session is no longer live: the head starts below it
      await t.handle.write((trx) => trx.updateTable('sessions').set({ status: 'closed' }).where('id', '=', s!.id).execute())
      const head = await createLiveSessions(t.handle).head(5)
      const all = await createLiveSessions(t.handle).snapshot()
      expect(head.total).toBe(all.sessions.length)
      // newest first, as the list shows them
      expect(head.sessions).toEqual(all.sessions.slice(-5).reverse())
      expect(await createLiveSessions(t.handle).head(100)).toEqual({ sessions: [...all.sessions].reverse(), total: all.sessions.length })
    })
})
