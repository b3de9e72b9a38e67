import { Box, Text } from 'ink'
import type { GuardReading } from '../core/guard-rules.js'
import { printable } from '../present/printable.js'
import { formatInstant } from '../present/time.js'
import { describeError, useShell } from './shell-context.js'
import { useServices } from './services-context.js'
import { usePoll } from './use-poll.js'
import { ROLLOUT_LOADING } from './flag-rows.js'

const pct = (x: number) => `${Math.round(x * 1000) / 10}%`

/** One threshold as the panel reads it: the measure against the limit, and how close it is. */
function reading(r: GuardReading): string {
  const value = r.value === null ? '-' : r.threshold === 'mitraEarlyEndShare' ? pct(r.value) : String(r.value)
  const limit = r.threshold === 'mitraEarlyEndShare' ? pct(r.limit) : String(r.limit)
  return `${r.threshold} ${value}/${limit}${r.reached ? ' REACHED' : ` (${Math.round(r.closeness * 100)}%)`}`
}

/**
 * The staged re-enable as one story, under the flags (contract §4b): who sees Akhiri (the switch, the
 * percent, the cohort, and of the mitras with a live session how many), and how close each threshold
 * of the guard is, with its last switch-off. Everything is the library's answer.
 */
export function RolloutGuardPanel() {
  const { rollout, guard, refreshMs } = useServices()
  const shell = useShell()
  // while the Flags screen lists (a dialog takes its place): every refresh, as the flags above it
  const data = usePoll(async () => ({ standing: await rollout.standing(), status: await guard.status() }), refreshMs, { memory: 'rollout-guard' })
  if (data.data === undefined) return <Text dimColor>{data.error === undefined ? ROLLOUT_LOADING : describeError(data.error)}</Text>
  const { standing: s, status } = data.data
  const tz = shell.flags?.business_timezone ?? 'UTC'
  const share = s.liveMitras === 0 ? '' : ` (${Math.round((s.liveMitrasWithAkhiri / s.liveMitras) * 100)}%)`
  const who = `${s.percent}% by bucket, cohort +${s.always}/-${s.never} · Akhiri ${s.enabled ? 'now' : 'OFF'}: ${s.liveMitrasWithAkhiri} of ${s.liveMitras} live mitras${share}`
  const near = status.readings.some((r) => r.reached || r.closeness >= 0.8)
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">{`Rollout  ${who}`}</Text>
      <Text wrap="truncate-end" color={status.guard === 'off' ? undefined : near ? 'yellow' : 'green'}>
        {`Guard    ${status.guard === 'off' ? 'off: nothing switches Akhiri off by itself' : status.readings.map(reading).join(' · ')}`}
      </Text>
      {status.lastTrip !== null && (
        <Text
          dimColor
          wrap="truncate-end"
        >{`         last switch-off ${formatInstant(status.lastTrip.at, tz)}: ${printable(status.lastTrip.note ?? '')}`}</Text>
      )}
    </Box>
  )
}
