// Placeholder owned by the reports work (issue 6): replaced by the real service.
import type { HaloDatabase } from '../store/database.js'
import type { Clock } from '../core/clock.js'

export type ClosureGrouping = 'day' | 'mitra' | 'reason' | 'initiator'

export interface ReportService {
  closures(by: ClosureGrouping, range?: { from?: string; to?: string }, filters?: { initiator?: string; mitraId?: string }): Promise<unknown>
  cap(day?: string): Promise<unknown>
}

export function createReportService(_handle: HaloDatabase, _options: { clock?: Clock } = {}): ReportService {
  throw new Error('createReportService: not built yet')
}
