/** Types of fingerprint.mjs. */
export interface FingerprintOptions {
  /** Also record which of the file, its -wal and its -shm exist. */
  readonly files?: boolean
}

/** A SHA-256 of a SQLite file and of its WAL (missing or empty: 'empty'); with `files`, which of the three files exist. */
export function fingerprint(db: string, options?: FingerprintOptions): string
