/**
 * A throwaway PgBouncer (Debian's, default settings) in front of the test cluster, in transaction or
 * session mode. One copy of the code, shared with the benchmarks: bench/support/pgbouncer.mjs.
 */
export { findPgBouncer, startPgBouncer, type PgBouncer, type PgBouncerOptions } from '../../bench/support/pgbouncer.mjs'
