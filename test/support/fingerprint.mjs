/**
 * What a SQLite database is on disk, to prove that something changed nothing: a SHA-256 of the file
 * and of its WAL (a missing and an empty WAL hold the same data). With `files`, also which of the
 * file, its -wal and its -shm exist: a command that leaves a file behind changed the file set.
 * Plain JavaScript so the CLI fuzz worker (plain .mjs, run by node) and the tests share one copy;
 * types in fingerprint.d.mts.
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'

const hash = (file) => {
  const bytes = existsSync(file) ? readFileSync(file) : Buffer.alloc(0)
  return bytes.length === 0 ? 'empty' : createHash('sha256').update(bytes).digest('hex')
}

/** Equal before and after exactly when the data did not change (and, with `files`, no file came or went). */
export function fingerprint(db, options = {}) {
  const parts = [hash(db), hash(`${db}-wal`)]
  if (options.files === true) parts.push(`files:${['', '-wal', '-shm'].filter((s) => existsSync(db + s)).map((s) => s || 'db')}`)
  return parts.join(' ')
}
