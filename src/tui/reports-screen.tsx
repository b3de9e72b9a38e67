import { Box, Text } from 'ink'
import { addDays } from '../core/business-day.js'
import { printable } from '../present/printable.js'
import { plural } from '../present/time.js'
import { barChart } from '../report/closure-chart.js'
import type { ClosureReportRow } from '../report/report-service.js'
import { is } from './keys.js'
import { useKeys } from './key-router.js'
import { useRemembered } from './screen-memory.js'
import { useServices } from './services-context.js'
import { NO_REASON } from './session-format.js'
import { describeError, StaleNotice, useShell } from './shell-context.js'
import { usePoll } from './use-poll.js'

/** The ranges `+` and `-` step through, in business days ending today. */
const RANGES = [7, 14, 30, 90] as const
const BY = ['day', 'mitra', 'reason'] as const
type By = (typeof BY)[number]
/** Longest key drawn (a mitra id), so bars keep their room. */
const KEY_MAX = 24
/** Top entries on the inline breakdown lines under the chart. */
const TOP = 5

const label = (key: string | null, by: By) => (key === null ? (by === 'reason' ? NO_REASON : '(none)') : printable(key).slice(0, KEY_MAX))

/** Consecutive days summed so that at most `rows` bars remain; each bar keyed by its first day. */
function bucketDays(rows: readonly ClosureReportRow[], max: number): { rows: ClosureReportRow[]; per: number } {
  const per = Math.max(1, Math.ceil(rows.length / Math.max(1, max)))
  if (per === 1) return { rows: [...rows], per }
  const out: ClosureReportRow[] = []
  for (let i = 0; i < rows.length; i += per) {
    const group = rows.slice(i, i + per)
    out.push({ key: group[0]!.key, count: group.reduce((n, r) => n + r.count, 0) })
  }
  return { rows: out, per }
}

function inline(rows: readonly ClosureReportRow[], by: By, width: number): string {
  const line = rows
    .slice(0, TOP)
    .map((r) => `${label(r.key, by)} ${r.count}`)
    .join(' · ')
  return line.length > width ? line.slice(0, width - 1) + '…' : line || '-'
}

/**
 * Closure reports for CC. By default the mitra early ends per business day
 * as bars (expiries are nearly every closure, so "all closures" is a flat
 * wall); `a` switches to all closures, `b` to per mitra and per reason, and
 * `+`/`-` change the range. Today's standing against the cap underneath.
 */
export function ReportsScreen() {
  const { reports, refreshMs } = useServices()
  const shell = useShell()
  const [scope, setScope] = useRemembered<'mitra' | 'all'>('reports.scope', 'mitra')
  const [by, setBy] = useRemembered<By>('reports.by', 'day')
  const [rangeAt, setRangeAt] = useRemembered('reports.range', RANGES.indexOf(14))
  const days = RANGES[rangeAt]!
  const polled = usePoll(
    async () => {
      const today = await reports.range()
      const range = { from: addDays(today.to, -(days - 1)), to: today.to }
      const filters = scope === 'mitra' ? ({ initiator: 'mitra' } as const) : {}
      const [main, byMitra, byReason, cap] = await Promise.all([
        reports.closures(by, range, filters),
        by === 'day' ? reports.closures('mitra', range, filters) : null,
        by === 'day' ? reports.closures('reason', range, filters) : null,
        reports.cap(),
      ])
      return { main, byMitra, byReason, cap }
    },
    refreshMs,
    { memory: 'reports', deps: [scope, by, days] },
  )

  useKeys((key) => {
    if (is(key, 'a')) return (setScope((s) => (s === 'mitra' ? 'all' : 'mitra')), 'changed')
    if (is(key, 'b')) return (setBy((b) => BY[(BY.indexOf(b) + 1) % BY.length]!), 'changed')
    if (is(key, '+') || is(key, '=')) return (setRangeAt((i) => Math.min(RANGES.length - 1, i + 1)), 'changed')
    if (is(key, '-')) return (setRangeAt((i) => Math.max(0, i - 1)), 'changed')
    return 'ignored'
  })

  const what = `${scope === 'mitra' ? 'Mitra early ends' : 'All closures'} ${by === 'day' ? 'per business day' : `by ${by}`}`
  const keys = `a: ${scope === 'mitra' ? 'all closures' : 'mitra early ends'} · b: by ${BY[(BY.indexOf(by) + 1) % BY.length]} · +/-: range (${days} days)`
  if (polled.data === undefined)
    return (
      <Box flexDirection="column">
        <Text>{polled.error === undefined ? `Loading ${what.toLowerCase()}…` : describeError(polled.error)}</Text>
        <Text dimColor>{keys}</Text>
      </Box>
    )
  const { main, byMitra, byReason, cap } = polled.data
  const extra = by === 'day' ? 5 : 3
  const room = Math.max(1, shell.height - extra - (polled.error === undefined ? 0 : 1))
  const { rows, per } = by === 'day' ? bucketDays(main.rows, room) : { rows: main.rows.slice(0, room), per: 1 }
  const labelled = rows.map((r) => ({ key: label(r.key, by), count: r.count }))
  const keyW = labelled.reduce((w, r) => Math.max(w, r.key.length), 0)
  const countW = labelled.reduce((w, r) => Math.max(w, String(r.count).length), 1)
  const bars = barChart(labelled, { width: Math.max(10, shell.width - keyW - countW - 3) })
  const hidden = main.rows.length - rows.length
  const note = per > 1 ? ` (${per} days per bar)` : by !== 'day' && hidden > 0 ? ` (top ${rows.length}; ${hidden} more)` : ''
  // the whole header at any width: the long title gives way first (`per business day`), never the range or the note
  const rest = ` · ${main.from} … ${main.to} · total ${main.total}${note}`
  const title = what.length + rest.length <= shell.width ? what : what.replace(/ per business day$/, '').replace(/ by business day$/, '')
  const capLine = `Cap ${cap.cap}/day (${cap.overCapAction}) · ${cap.day}: ${plural(cap.rows.length, 'mitra')} with early ends, ${cap.atOrOver} at or over the cap`

  return (
    <Box flexDirection="column">
      <StaleNotice error={polled.error} />
      <Text wrap="truncate-end">
        <Text bold>{title}</Text>
        {rest}
      </Text>
      {bars.map((line, i) => (
        <Text key={i} color="cyan" wrap="truncate-end">
          {line}
        </Text>
      ))}
      {by === 'day' && byMitra !== null && byReason !== null && (
        <>
          <Text wrap="truncate-end">
            <Text bold>Top mitras </Text>
            {inline(byMitra.rows, 'mitra', shell.width - 11)}
          </Text>
          <Text wrap="truncate-end">
            <Text bold>Reasons </Text>
            {inline(byReason.rows, 'reason', shell.width - 8)}
          </Text>
        </>
      )}
      <Text dimColor wrap="truncate-end">
        {capLine}
      </Text>
      <Text dimColor wrap="truncate-end">
        {keys}
      </Text>
    </Box>
  )
}
