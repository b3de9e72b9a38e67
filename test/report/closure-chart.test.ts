import { describe, expect, it } from 'vitest'
import { barChart } from '../../src/index.js'

describe('closures-per-day bar chart', () => {
  it('scales the largest count to the full width and aligns keys, bars and counts', () => {
    const lines = barChart(
      [
        { key: '2026-11-23', count: 4 },
        { key: '2026-11-24', count: 2 },
        { key: '2026-11-25', count: 0 },
      ],
      { width: 4 },
    )
    expect(lines).toEqual(['2026-11-23 ████ 4', '2026-11-24 ██   2', '2026-11-25      0'])
  })

  it('uses eighth blocks for remainders and a sliver for any non-zero count', () => {
    expect(
      barChart(
        [
          { key: 'a', count: 1000 },
          { key: 'b', count: 1 },
          { key: 'c', count: 500 },
          { key: 'd', count: 125 },
        ],
        { width: 2 },
      ),
    ).toEqual(['a ██ 1000', 'b ▏  1', 'c █  500', 'd ▎  125'])
  })

  it('prints empty bars when everything is zero and shows a missing key as (none)', () => {
    expect(barChart([{ key: null, count: 0 }], { width: 3 })).toEqual(['(none)     0'])
    expect(barChart([])).toEqual([])
  })
})
