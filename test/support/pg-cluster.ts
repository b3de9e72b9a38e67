/**
 * The throwaway PostgreSQL cluster of the test run and of the PostgreSQL tests
 * that need a private server (restarts). One copy of the code, shared with the
 * benchmarks: bench/support/pg-cluster.mjs (initdb template cache, free port,
 * watchdog that stops the server and removes its files if this process dies).
 */
export { findPgBin, freePort, startCluster, type Cluster, type ClusterOptions } from '../../bench/support/pg-cluster.mjs'
