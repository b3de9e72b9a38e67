import { Command, InvalidArgumentError } from 'commander'
import type { ErrorCode } from '../../errors.js'
import type { Flags } from '../../config/flag-registry.js'
import { formatDuration as duration, plural } from '../../present/time.js'
import type { SimulateOptions, SimulationSummary } from '../../simulate/simulator.js'
import { action } from '../action.js'
import type { CliContext } from '../context.js'
import { examples } from '../help.js'
import { emit, table } from '../output.js'
import { fraction, integer, label } from '../parse.js'

interface SimulateFlags {
  readonly mitras?: number
  readonly customers?: number
  readonly sessions?: number
  readonly days?: number
  readonly seed?: string
  readonly mitraRate?: number
  readonly customerRate?: number
  readonly batch?: number
}

export const simulate = new Command('simulate')
  .description(
    'fill the database with a synthetic workload: sessions over the last business days, early ends by mitras and customers through the real rules (flags, reasons, cap, reviews), expiry and sweeps',
  )
  .option('--mitras <n>', 'synthetic mitras sim-m-001… (default 20)', integer(1, 100_000))
  .option('--customers <n>', 'synthetic customers sim-c-0001… (default 10 per mitra)', integer(1, 10_000_000))
  .option('--sessions <n>', 'sessions opened per business day (default 200)', integer(0, 1_000_000))
  .option('--days <n>', 'business days, ending today (HALO_NOW moves today; default 7)', integer(1, 366))
  .option('--seed <s>', 'the same seed on the same starting database gives the same result (default 1)', label(100))
  .option('--mitra-rate <r>', 'share of sessions whose mitra tries to end early, 0-1 (default 0.15)', fraction)
  .option('--customer-rate <r>', 'share of sessions whose customer tries to end early, 0-1 (default 0.05)', fraction)
  .option('--batch <n>', 'events per transaction (default 500; 1 commits every call alone)', integer(1, 100_000))
  .addHelpText(
    'after',
    examples(
      'halo-admin flag set early_end_mitra_enabled true && halo-admin simulate --days 5 --seed demo',
      'HALO_NOW=2026-11-24T12:00:00Z halo-admin --db /tmp/sim.db simulate --mitras 50 --sessions 1000 --json',
    ),
  )
  .action(
    action(async (ctx, opts: SimulateFlags) => {
      if ((opts.mitraRate ?? 0.15) + (opts.customerRate ?? 0.05) > 1) throw new InvalidArgumentError('--mitra-rate plus --customer-rate must be at most 1')
      const { simulate: run } = await import('../../simulate/simulator.js')
      const handle = await ctx.database({ create: true })
      const progress = await progressBar(ctx)
      let summary: SimulationSummary
      try {
        const options: SimulateOptions = {
          ...definedOnly(opts),
          ...(progress === null ? {} : { onProgress: progress.update }),
        }
        // the clock only decides the last simulated day; simulated time walks on its own
        summary = await run(handle, options, { clock: ctx.clock })
      } finally {
        progress?.stop()
      }
      await emit(ctx, summary, async (s) => {
        // the hints speak of the flags as they stand (simulate never changes them)
        const { createConfigStore } = await import('../../config/config-store.js')
        return describe(ctx, s, await createConfigStore(handle, { clock: ctx.clock }).all())
      })
      if (summary.error !== undefined) {
        // what was done before the failure is reported above; the failure exits like any other
        const { HaloError } = await import('../../errors.js')
        throw new HaloError(summary.error.code as ErrorCode, summary.error.message)
      }
    }),
  )

function definedOnly(opts: SimulateFlags): SimulateOptions {
  return Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) as SimulateOptions
}

/**
 * Time left from the average pace since the start, sessions done over time spent: steady, where
 * cli-progress's own estimate, over its last few updates, swung with each day's sweep (1m10s, 15s,
 * 25s). Null until there is a pace to go by.
 */
export function estimateLeft(done: number, total: number, elapsedMs: number): number | null {
  if (done <= 0 || elapsedMs < 1000) return null
  return (elapsedMs / done) * Math.max(0, total - done)
}

