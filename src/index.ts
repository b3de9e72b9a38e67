/**
 * halo-admin: the session-closure library of the Halo chat backend.
 *
 * ```ts
 * import { openDatabase, migrateToLatest, createClosureService, UserType } from 'halo-admin'
 * ```
 */
export { HaloError, ErrorCode, httpStatusFor, isHaloError, type HttpErrorStatus } from './errors.js'
export {
  handleEndSessionRequest,
  type EndSessionRequest,
  type EndSessionServices,
  type EndSessionResponse,
  type HttpErrorBody,
} from './http/end-session-request.js'
export { UserType } from './core/user-type.js'
export {
  SESSION_STATUSES,
  LIVE_STATUSES,
  REVIEW_OUTCOMES,
  REVIEW_STATUSES,
  INITIATORS,
  CLOSURE_KINDS,
  DAILY_CAP_TRIGGER,
  type Initiator,
  type SessionStatus,
  type ReviewOutcome,
  type ReviewStatus,
  type ClosureKind,
} from './core/vocabulary.js'
export { EndSessionRequestBody, EarlyEndInput, GoodbyeInput } from './core/validation.js'
export { businessDay, isValidTimeZone, isCalendarDay, addDays } from './core/business-day.js'
export { systemClock, fixedClock, parseInstant, type Clock } from './core/clock.js'
export {
  decideEarlyEnd,
  decideGoodbye,
  earlyEndEnabledFor,
  reasonRequiredFor,
  noteRequiredFor,
  remainingToday,
  type EarlyEndDecision,
  type EarlyEndPlan,
  type SessionFacts,
  type CapFacts,
} from './core/early-end-rules.js'
export { openDatabase, redactTarget, type HaloDatabase, type OpenOptions } from './store/database.js'
export { migrateToLatest, migrationStatus, type MigrateResult, type MigrationStatus } from './store/migrate.js'
export { schemaState, type SchemaState } from './store/schema-state.js'
export type { Schema } from './store/schema.js'
export {
  FLAG_DEFINITIONS,
  defaultFlags,
  isFlagKey,
  parseFlagText,
  readFlagText,
  type Flags,
  type FlagKey,
  type FlagDefinition,
} from './config/flag-registry.js'
export { createConfigStore, type ConfigStore, type FlagState, type FlagChange, type ChangeOptions } from './config/config-store.js'
export {
  createClosureService,
  type ClosureService,
  type EarlyEndResult,
  type OpenSessionInput,
  type SessionFilter,
  type ClientConfig,
} from './closure/closure-service.js'
export type { SweepOptions, SweepResult } from './closure/sweep.js'
export type { Session, SessionDetail, SessionEvent, Closure, Goodbye } from './closure/session-view.js'
export {
  createEventFeed,
  EVENT_TYPES,
  type EventFeed,
  type EventFilter,
  type EventListing,
  type EventPage,
  type FeedOptions,
  type LifecycleEvent,
  type ListedEvent,
  type ListOptions as EventListOptions,
  type ReadOptions,
  type WaitOptions,
} from './events/event-feed.js'
export { createReviewService, type ReviewService, type Review, type ReviewDetail, type ReviewFilter, type ResolveInput } from './review/review-service.js'
export {
  createReportService,
  CLOSURE_GROUPINGS,
  type ReportService,
  type ClosureGrouping,
  type ClosureFilters,
  type ClosureReport,
  type ClosureReportRow,
  type ClosureDetail,
  type CapReport,
  type CapReportRow,
} from './report/report-service.js'
export { resolveRange, DEFAULT_RANGE_DAYS, type DayRange, type ResolvedRange } from './report/day-range.js'
export { barChart } from './report/closure-chart.js'
export { simulate, type SimulateOptions, type SimulationSummary } from './simulate/simulator.js'
export { checkInvariants, type InvariantReport, type InvariantCheck } from './check/invariants.js'
export { createAuditService, type AuditService, type AuditVerification, type AuditProblem } from './audit/audit-service.js'
export { applyRoles, describeRoles, rolesSql, HALO_ROLES, type HaloRoleName } from './access/roles.js'
export { seededRandom, type Random } from './simulate/prng.js'
export { replayRollout, type RecordedClosure, type RolloutProposal, type RolloutReplay, type GuardTripReplay } from './whatif/rollout-replay.js'
export { type RolloutWhatIf, type WhatIfRolloutReport } from './whatif/whatif-service.js'
export { createWhatIfService, type WhatIfService, type WhatIfCapReport, type WhatIfSide, type WhatIfMitra, type CapProposal } from './whatif/whatif-service.js'
export { replayCap, proposalFlags, sameOutcome, type RecordedEarlyEnd, type ReplayedEarlyEnd } from './whatif/cap-replay.js'
export { rolloutBucket, inRollout, rolloutShare, COHORT_MODES, type CohortMode } from './core/rollout.js'
export {
  guardReadings,
  guardTrip,
  guardProblem,
  type GuardThresholds,
  type GuardSetting,
  type GuardMeasures,
  type GuardReading,
  type GuardThresholdName,
} from './core/guard-rules.js'
export { createRolloutService, type RolloutService, type CohortMember, type CohortChange, type RolloutStanding } from './rollout/rollout-service.js'
export { createGuardService, type GuardService, type GuardStatus } from './guard/guard-service.js'
