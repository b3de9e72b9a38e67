/**
 * The instant the tests and the benchmarks run at unless they say otherwise: 03:00 UTC on
 * 2026-11-24, 10:00 of business day 2026-11-24 in Jakarta (the default business_timezone).
 * Plain JavaScript so the benchmarks (plain .mjs) and the tests (through test/support/time.ts)
 * share one copy, as pg-cluster.mjs is shared; types in fixed-time.d.mts.
 */
export const NOW = '2026-11-24T03:00:00.000Z'
