import type { FlagKey } from '../../../config/flag-registry.js'

/** What `flag get` and `flag list` say (on stderr) of a stored value that is not valid for its key: it reads as the default, and how to repair it. */
export function invalidNotice(key: FlagKey, stored: string): string {
  const shown = stored.length > 60 ? `${stored.slice(0, 60)}…` : stored
  return `(!) ${key}: the stored value ${JSON.stringify(shown)} is not valid for it (written by hand?); it reads as the default. Repair it: flag set ${key} <value>, or flag reset ${key}`
}
