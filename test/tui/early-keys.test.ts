/**
 * What the first frame does with keys typed while the TUI loads (src/tui/early-keys.ts): which it
 * answers, and that everything else reaches the TUI byte for byte, in order. That its moves land
 * where the TUI's list would is checked against the TUI itself in first-frame.test.tsx.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { answerEarly, splitKeys } from '../../src/tui/early-keys.js'
import { NEWEST } from '../../src/tui/first-frame.js'

const LIST = { rows: 200, complete: false, height: 18 }

describe('keys on the first frame', () => {
  it('splits input into keys: escape sequences whole, characters one by one', () => {
    expect(splitKeys('jj\x1b[B\x1bOA\x1b[6~q')).toEqual(['j', 'j', '\x1b[B', '\x1bOA', '\x1b[6~', 'q'])
    expect(splitKeys('\x1b')).toEqual(['\x1b'])
    expect(splitKeys('\x1b[1;5B🙂x')).toEqual(['\x1b[1;5B', '🙂', 'x'])
    // a sequence cut at the end of a read stays whole for the TUI, which reads it with the rest
    expect(splitKeys('j\x1b[')).toEqual(['j', '\x1b['])
  })

  it('rejoins to the input it came from, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('\x1b', '[', 'O', 'A', 'B', '5', '~', 'j', 'q', '\r', '🙂', ';') }), (s) => splitKeys(s).join('') === s),
    )
  })

  it('moves within the rows it holds, and keeps the first key it cannot answer and all after it', () => {
    expect(answerEarly('jj\x1b[B', NEWEST, LIST)).toEqual({ place: { cursor: 3, top: 0 }, quit: false, rest: '' })
    // Enter opens a session: the TUI's; the j after it too, though the frame could move it
    expect(answerEarly('j\rj', NEWEST, LIST)).toEqual({ place: { cursor: 1, top: 0 }, quit: false, rest: '\rj' })
    // End, and a page past the rows held, need the whole list
    expect(answerEarly('G', NEWEST, LIST).rest).toBe('G')
    expect(answerEarly('\x1b[6~', { cursor: 190, top: 173 }, LIST).rest).toBe('\x1b[6~')
    // unless the rows held are every live session
    expect(answerEarly('G', NEWEST, { ...LIST, complete: true }).place).toEqual({ cursor: 199, top: 182 })
    // Ctrl-↓ and the like: the TUI's to judge
    expect(answerEarly('\x1b[1;5B', NEWEST, LIST).rest).toBe('\x1b[1;5B')
    // above the first row: stays there
    expect(answerEarly('kk', NEWEST, LIST).place).toEqual(NEWEST)
  })

  it('scrolls as the list does: the cursor kept in view, the window moved as little as it can', () => {
    expect(answerEarly('\x1b[6~', NEWEST, LIST).place).toEqual({ cursor: 18, top: 1 })
    // back up: the window stays while the cursor is in it, then follows it
    expect(answerEarly('\x1b[6~' + 'k'.repeat(17), NEWEST, LIST).place).toEqual({ cursor: 1, top: 1 })
    expect(answerEarly('\x1b[6~' + 'k'.repeat(18), NEWEST, LIST).place).toEqual({ cursor: 0, top: 0 })
    expect(answerEarly('\x1b[6~\x1b[6~g', NEWEST, LIST).place).toEqual({ cursor: 0, top: 0 })
  })

  it('quits on q or Ctrl-C, on any screen, unless a key before it waits for the TUI', () => {
    expect(answerEarly('jq', NEWEST, LIST)).toEqual({ place: { cursor: 1, top: 0 }, quit: true, rest: '' })
    expect(answerEarly('\x03', NEWEST, undefined).quit).toBe(true)
    // on a screen with no list drawn, a move is the TUI's, and so is the q after it (it may be typed into a field)
    expect(answerEarly('jq', NEWEST, undefined)).toEqual({ place: NEWEST, quit: false, rest: 'jq' })
    expect(answerEarly('/q', NEWEST, LIST)).toEqual({ place: NEWEST, quit: false, rest: '/q' })
  })

  it('answers nothing on an empty list but the moves, which change nothing', () => {
    expect(answerEarly('jG', NEWEST, { rows: 0, complete: true, height: 18 })).toEqual({ place: NEWEST, quit: false, rest: '' })
  })
})
