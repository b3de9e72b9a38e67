import { once } from 'node:events'
import { jsonText, printable } from '../present/printable.js'
import type { CliContext } from './context.js'

/** A CSV column: the field of each record it reads, and its header. */
export interface CsvColumn {
  readonly key: string
  readonly header: string
}

/**
 * Writes `records` to stdout as CSV (RFC 4180: a header line, fields with
 * commas, quotes or line breaks quoted), one record at a time: the source is
 * read only as fast as stdout takes the output, so memory stays flat for any
 * number of records. Values are written verbatim (escaped only on a terminal); booleans as true/false,
 * null as an empty field. csv-stringify loads only here.
 *
 * ```ts
 * await writeCsv(ctx, [{ key: 'key', header: 'day' }, { key: 'count', header: 'count' }], report.rows)
 * ```
 */
export async function writeCsv(ctx: CliContext, columns: readonly CsvColumn[], records: AsyncIterable<object> | Iterable<object>): Promise<void> {
  const [{ stringify }, { Readable }, { pipeline }] = await Promise.all([import('csv-stringify'), import('node:stream'), import('node:stream/promises')])
  // values verbatim for a file or a pipe; on a terminal, which would obey their control characters, escaped
  const onTerminal = ctx.io.stdout.isTTY === true
  const csv = stringify({
    header: true,
    columns: [...columns],
    cast: { boolean: (v) => (v ? 'true' : 'false'), ...(onTerminal ? { string: (v: string) => printable(v) } : {}) },
  })
  await pipeline(Readable.from(records), csv, (source: AsyncIterable<string | Buffer>) => drainInto(ctx.io.stdout, source))
}

/**
 * Writes `items` to stdout as one JSON array, one item a line, as they come:
 * still one JSON document, never held in memory whole.
 */
export async function writeJsonArray(ctx: CliContext, items: AsyncIterable<unknown>): Promise<void> {
  async function* lines() {
    let first = true
    for await (const item of items) {
      yield `${first ? '[\n  ' : ',\n  '}${jsonText(item)}`
      first = false
    }
    yield first ? '[]\n' : '\n]\n'
  }
  await drainInto(ctx.io.stdout, lines())
}

/**
 * Writes what `source` yields to `out` as fast as `out` takes it. `out` is not
 * ended (it is the process's, and an error line may still follow) and keeps no
 * listener of ours: piping into it (stream.pipeline with end: false) left four
 * on stdout per call, which a process running the CLI repeatedly piles up.
 */
async function drainInto(out: NodeJS.WritableStream, source: AsyncIterable<string | Buffer>): Promise<void> {
  for await (const chunk of source) if (!out.write(chunk)) await once(out, 'drain')
}
