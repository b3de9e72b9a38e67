// Holds the writer lock of a SQLite file from another process, for test/reliability/faults.test.ts:
// BEGIN IMMEDIATE, prints "locked", and rolls back and exits once its stdin closes.
// Usage: node lock-holder.mjs <file>
import Database from 'better-sqlite3'

const db = new Database(process.argv[2])
db.exec('begin immediate')
process.stdout.write('locked\n')
process.stdin.resume()
process.stdin.on('end', () => {
  db.exec('rollback')
  db.close()
  process.exit(0)
})
