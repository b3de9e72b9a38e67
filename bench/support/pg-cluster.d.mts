/** Types of pg-cluster.mjs (a throwaway PostgreSQL cluster for tests and benchmarks). */
export interface Cluster {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust auth, no password). */
  readonly url: string
  readonly port: number
  /** Holds the data directory, the socket and `server.log`; removed by `stop()`. */
  readonly dataDir: string
  /** The postmaster's pid (changes after `restart()`), 0 while it is down. */
  readonly pid: number
  /** Stops the server (immediate) and removes every file. Safe to call twice. */
  stop(): void
  /** Stops the server at once (as a crash would) and starts it again on the same port. */
  restart(): void
  /** Stops the server (fast shutdown); `start()` brings it back. */
  stopServer(): void
  start(): void
}

export function findPgBin(): string
export function freePort(): Promise<number>
export interface ClusterOptions {
  /** Server settings (`-c key=value`) over the defaults, e.g. `{ synchronous_commit: 'on' }` for crash tests. */
  readonly settings?: Readonly<Record<string, string | number>>
}
export function startCluster(options?: ClusterOptions): Promise<Cluster>
export function clusterBaseDir(): string
