/**
 * The PRD's Indonesian strings, verbatim (contract §6 and §7): the mitra app
 * shows them, and the CLI and the TUI ask the same question in the same
 * words. Every other word a person reads is English. Plain constants only:
 * the CLI imports this on its start-up path, so it must import nothing.
 *
 * ```ts
 * import { END_CONFIRM_TITLE, END_CANCEL } from '../present/prd-strings.js'
 * ```
 */

/** The end-session confirmation's title. */
export const END_CONFIRM_TITLE = 'Akhiri Sesi?'
/** The end-session confirmation's question. */
export const END_CONFIRM_BODY = 'Apakah kamu yakin ingin mengakhiri sesi ini?'
/** The choice that changes nothing; a confirmation opens on it. */
export const END_CANCEL = 'Batal'
/** The choice that ends the session. */
export const END_CONFIRM = 'Ya, Akhiri'
/** The choices in the order they are shown: `Batal` first, so it is the default. */
export const END_CHOICES = Object.freeze([END_CANCEL, END_CONFIRM] as const)
/** The live sessions screen of the TUI. */
export const ACTIVE_SESSIONS = 'Sesi Aktif'
/** The mitra app's end button (shown with its chevron: `Akhiri ›`). */
export const END_ACTION = 'Akhiri'
