import { formatDuration, formatInstant } from '../present/time.js'
import type { CliContext } from './context.js'

/** How instants read in a command's text: one format for every command (contract §6). */
export interface Times {
  /** The zone instants are shown in: `business_timezone`, or `UTC` with `--utc`. */
  readonly zone: string
  /** `2026-11-24 10:00 WIB` (`2026-11-24 03:00 UTC` with `--utc`); null reads `-`. */
  at(iso: string | null, options?: { readonly seconds?: boolean }): string
}

/**
 * The time format of this run: the business time zone with its abbreviation,
 * read from the flags, or UTC with `--utc`. Called by text printers only, so
 * `--json` (ISO-8601 UTC, always) never reads the flag.
 *
 * ```ts
 * const t = await times(ctx)
 * t.at(session.endsAt) // '2026-11-24 10:30 WIB'
 * ```
 */
export async function times(ctx: CliContext): Promise<Times> {
  const zone = ctx.utc ? 'UTC' : await businessZone(ctx)
  return { zone, at: (iso, options = {}) => formatInstant(iso, zone, options) }
}

/**
 * The business zone, or UTC when it cannot be read: a printer runs after the command's write has
 * committed, and a lost connection then must not report a done `session open` as failed (a retry
 * would open a second session). Every time printed carries its zone, so UTC is never mistaken.
 */
async function businessZone(ctx: CliContext): Promise<string> {
  try {
    const { createConfigStore } = await import('../config/config-store.js')
    return await createConfigStore(await ctx.database(), { clock: ctx.clock }).get('business_timezone')
  } catch {
    return 'UTC'
  }
}

/** A length of time: `45s`, `4m 30s`, `1h 05m`, `2d 3h` (present/time.ts). */
export const duration = formatDuration