/** A progress bar on stderr, only when stderr is a terminal; cli-progress loads only then. */
async function progressBar(ctx: CliContext): Promise<{ update: (done: number, total: number) => void; stop: () => void } | null> {
  if (ctx.io.stderr.isTTY !== true) return null
  const { SingleBar, Presets } = await import('cli-progress')
  const bar = new SingleBar(
    {
      stream: ctx.io.stderr as NodeJS.WriteStream,
      format: 'simulating [{bar}] {value}/{total} sessions  {left}',
      hideCursor: true,
      clearOnComplete: true,
    },
    Presets.shades_classic,
  )
  let started: number | null = null
  const left = (done: number, total: number) => {
    const ms = estimateLeft(done, total, performance.now() - started!)
    return ms === null || ms <= 0 ? '' : `about ${duration(Math.ceil(ms / 5000) * 5000)} left`
  }
  return {
    update(done, total) {
      if (started === null) {
        started = performance.now()
        bar.start(total, 0, { left: '' })
      }
      bar.update(done, { left: left(done, total) })
    },
    stop() {
      if (started !== null) bar.stop()
    },
  }
}

async function describe(ctx: CliContext, s: SimulationSummary, flags: Flags): Promise<string> {
  const refused = Object.entries(s.refused)
  const head = `simulated ${s.from} … ${s.to} (${plural(s.days, 'day')}, seed ${s.seed}): ${plural(s.sessions, 'session')}, ${plural(s.mitras, 'mitra')}, ${plural(s.customers, 'customer')}`
  const atCap = s.refused.DAILY_CAP_REACHED ?? 0
  // under block nothing goes past the cap: what the cap did is refuse; under allow it lets them through, marked
  const cap: (string | number)[][] =
    flags.early_end_mitra_over_cap_action === 'allow'
      ? [['over cap', s.overCap, 'allowed past the daily cap and marked over_cap (over_cap_action allow)']]
      : [
          ['refused at cap', atCap, 'refused at the daily cap (over_cap_action block: none allowed past it)'],
          ...(s.overCap > 0 ? [['over cap', s.overCap, 'allowed past the cap while over_cap_action was allow']] : []),
        ]
  const text = await table(
    ctx,
    ['', 'count', ''],
    [
      ['early-end attempts', s.attempts, `mitra ${s.byInitiator.mitra.attempts}, customer ${s.byInitiator.customer.attempts}`],
      ['succeeded', s.succeeded, `mitra ${s.byInitiator.mitra.succeeded}, customer ${s.byInitiator.customer.succeeded}`],
      ['refused', refused.reduce((n, [, k]) => n + k, 0), refused.map(([code, n]) => `${code} ${n}`).join(', ')],
      ...cap,
      ['reviews opened', s.reviewsOpened, 'daily_cap_reached reviews for the control centre'],
      ['expired', s.expired, 'sessions that reached their end time'],
      ['finalized', s.finalized, 'closings past their grace window'],
    ],
    { align: ['left', 'right', 'left'], wrap: [2] },
  )
  const hints = [disabledHint(s, flags), s.error === undefined ? null : `stopped early: ${s.error.code}`].filter((h) => h !== null)
  return [head, text, ...hints].join('\n')
}

/** How to turn early ends on, for the side whose flag is off now, when the run was refused for it. */
function disabledHint(s: SimulationSummary, flags: Flags): string | null {
  const n = s.refused.EARLY_END_DISABLED
  if (n === undefined) return null
  const off = [
    ...(flags.early_end_mitra_enabled ? [] : [{ who: 'mitras', key: 'early_end_mitra_enabled' }]),
    ...(flags.early_end_customer_enabled ? [] : [{ who: 'customers', key: 'early_end_customer_enabled' }]),
  ]
  if (off.length === 0) return null
  const who = off.map((o) => o.who).join(' and ')
  const commands = off.map((o) => `\`halo-admin flag set ${o.key} true\``).join(' and ')
  return `EARLY_END_DISABLED ${n}: early ends by ${who} are off; ${commands} ${off.length === 1 ? 'turns them' : 'turn them'} on`
}
