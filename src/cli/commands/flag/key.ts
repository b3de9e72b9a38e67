import { HaloError } from '../../../errors.js'
import { FLAG_DEFINITIONS, isFlagKey, type FlagKey } from '../../../config/flag-registry.js'
import { completing } from '../../parse.js'

/** A flag key argument: an unknown key is UNKNOWN_FLAG (exit 2), found before the database is opened. */
export const flagKey = completing(
  (text: string): FlagKey => {
    if (!isFlagKey(text)) throw new HaloError('UNKNOWN_FLAG', `unknown flag "${text}"; known: ${FLAG_DEFINITIONS.map((d) => d.key).join(', ')}`)
    return text
  },
  FLAG_DEFINITIONS.map((d) => d.key),
)
