import { HaloError } from '../../../errors.js'
import { FLAG_DEFINITIONS, isFlagKey, type FlagDefinition, type FlagKey } from '../../../config/flag-registry.js'
import { completing, type Completable } from '../../parse.js'
import { didYouMean } from '../../suggest.js'

const KEYS = FLAG_DEFINITIONS.map((d) => d.key)

/** A flag key argument: an unknown key is UNKNOWN_FLAG (exit 2), found before the database is opened, with the keys it may have meant. */
export const flagKey = completing(
  (text: string): FlagKey => {
    if (!isFlagKey(text)) throw new HaloError('UNKNOWN_FLAG', `unknown flag "${text}"${didYouMean(text, KEYS)}; known: ${KEYS.join(', ')}`)
    return text
  },
  KEYS,
  false,
  // what each flag means, beside its key where the shell shows descriptions (fish)
  Object.fromEntries(FLAG_DEFINITIONS.map((d) => [d.key, d.description])),
)

/** The values a flag takes when they are a fixed set (booleans, `block|allow`, the default reason codes as a list); none otherwise. */
function fixedValues(d: FlagDefinition): { values: readonly string[]; list: boolean } | null {
  if (d.type === 'boolean') return { values: ['true', 'false'], list: false }
  if (d.type === 'enum') return { values: d.hint.split('|'), list: false }
  if (d.type === 'code-list') return { values: d.default as readonly string[], list: true }
  return null
}

/**
 * `flag set <key> <value>`'s value, as typed (the config store parses it for the key): completion
 * offers each key's values where they are a fixed set.
 */
export const flagValue: ((text: string) => string) & Completable = Object.assign((text: string) => text, {
  completionsAfter: Object.fromEntries(
    FLAG_DEFINITIONS.flatMap((d) => {
      const v = fixedValues(d)
      return v === null ? [] : [[d.key, v]]
    }),
  ),
})
