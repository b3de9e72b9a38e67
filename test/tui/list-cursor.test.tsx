import { act, useEffect } from 'react'
import { describe, expect, it } from 'vitest'
import { Text, type Key as InkKey } from 'ink'
import { render } from 'ink-testing-library'
import { keysOf } from '../../src/tui/keys.js'
import { KeyRouter, useKeys } from '../../src/tui/key-router.js'
import { ScreenMemory } from '../../src/tui/screen-memory.js'
import { useListCursor } from '../../src/tui/use-list-cursor.js'
import { applyChanges, hasSession } from '../../src/tui/use-live-sessions.js'
import type { Session } from '../../src/index.js'

;(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

interface Row {
  readonly id: number
  readonly name: string
}

/** A list of rows through the hook, drawn as `› #id` for the cursor row; `lost` ids are collected. */
function List({ rows, height, lost }: { rows: Row[]; height: number; lost: number[] }) {
  const cursor = useListCursor(rows, (r) => r.id, { height, memory: 'test' })
  useEffect(() => {
    if (cursor.lost !== null) lost.push(cursor.lost)
  }, [cursor.lost, lost])
  useKeys((key) => (cursor.onKey(key) ? 'handled' : 'ignored'))
  return <Text>{cursor.visible.map((r, i) => `${cursor.top + i === cursor.index ? '›' : ' '} #${r.id}`).join('\n')}</Text>
}

/** The list (or, with `away`, another screen) inside the providers the TUI gives it. */
const tree = (rows: Row[], height: number, lost: number[], away = false) => (
  <ScreenMemory>
    <KeyRouter>{away ? <Text>away</Text> : <List rows={rows} height={height} lost={lost} />}</KeyRouter>
  </ScreenMemory>
)

async function mount(initial: Row[], height = 5) {
  const lost: number[] = []
  let r!: ReturnType<typeof render>
  await act(async () => {
    r = render(tree(initial, height, lost))
    await sleep(10)
  })
  return {
    lost,
    cursor: () => Number(/^› #(\d+)/m.exec(r.lastFrame() ?? '')?.[1] ?? NaN),
    frame: () => r.lastFrame() ?? '',
    async keys(...chunks: string[]) {
      await act(async () => {
        for (const c of chunks) r.stdin.write(c)
        await sleep(30)
      })
    },
    async rows(next: Row[], away = false) {
      await act(async () => {
        r.rerender(tree(next, height, lost, away))
        await sleep(10)
      })
    },
  }
}

const rows = (...ids: number[]) => ids.map((id) => ({ id, name: `r${id}` }))

describe('useListCursor', () => {
  it('starts on the first row and moves with j k ↑ ↓ PgUp PgDn g G, within the rows', async () => {
    const l = await mount(rows(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 3)
    expect(l.cursor()).toBe(1)
    await l.keys('k')
    expect(l.cursor()).toBe(1)
    await l.keys('j', '\x1b[B')
    expect(l.cursor()).toBe(3)
    await l.keys('\x1b[6~')
    expect(l.cursor()).toBe(6)
    await l.keys('G')
    expect(l.cursor()).toBe(10)
    expect(l.frame()).toBe('  #8\n  #9\n› #10')
    await l.keys('\x1b[5~', '\x1b[A')
    expect(l.cursor()).toBe(6)
    await l.keys('g')
    expect(l.cursor()).toBe(1)
  })

  it('counts every key typed at once: "jjjj" moves four rows', async () => {
    const l = await mount(rows(1, 2, 3, 4, 5, 6, 7, 8, 9, 10))
    await l.keys('jjjj')
    expect(l.cursor()).toBe(5)
    await l.keys('jj', 'j', 'kjjjjjjjjjjjjjjjj')
    expect(l.cursor()).toBe(10)
  })

  it('stays on its row by id when rows come and go above it, and scrolls to keep it in view', async () => {
    const l = await mount(rows(1, 2, 3, 4, 5, 6, 7, 8))
    await l.keys('jjjj')
    expect(l.cursor()).toBe(5)
    await l.rows(rows(2, 4, 5, 6, 7, 8))
    expect(l.cursor()).toBe(5)
    await l.rows(rows(0, 1, 2, 3, 4, 5, 6, 7, 8))
    expect(l.cursor()).toBe(5)
    expect(l.lost).toEqual([])
  })

  it('moves to the row that followed when its own goes, and reports the lost id once', async () => {
    const l = await mount(rows(1, 2, 3, 4, 5))
    await l.keys('jj')
    await l.rows(rows(1, 2, 4, 5))
    expect(l.cursor()).toBe(4)
    expect(l.lost).toEqual([3])
    // the last row goes: the one before it
    await l.keys('G')
    await l.rows(rows(1, 2, 4))
    expect(l.cursor()).toBe(4)
    await l.rows(rows(1, 2))
    expect(l.cursor()).toBe(2)
    expect(l.lost).toEqual([3, 5, 4])
  })

  it('remembers its cursor while unmounted (another screen shown)', async () => {
    const l = await mount(rows(1, 2, 3, 4), 4)
    await l.keys('jj')
    await l.rows(rows(1, 2, 3, 4), true)
    expect(l.frame()).toBe('away')
    await l.rows(rows(1, 2, 3, 4))
    expect(l.cursor()).toBe(3)
    // its row went while it was away: the one that followed it, and the loss is reported
    await l.rows(rows(1, 2, 3, 4), true)
    await l.rows(rows(1, 2, 4))
    expect(l.cursor()).toBe(4)
    expect(l.lost).toEqual([3])
  })
})

describe('keysOf', () => {
  const none: InkKey = {
    upArrow: false,
    downArrow: false,
    leftArrow: false,
    rightArrow: false,
    pageDown: false,
    pageUp: false,
    home: false,
    end: false,
    return: false,
    escape: false,
    ctrl: false,
    shift: false,
    tab: false,
    backspace: false,
    delete: false,
    meta: false,
    super: false,
    hyper: false,
    capsLock: false,
    numLock: false,
  }
  it('splits a string of keys typed at once into one key each, Enter and Backspace included', () => {
    expect(keysOf('jjj', none).map((k) => k.text)).toEqual(['j', 'j', 'j'])
    expect(keysOf('\r21', none).map((k) => k.name + k.text)).toEqual(['return', 'char2', 'char1'])
    expect(keysOf('ab\x7f', none).map((k) => k.name)).toEqual(['char', 'char', 'backspace'])
    expect(keysOf('G', none)[0]).toMatchObject({ name: 'char', text: 'G', shift: true })
    expect(keysOf('x\x03', none)[1]).toMatchObject({ name: 'char', text: 'c', ctrl: true })
  })
  it('keeps one key for what ink parsed as one', () => {
    expect(keysOf('', { ...none, downArrow: true })).toMatchObject([{ name: 'down' }])
    expect(keysOf('', { ...none, delete: true })).toMatchObject([{ name: 'backspace' }])
    expect(keysOf('', { ...none, escape: true, meta: true })).toMatchObject([{ name: 'escape' }])
    expect(keysOf('j', { ...none, meta: true })).toMatchObject([{ name: 'char', text: 'j', meta: true }])
  })
})

describe('the live list', () => {
  const s = (id: number, status = 'active') => ({ id, status }) as unknown as Session
  it('applies changes: live ones replaced or added in id order, the others removed', () => {
    const before = [s(1), s(2), s(3)]
    expect(applyChanges(before, [])).toBe(before)
    const after = applyChanges(before, [s(2, 'closing'), s(3, 'extending'), s(5), s(4)])
    expect(after.map((x) => [x.id, x.status])).toEqual([
      [1, 'active'],
      [3, 'extending'],
      [4, 'active'],
      [5, 'active'],
    ])
    expect(applyChanges([s(5)], [s(2)]).map((x) => x.id)).toEqual([2, 5])
    expect(hasSession(after, 4)).toBe(true)
    expect(hasSession(after, 2)).toBe(false)
  })
})
