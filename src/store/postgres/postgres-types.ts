import pg from 'pg'

const { types: pgTypes } = pg

const BOOL = 16
const INT8 = 20
const NUMERIC = 1700
const TIMESTAMPTZ = 1184
const TIMESTAMP = 1114

const parseTimestamptz = pgTypes.getTypeParser(TIMESTAMPTZ, 'text') as (v: string) => Date | string
/** A `timestamptz` in any session time zone, as the ISO-8601 UTC string SQLite stores (`infinity` stays as is). */
const isoUtc = (v: string): string => {
  const d = parseTimestamptz(v)
  return d instanceof Date && !Number.isNaN(d.getTime()) ? d.toISOString() : v
}

/**
 * Rows come back with the same JS values as on SQLite: counts and ids as numbers (ids are `bigint`
 * columns; JavaScript numbers hold them exactly up to 2^53 - 1, which the library checks on input),
 * times as ISO-8601 UTC strings, booleans as 0/1 (SQLite has no boolean type).
 * Given with every query, so a pool handed in by the backend keeps its own parsers.
 */
export const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
    if (oid === INT8 || oid === NUMERIC) return (v: string) => Number(v)
    if (oid === BOOL) return (v: string) => (v === 't' ? 1 : 0)
    if (oid === TIMESTAMPTZ) return isoUtc
    if (oid === TIMESTAMP) return (v: string) => isoUtc(`${v}+00`)
    return pgTypes.getTypeParser(oid, format as 'text')
  },
}
