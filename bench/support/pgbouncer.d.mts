/** Types of pgbouncer.mjs (a throwaway PgBouncer in front of a test cluster). */
export interface PgBouncer {
  /** The cluster's URL with PgBouncer's port: `postgres://postgres@127.0.0.1:<port>/<db>`. */
  readonly url: string
  readonly port: number
  readonly mode: 'transaction' | 'session'
  /** PgBouncer's own log file. */
  readonly log: string
  /** Stops PgBouncer and removes its files. Safe to call twice. */
  stop(): void
}
export interface PgBouncerOptions {
  /** The server PgBouncer sends clients to. */
  readonly pgUrl: string
  readonly mode: 'transaction' | 'session'
  /** Login names clients may use (default `postgres`). */
  readonly users?: readonly string[]
  /** Extra `[pgbouncer]` settings; none by default, as a production install starts. */
  readonly settings?: Readonly<Record<string, string | number>>
}
export function findPgBouncer(): string
export function startPgBouncer(options: PgBouncerOptions): Promise<PgBouncer>
