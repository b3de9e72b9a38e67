import { Command } from 'commander'
import type { GuardStatus } from '../../../guard/guard-service.js'
import { action } from '../../action.js'
import { examples } from '../../help.js'
import { emit, paint, table } from '../../output.js'
import { times } from '../../times.js'

export const guardStatus = new Command('status')
  .description('each threshold of early_end_guard against its current value, and the guard’s last switch-off')
  .addHelpText(
    'after',
    `
Set the thresholds with flag set early_end_guard '{"mitraEarlyEndsPerHour":50,"mitraEarlyEndShare":0.3,"shareMinEnded":20,"reviewsOpenedToday":10}'.
The early end that brings a measure to its threshold commits, and switches mitra early ends off with it
(audited as actor guard). Turning them back on is a person's act: flag set early_end_mitra_enabled true.
${examples('halo-admin guard status', 'halo-admin guard status --json')}`,
  )
  .action(
    action(async (ctx) => {
      const { createGuardService } = await import('../../../guard/guard-service.js')
      const status = await createGuardService(await ctx.database(), { clock: ctx.clock }).status()
      await emit(ctx, status, async (s: GuardStatus) => {
        const t = await times(ctx)
        const p = await paint(ctx)
        const lines = [
          `early_end_mitra_enabled ${s.enabled ? 'true' : 'false'} · rollout ${s.percent}% · guard ${s.guard === 'off' ? 'off' : 'on'} · measured ${t.at(s.at)}`,
        ]
        if (s.guard === 'off') lines.push('the guard is off: nothing switches mitra early ends off by itself (flag set early_end_guard …)')
        else {
          const rows = s.readings.map((r) => [
            r.threshold,
            r.threshold === 'mitraEarlyEndShare' ? `${Math.round(r.limit * 1000) / 10}%` : r.limit,
            r.value === null ? '-' : r.threshold === 'mitraEarlyEndShare' ? `${Math.round(r.value * 1000) / 10}%` : r.value,
            r.reached ? { styled: p.red('reached') } : `${Math.round(r.closeness * 100)}%`,
            r.text,
          ])
          lines.push(
            await table(ctx, ['threshold', 'limit', 'now', 'of limit', 'measure'], rows, {
              align: ['left', 'right', 'right', 'right'],
              wrap: [4],
              optional: [4],
            }),
          )
        }
        lines.push(
          s.lastTrip === null ? 'the guard has never switched mitra early ends off' : `last switch-off ${t.at(s.lastTrip.at)}: ${s.lastTrip.note ?? ''}`,
        )
        return lines.join('\n')
      })
    }),
  )
