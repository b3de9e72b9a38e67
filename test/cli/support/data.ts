/**
 * Data for the report, review, whatif and simulate CLI tests: closures and
 * reviews written through the library (with a walking clock), an RFC 4180
 * reader to parse the CLI's CSV back independently of csv-stringify, and a
 * fingerprint of a SQLite file to prove a command changed nothing.
 */
import {
  createClosureService,
  createConfigStore,
  fixedClock,
  migrateToLatest,
  openDatabase,
  UserType,
  type ClosureService,
  type HaloDatabase,
} from '../../../src/index.js'
import { expect } from 'vitest'
import { fingerprint } from '../../support/fingerprint.mjs'
import { cliOn, errorLine } from './cli.js'

export interface Seeder {
  readonly handle: HaloDatabase
  readonly closures: ClosureService
  /** Moves the clock the closures are written with. */
  at(iso: string): void
  /** A session of `mitraId`, ended early by that mitra with `reason` (and `note`); returns the session id. */
  mitraEnds(mitraId: string, reason: string, note?: string): Promise<number>
  /** A session ended early by its customer. */
  customerEnds(mitraId: string): Promise<number>
}

/** Opens `db` (created and migrated), turns early ends on with `flags`, runs `fill`, closes. */
export async function seed(db: string, flags: Record<string, unknown>, fill: (s: Seeder) => Promise<void>): Promise<void> {
  const handle = await openDatabase(db)
  try {
    await migrateToLatest(handle)
    const config = createConfigStore(handle, { clock: fixedClock('2026-11-01T00:00:00Z') })
    for (const [key, value] of Object.entries({ early_end_mitra_enabled: true, early_end_customer_enabled: true, ...flags }))
      await config.set(key as never, value as never, { actor: 'test-ops' })
    const clock = fixedClock('2026-11-20T03:00:00Z')
    const closures = createClosureService(handle, { clock })
    let customer = 0
    const open = (mitraId: string) => closures.openSession({ mitraId, customerId: `c-${++customer}` })
    await fill({
      handle,
      closures,
      at: (iso) => clock.set(iso),
      async mitraEnds(mitraId, reason, note) {
        const s = await open(mitraId)
        await closures.initiateEarlyEnd(s.id, UserType.MITRA, { actorId: mitraId, reason, ...(note === undefined ? {} : { note }) })
        return s.id
      },
      async customerEnds(mitraId) {
        const s = await open(mitraId)
        await closures.initiateEarlyEnd(s.id, UserType.CUSTOMER, { actorId: s.customerId })
        return s.id
      },
    })
  } finally {
    await handle.close()
  }
}

/** Reads CSV as RFC 4180 writes it: fields separated by commas, quoted when they hold commas, quotes or line breaks. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = []
  let record: string[] = []
  let field = ''
  let i = 0
  let quoted = false
  while (i < text.length) {
    const c = text[i]!
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"'
        i += 2
        continue
      }
      if (c === '"') quoted = false
      else field += c
      i++
      continue
    }
    if (c === '"') {
      if (field !== '') throw new Error(`a quote inside an unquoted field at ${i}`)
      quoted = true
    } else if (c === ',') {
      record.push(field)
      field = ''
    } else if (c === '\n' || (c === '\r' && text[i + 1] === '\n')) {
      record.push(field)
      records.push(record)
      record = []
      field = ''
      if (c === '\r') i++
    } else field += c
    i++
  }
  if (quoted) throw new Error('the CSV ends inside a quoted field')
  if (field !== '' || record.length > 0) throw new Error('the CSV does not end with a line break')
  return records
}

/** Runs `args` on `db` and expects a refusal: `exit`, nothing on stdout, one error line with `code`, the file unchanged. */
export async function expectRefused(db: string, args: readonly string[], exit = 2, code = 'INVALID_INPUT'): Promise<{ code: string; message: string }> {
  const before = fingerprint(db, { files: true })
  const r = await cliOn(db, args)
  expect(r.code).toBe(exit)
  expect(r.stdout).toBe('')
  const line = errorLine(r)
  expect(line.code).toBe(code)
  expect(fingerprint(db, { files: true })).toBe(before)
  return line
}
