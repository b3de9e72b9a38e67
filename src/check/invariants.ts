// Placeholder owned by the reliability work (issue 7): replaced by the real checker.
import type { HaloDatabase } from '../store/database.js'

export interface InvariantCheck {
  readonly name: string
  readonly ok: boolean
  readonly violations: number
  readonly examples: readonly string[]
}

export interface InvariantReport {
  readonly ok: boolean
  readonly checks: readonly InvariantCheck[]
}

export async function checkInvariants(_handle: HaloDatabase): Promise<InvariantReport> {
  throw new Error('checkInvariants: not built yet')
}
