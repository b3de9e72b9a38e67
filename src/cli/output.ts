import { jsonText, oneLine, printable, terminalText } from '../present/printable.js'
import type { CliContext } from './context.js'
import { renderTable } from './table.js'

/**
 * Prints a command's result: with `--json` the data itself, as one JSON
 * document on stdout; otherwise what `human` makes of it for a person.
 * Commands build plain data first and never print JSON themselves.
 *
 * ```ts
 * await emit(ctx, flags, (f) => table(ctx, ['key', 'value'], f.map((x) => [x.key, x.value])))
 * ```
 */
export async function emit<T>(ctx: CliContext, data: T, human: (data: T) => string | Promise<string>): Promise<void> {
  // JSON keeps every value exact; text for people keeps only line breaks and our own colours (printable.ts)
  const text = ctx.json ? jsonText(data, 2) : terminalText(await human(data), ctx.color)
  if (text === '') return
  ctx.io.stdout.write(text.endsWith('\n') ? text : `${text}\n`)
}

/**
 * A line for the person that is not data: a "more" line, the command for the next page, a hint, "no
 * sessions". It goes to stderr in every mode, so that stdout holds only the data (`| awk`, `| wc -l`);
 * with `--json` there is none (the document says it: an empty array, a cursor).
 *
 * ```ts
 * notice(ctx, `more sessions; next page:  ${nextCommand(ctx, args)}`)
 * ```
 */
export function notice(ctx: CliContext, text: string): void {
  if (ctx.json) return
  const line = terminalText(text, false)
  ctx.io.stderr.write(line.endsWith('\n') ? line : `${line}\n`)
}

/** A cell already coloured by `paint()` (whose functions escape what they are given): drawn as it is. */
export interface StyledCell {
  readonly styled: string
}

export type Cell = string | number | boolean | null | undefined | StyledCell

/** How a cell reads in a table: missing values as `-`, stored text on one line with its control characters escaped. */
export function cellText(value: Cell): string {
  if (typeof value === 'object' && value !== null) return value.styled
  return value === null || value === undefined || value === '' ? '-' : oneLine(String(value))
}

export interface TableOptions {
  readonly align?: readonly ('left' | 'right')[]
  /** Columns (by index) that may wrap onto more lines when the table is wider than the terminal. */
  readonly wrap?: readonly number[]
  /** Columns (by index) left out when the table cannot fit the terminal even wrapped. */
  readonly optional?: readonly number[]
}

/**
 * A table for people: aligned columns under a header, no box drawing (it
 * greps and pastes cleanly). On a terminal too narrow for it, `wrap` columns
 * wrap, widest first, and `optional` columns go if that is not enough; on a
 * pipe nothing changes. Linear in its cells (`table.ts`).
 */
export async function table(ctx: CliContext, head: readonly string[], rows: readonly (readonly Cell[])[], options: TableOptions = {}): Promise<string> {
  const style = await paint(ctx)
  const width = ctx.io.stdout.isTTY ? (process.stdout.columns ?? 80) : undefined
  return renderTable(
    head.map((h) => printable(h)),
    rows.map((row) => row.map(cellText)),
    { ...options, ...(width === undefined ? {} : { width }), head: (h) => style.bold(h) },
  )
}

export interface Paint {
  bold(text: string): string
  dim(text: string): string
  green(text: string): string
  yellow(text: string): string
  red(text: string): string
}

const PLAIN: Paint = { bold: printable, dim: printable, green: printable, yellow: printable, red: printable }

/**
 * Colours when the context allows them (a TTY, no `--no-color`, no `NO_COLOR`); chalk loads only then.
 * Either way what is painted is made printable first, so a coloured id is still an escaped one.
 */
export async function paint(ctx: CliContext): Promise<Paint> {
  if (!ctx.color) return PLAIN
  const { Chalk } = await import('chalk')
  const c = new Chalk({ level: 1 })
  return {
    bold: (t) => c.bold(printable(t)),
    dim: (t) => c.dim(printable(t)),
    green: (t) => c.green(printable(t)),
    yellow: (t) => c.yellow(printable(t)),
    red: (t) => c.red(printable(t)),
  }
}
