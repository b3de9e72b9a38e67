/**
 * Time in the tests: the instant they run at (one definition, shared with the benchmarks:
 * bench/support/fixed-time.mjs) and a plain wait.
 */
import { NOW } from '../../bench/support/fixed-time.mjs'

/** 2026-11-24T03:00:00.000Z: 10:00 on business day 2026-11-24 in Jakarta. Also what `HALO_NOW` is set to. */
export { NOW }

/** NOW as a Date, for the pure rules that take one. */
export const NOW_DATE = new Date(NOW)

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
