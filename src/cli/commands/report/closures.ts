import { Command, InvalidArgumentError } from 'commander'
import { INITIATORS, type Initiator } from '../../../core/vocabulary.js'
import type { ClosureDetail, ClosureFilters, ClosureGrouping, ClosureReport, ReportService } from '../../../report/report-service.js'
import { action } from '../../action.js'
import type { CliContext } from '../../context.js'
import { examples } from '../../help.js'
import { emit, table, notice } from '../../output.js'
import { choice, partyId, reasonCode } from '../../parse.js'
import { rangeOf, withRange, type RangeOptions } from '../../range.js'
import { writeCsv, writeJsonArray, type CsvColumn } from '../../stream.js'
import { times } from '../../times.js'
import { NO_REASON } from '../../../present/words.js'

const GROUPINGS = ['day', 'mitra', 'reason', 'initiator'] as const satisfies readonly ClosureGrouping[]
const FORMATS = ['table', 'json', 'csv'] as const
type Format = (typeof FORMATS)[number]

interface ClosuresOptions extends RangeOptions {
  readonly by?: ClosureGrouping
  readonly initiator?: Initiator
  readonly mitra?: string
  readonly reason?: string
  readonly format?: Format
  readonly detail?: boolean
}

/** `--detail` as a table shows at most this many closures; CSV and JSON write them all. */
const DETAIL_TABLE_MAX = 200

/** The detail CSV: one line per closure, columns named as in `session_closures` (contract §8). */
const DETAIL_CSV: readonly CsvColumn[] = (
  [
    ['id', 'id'],
    ['sessionId', 'session_id'],
    ['businessDay', 'business_day'],
    ['createdAt', 'created_at'],
    ['mitraId', 'mitra_id'],
    ['kind', 'kind'],
    ['initiatedBy', 'initiated_by'],
    ['actorId', 'actor_id'],
    ['reason', 'reason'],
    ['reasonNote', 'reason_note'],
    ['overCap', 'over_cap'],
    ['reviewId', 'review_id'],
  ] as const satisfies readonly (readonly [keyof ClosureDetail, string])[]
).map(([key, header]) => ({ key, header }))

export const reportClosures = withRange(
  new Command('closures').description('closures counted by business day, mitra, reason or initiator (or listed one by one with --detail)'),
)
  .option('--by <grouping>', 'day, mitra, reason or initiator (default: day)', choice(GROUPINGS))
  .option(
    '--initiator <side>',
    "only closures started by mitra, customer, support or system (default: all closures; the TUI's Reports starts on --initiator mitra, `a` there shows all)",
    choice(INITIATORS),
  )
  .option('--mitra <id>', 'only this mitra’s closures', partyId)
  .option('--reason <code>', 'only closures with this reason code', reasonCode)
  .option('--format <format>', 'table, json or csv (default: table; --json is --format json)', choice(FORMATS))
  .option('--detail', 'every closure, oldest first, instead of counts (streamed with --format csv or json)')
  .addHelpText(
    'after',
    examples(
      'halo-admin report closures --from 2026-11-01 --to 2026-11-24',
      'halo-admin report closures --by mitra --initiator mitra --json',
      'halo-admin report closures --by reason --format csv > reasons.csv',
      'halo-admin report closures --detail --format csv --from 2026-11-01 > closures.csv',
    ),
  )
  .action(
    action(async (ctx, opts: ClosuresOptions) => {
      const format = opts.format ?? (ctx.json ? 'json' : 'table')
      if (ctx.json && format !== 'json') throw new InvalidArgumentError(`--json and --format ${format} ask for different outputs: give one of them`)
      if (opts.detail === true && opts.by !== undefined) throw new InvalidArgumentError('--detail lists closures one by one: --by does not apply to it')
      const range = await rangeOf(ctx, opts)
      const filters: ClosureFilters = {
        ...(opts.initiator === undefined ? {} : { initiator: opts.initiator }),
        ...(opts.mitra === undefined ? {} : { mitraId: opts.mitra }),
        ...(opts.reason === undefined ? {} : { reason: opts.reason }),
      }
      const { createReportService } = await import('../../../report/report-service.js')
      const reports = createReportService(await ctx.database(), { clock: ctx.clock })
      if (opts.detail === true) return details(ctx, reports, format, range, filters)

      const by = opts.by ?? 'day'
      const report = await reports.closures(by, range, filters)
      if (format === 'csv')
        return writeCsv(
          ctx,
          [
            { key: 'key', header: by },
            { key: 'count', header: 'count' },
          ],
          report.rows,
        )
      await emit({ ...ctx, json: format === 'json' }, report, (r) => describe(ctx, r, filters))
    }),
  )

