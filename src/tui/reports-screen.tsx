import { Box, Text } from 'ink'
import { barChart } from '../report/closure-chart.js'
import { describeError, StaleNotice, useShell } from './shell-context.js'
import { useServices } from './services-context.js'
import { usePoll } from './use-poll.js'

const TOP = 5

function inline(rows: readonly { key: string | null; count: number }[], width: number): string {
  const parts = rows.slice(0, TOP).map((r) => `${r.key ?? '(none)'} ${r.count}`)
  const line = parts.join(' · ')
  return line.length > width ? line.slice(0, width - 1) + '…' : line || '—'
}

/** Closures per business day as bars (the report service's default range, the last 14 days), top mitras, reasons and today's cap standing. */
export function ReportsScreen() {
  const { reports, refreshMs } = useServices()
  const shell = useShell()
  const polled = usePoll(async () => {
    const [byDay, byMitra, byReason, cap] = await Promise.all([reports.closures('day'), reports.closures('mitra'), reports.closures('reason'), reports.cap()])
    return { byDay, byMitra, byReason, cap }
  }, refreshMs)

  if (polled.data === undefined) return <Text>{polled.error === undefined ? 'Memuat laporan…' : describeError(polled.error)}</Text>
  const { byDay, byMitra, byReason, cap } = polled.data
  const wide = shell.width >= 110
  const chartWidth = Math.max(10, (wide ? Math.floor(shell.width * 0.6) : shell.width) - 10 - 8)
  const bars = barChart(byDay.rows, { width: chartWidth })
  const capLine = `Cap ${cap.cap}/hari (${cap.overCapAction}) · ${cap.day}: ${cap.rows.length} mitra early end, ${cap.atOrOver} di/lewat cap`
  const side = Math.max(20, shell.width - chartWidth - 24)

  return (
    <Box flexDirection="column">
      <StaleNotice error={polled.error} />
      <Text>
        <Text bold>{`Penutupan per hari ${byDay.from} … ${byDay.to}`}</Text>
        <Text dimColor>{`  total ${byDay.total}`}</Text>
      </Text>
      <Box flexDirection={wide ? 'row' : 'column'} columnGap={3}>
        <Box flexDirection="column">
          {bars.map((line, i) => (
            <Text key={i} color="cyan">
              {line}
            </Text>
          ))}
        </Box>
        {wide ? (
          <Box flexDirection="column">
            <Text bold>Top mitra</Text>
            {byMitra.rows.slice(0, TOP).map((r) => (
              <Text key={r.key}>{`${(r.key ?? '').slice(0, side - 6).padEnd(side - 6)} ${r.count}`}</Text>
            ))}
            <Text bold>Alasan</Text>
            {byReason.rows.slice(0, TOP + 1).map((r) => (
              <Text key={r.key ?? '(none)'}>{`${(r.key ?? '(none)').slice(0, side - 6).padEnd(side - 6)} ${r.count}`}</Text>
            ))}
          </Box>
        ) : (
          <Box flexDirection="column">
            <Text>
              <Text bold>Top mitra </Text>
              {inline(byMitra.rows, shell.width - 10)}
            </Text>
            <Text>
              <Text bold>Alasan </Text>
              {inline(byReason.rows, shell.width - 7)}
            </Text>
          </Box>
        )}
      </Box>
      <Text dimColor>{capLine.slice(0, shell.width)}</Text>
    </Box>
  )
}
