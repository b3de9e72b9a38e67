/** Types of fixed-time.mjs. */
/** 2026-11-24T03:00:00.000Z: 10:00 on business day 2026-11-24 in Jakarta. */
export declare const NOW: string
