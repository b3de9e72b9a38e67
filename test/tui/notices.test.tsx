/**
 * The footer's notices (src/tui/use-notices.ts): two said at once are both shown, in order, the
 * first for at least NOTICE_MIN_MS; none is lost to a newer one. (Sesi Aktif met this when a
 * colleague's flag change and the operator's own session ending landed in one refresh.)
 */
import { Text } from 'ink'
import { render } from 'ink-testing-library'
import { act, useEffect } from 'react'
import { describe, expect, it, onTestFinished } from 'vitest'
import { NOTICE_MIN_MS, useNotices } from '../../src/tui/use-notices.js'
import type { Notice } from '../../src/tui/shell-context.js'
import { sleep } from '../support/time.js'

;(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true

const said = (text: string): Notice => ({ kind: 'warn', text })

function Footer({ notices, noticeMs }: { notices: readonly Notice[]; noticeMs: number }) {
  const { notice, notify } = useNotices(noticeMs)
  useEffect(() => {
    for (const n of notices) notify(n)
  }, [notices, notify])
  return <Text>{notice?.text ?? '(none)'}</Text>
}

async function footer(notices: readonly Notice[], noticeMs: number) {
  let instance!: ReturnType<typeof render>
  await act(async () => {
    instance = render(<Footer notices={notices} noticeMs={noticeMs} />)
  })
  onTestFinished(() => instance.unmount())
  const seen: { text: string; at: number }[] = []
  return {
    /** What the footer showed over `ms`, in order, each change once, with when it was first seen. */
    async watch(ms: number): Promise<{ text: string; at: number }[]> {
      const end = Date.now() + ms
      while (Date.now() < end) {
        const now = instance.lastFrame() ?? ''
        if (seen.at(-1)?.text !== now) seen.push({ text: now, at: Date.now() })
        await act(async () => {
          await sleep(25)
        })
      }
      return seen
    },
  }
}

describe('footer notices', () => {
  it('shows two said at once one after the other, in order, the first for at least NOTICE_MIN_MS', async () => {
    const f = await footer([said('Session #7 is no longer live'), said('ops changed early_end_mitra_enabled: false → true')], 60_000)
    const shown = await f.watch(NOTICE_MIN_MS + 600)
    expect(shown.map((s) => s.text)).toEqual(['Session #7 is no longer live', 'ops changed early_end_mitra_enabled: false → true'])
    // seen every 25 ms: the first notice is seen up to 25 ms late, so it stood at least NOTICE_MIN_MS - 25
    expect(shown[1]!.at - shown[0]!.at).toBeGreaterThanOrEqual(NOTICE_MIN_MS - 25)
  })

  it('keeps a lone notice its whole time, then shows nothing; says the same thing once', async () => {
    const f = await footer([said('A'), said('A')], 400)
    expect((await f.watch(900)).map((s) => s.text)).toEqual(['A', '(none)'])
  })
})
