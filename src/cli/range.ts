import type { Command } from 'commander'
import { day } from './parse.js'

/** `--from` / `--to` as the reports and `whatif` take them: business days, both included. */
export interface RangeOptions {
  readonly from?: string
  readonly to?: string
}

/** Adds `--from <D>` and `--to <D>` to a command, checked as calendar days before anything opens the database. */
export function withRange(cmd: Command): Command {
  return cmd
    .option('--from <day>', 'first business day, YYYY-MM-DD (default: 13 days before --to)', day)
    .option('--to <day>', 'last business day, YYYY-MM-DD (default: today in business_timezone)', day)
}

/**
 * The range as the library takes it. When both ends are given, an empty or
 * over-long range is refused here (INVALID_INPUT, exit 2) before the database
 * is opened; with a default end the library checks it against today.
 */
export async function rangeOf(opts: RangeOptions): Promise<{ from?: string; to?: string }> {
  if (opts.from !== undefined && opts.to !== undefined) {
    const { resolveRange } = await import('../report/day-range.js')
    resolveRange({ from: opts.from, to: opts.to }, new Date(0), 'UTC')
  }
  return { ...(opts.from === undefined ? {} : { from: opts.from }), ...(opts.to === undefined ? {} : { to: opts.to }) }
}
