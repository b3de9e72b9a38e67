/**
 * The CLI's table renderer on its own: aligned columns, wrapping and optional columns on a narrow
 * terminal, styles and wide characters taking the room they take on screen. Its speed is
 * bench/cli-table.mjs's (not timed here).
 */
import { describe, expect, it } from 'vitest'
import { renderTable, wrapText } from '../../src/cli/table.js'
import { displayWidth } from '../../src/present/width.js'

const BOLD = (t: string) => `\u001b[1m${t}\u001b[22m`

describe('renderTable', () => {
  it('aligns columns under the header, two spaces apart, without trailing blanks', () => {
    const text = renderTable(
      ['id', 'status', 'mitra'],
      [
        ['1', 'active', 'm-1'],
        ['120', 'extending', 'mitra-andi'],
      ],
      { align: ['right'] },
    )
    expect(text.split('\n')).toEqual([' id  status     mitra', '  1  active     m-1', '120  extending  mitra-andi'])
  })

  it('measures styled cells and wide characters by what they take on the screen', () => {
    expect(displayWidth(BOLD('open'))).toBe(4)
    expect(displayWidth('🙏ok')).toBe(4)
    expect(displayWidth('日本')).toBe(4)
    expect(displayWidth('é')).toBe(1)
    const text = renderTable(
      ['a', 'b'],
      [
        [BOLD('open'), 'x'],
        ['日本', 'y'],
      ],
    )
    expect(text.split('\n')).toEqual(['a     b', `${BOLD('open')}  x`, '日本  y'])
  })

  it('draws the header with the style it is given', () => {
    expect(renderTable(['id', ''], [['1', 'x']], { head: BOLD }).split('\n')[0]).toBe(BOLD('id'))
  })

  it('changes nothing when there is room, whatever wrap and optional say', () => {
    const rows = [['1', 'a note that is rather long for a narrow terminal']]
    expect(renderTable(['id', 'note'], rows, { wrap: [1], optional: [1], width: 200 })).toBe(renderTable(['id', 'note'], rows))
  })

  it('wraps the wrap columns at spaces on a narrow terminal, keeping every line within it', () => {
    const note = 'talked to the mitra about the customer who left without a word, twice'
    const text = renderTable(['#', 'mitra', 'note'], [['12', 'mitra-andi', note]], { wrap: [2], width: 40 })
    const lines = text.split('\n')
    for (const l of lines) expect(displayWidth(l)).toBeLessThanOrEqual(40)
    expect(lines[0]).toMatch(/^#\s+mitra\s+note$/)
    expect(lines[1]).toMatch(/^12\s+mitra-andi\s+talked to the/)
    // continuation lines start under the note column
    const at = lines[0]!.indexOf('note')
    for (const l of lines.slice(2)) expect(l.slice(0, at).trim()).toBe('')
    expect(
      lines
        .slice(1)
        .map((l) => l.slice(at))
        .join(' '),
    ).toBe(note)
  })

  it('breaks a word longer than the column where it must, and keeps a whole-cell style on every line', () => {
    expect(wrapText('x'.repeat(40), 16)).toEqual(['x'.repeat(16), 'x'.repeat(16), 'x'.repeat(8)])
    expect(wrapText(BOLD('aaaa bbbb cccc'), 9)).toEqual([BOLD('aaaa bbbb'), BOLD('cccc')])
  })

  it('leaves the optional columns out when wrapping is not enough', () => {
    const rows = [['1', 'mitra-andi', '2026-11-24 10:00 WIB', 'a long note about what happened']]
    const text = renderTable(['#', 'mitra', 'opened', 'note'], rows, { wrap: [3], optional: [2, 3], width: 20 })
    expect(text.split('\n')).toEqual(['#  mitra', '1  mitra-andi'])
  })

  it('draws 10,000 rows, one line each, in the order given', () => {
    const rows = Array.from({ length: 10_000 }, (_, i) => [String(i + 1), i % 2 === 0 ? 'active' : 'extending', `m-${i}`])
    const lines = renderTable(['id', 'status', 'mitra'], rows, { align: ['right'] }).split('\n')
    expect(lines).toHaveLength(10_001)
    expect(lines[1]).toBe('    1  active     m-0')
    expect(lines[10_000]).toBe('10000  extending  m-9999')
  })
})
