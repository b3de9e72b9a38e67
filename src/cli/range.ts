import type { Command } from 'commander'
import type { CliContext } from './context.js'
import { dayValue, peopleTime } from './people-time.js'

/** `--from` / `--to` as the reports and `whatif` take them: business days, both included. */
export interface RangeOptions {
  readonly from?: string
  readonly to?: string
}

/** Adds `--from <D>` and `--to <D>` to a command, checked as calendar days before anything opens the database. */
export function withRange(cmd: Command): Command {
  return cmd
    .option('--from <day>', 'first business day: YYYY-MM-DD, today, yesterday, 7d back, or a time on it (default: 13 days before --to)', peopleTime)
    .option('--to <day>', 'last business day, as --from (default: today in business_timezone)', peopleTime)
}

/**
 * The range as the library takes it, each end a business day (`today`, `7d`: resolved against the
 * clock and `business_timezone`). When both ends are given, an empty or over-long range is refused
 * here (INVALID_INPUT, exit 2); with a default end the library checks it against today.
 */
export async function rangeOf(ctx: CliContext, opts: RangeOptions): Promise<{ from?: string; to?: string }> {
  const from = opts.from === undefined ? undefined : await dayValue(ctx, opts.from)
  const to = opts.to === undefined ? undefined : await dayValue(ctx, opts.to)
  if (from !== undefined && to !== undefined) {
    const { resolveRange } = await import('../report/day-range.js')
    resolveRange({ from, to }, new Date(0), 'UTC')
  }
  return { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) }
}
