import type Database from 'better-sqlite3'
import type { FileIntegrity } from '../engine.js'

const CORRUPT = /^SQLITE_(CORRUPT|NOTADB)/

type Row = Record<string, unknown>

/**
 * The file's own integrity: `PRAGMA quick_check` (every page and row, about a second per million
 * closures) or `integrity_check` (also compares every index with its table, ten to fifteen times as
 * long), then `foreign_key_check` when the file is sound.
 */
export function checkSqliteFile(raw: Database.Database, depth: 'quick' | 'full'): FileIntegrity {
  const pragmas = depth === 'full' ? ['integrity_check', 'quick_check'] : ['quick_check']
  const integrity = fileProblems(raw, pragmas)
  const damaged = integrity.length > 0
  const problems = damaged
    ? integrity
    : (raw.prepare('pragma foreign_key_check').all() as Row[]).map((r) => `${r.table} row ${r.rowid} references a missing ${r.parent} row`)
  return { pragma: pragmas[0]!, problems, damaged }
}

/**
 * What the pragmas find, one line per problem. `integrity_check` gives up with SQLITE_CORRUPT on some damage
 * (a broken interior page of an index it compares with its table); `quick_check` skips that comparison
 * and still reports the page, and when even that fails the error itself is the finding.
 */
function fileProblems(raw: Database.Database, pragmas: readonly string[]): string[] {
  for (const pragma of pragmas) {
    let rows: Row[]
    try {
      rows = raw.prepare(`pragma ${pragma}`).all() as Row[]
    } catch (e) {
      if (!CORRUPT.test(String((e as { code?: unknown }).code))) throw e
      if (pragma === 'quick_check') return [`${pragma}: ${(e as Error).message}`]
      continue
    }
    const lines = rows.flatMap((r) => String(Object.values(r)[0]).split('\n')).filter((l) => l !== '*** in database main ***')
    return lines.length === 1 && lines[0] === 'ok' ? [] : lines
  }
  return []
}