async function details(ctx: CliContext, reports: ReportService, format: Format, range: RangeOptions, filters: ClosureFilters): Promise<void> {
  const all = reports.closureDetails(range, filters)
  if (format === 'csv') return writeCsv(ctx, DETAIL_CSV, all)
  if (format === 'json') return writeJsonArray(ctx, all)
  const shown: ClosureDetail[] = []
  let more = false
  for await (const c of all) {
    if (shown.length === DETAIL_TABLE_MAX) {
      more = true
      break
    }
    shown.push(c)
  }
  const r = await reports.range(range)
  const head = `closures ${r.from} … ${r.to}${filterText(filters)}`
  if (shown.length === 0) return emit(ctx, null, () => `${head}: none`)
  const t = await times(ctx)
  const rows = shown.map((c) => [
    c.id,
    c.businessDay,
    t.at(c.createdAt),
    c.mitraId,
    c.initiatedBy,
    c.kind,
    c.actorId,
    c.kind === 'early_end' ? (c.reason ?? NO_REASON) : c.reason,
    c.overCap ? 'yes' : '',
    c.reviewId,
    c.reasonNote,
  ])
  const text = await table(ctx, ['#', 'day', 'at', 'mitra', 'by', 'kind', 'actor', 'reason', 'over cap', 'review', 'note'], rows, {
    align: ['right'],
    wrap: [10],
    optional: [2, 5, 6, 10],
  })
  await emit(ctx, null, () => `${head}\n${text}`)
  // not data: on stderr
  if (more) notice(ctx, `the first ${DETAIL_TABLE_MAX} only: --format csv or --json writes every closure`)
}

async function describe(ctx: CliContext, r: ClosureReport, filters: ClosureFilters): Promise<string> {
  const head = `closures by ${r.by}, ${r.from} … ${r.to}${filterText(filters)}: ${r.total}`
  if (r.rows.length === 0) return `${head}\nnone`
  const none = r.by === 'reason' ? NO_REASON : '(none)'
  const share = (n: number) => (r.total === 0 ? '-' : `${((100 * n) / r.total).toFixed(1)}%`)
  const text = await table(
    ctx,
    [r.by, 'closures', 'share'],
    r.rows.map((row) => [row.key ?? none, row.count, share(row.count)]),
    { align: ['left', 'right', 'right'] },
  )
  if (r.by !== 'day' || ctx.io.stdout.isTTY !== true) return `${head}\n${text}`
  const { barChart } = await import('../../../report/closure-chart.js')
  const countWidth = String(r.rows.reduce((m, row) => Math.max(m, row.count), 0)).length
  const width = Math.min(60, Math.max(10, (process.stdout.columns ?? 80) - 10 - countWidth - 2))
  return `${head}\n${text}\n\n${barChart(r.rows, { width }).join('\n')}`
}

function filterText(f: ClosureFilters): string {
  const parts = [
    f.initiator === undefined ? null : `initiator ${f.initiator}`,
    f.mitraId === undefined ? null : `mitra ${f.mitraId}`,
    f.reason === undefined ? null : `reason ${f.reason}`,
  ].filter((p) => p !== null)
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`
}
