import { createContext, useContext, type ReactNode } from 'react'
import type { Clock } from '../core/clock.js'
import type { HaloDatabase } from '../store/database.js'
import { createClosureService, type ClosureService } from '../closure/closure-service.js'
import { createLiveSessions, type LiveSessions } from '../closure/live-sessions.js'
import { createConfigStore, type ConfigStore } from '../config/config-store.js'
import { createReportService, type ReportService } from '../report/report-service.js'
import { createReviewService, type ReviewService } from '../review/review-service.js'
import { createGuardService, type GuardService } from '../guard/guard-service.js'
import { createRolloutService, type RolloutService } from '../rollout/rollout-service.js'

/** Where the TUI works, for its header: never holds a password. */
export interface DatabaseLabel {
  /** The target with any password masked (`HaloDatabase.target`). */
  readonly target: string
  readonly engine: 'sqlite' | 'postgres'
}

/** What every screen reads and writes through: the library's services, the operator and the clock. */
export interface TuiServices {
  readonly config: ConfigStore
  readonly closures: ClosureService
  /** Sesi Aktif's view of the live sessions: one full read, then only what changed. */
  readonly live: LiveSessions
  readonly reviews: ReviewService
  readonly reports: ReportService
  readonly rollout: RolloutService
  readonly guard: GuardService
  /** The operator: the actor of every change made from the TUI. */
  readonly actor: string
  readonly clock: Clock
  /** How often screens reload their data, in milliseconds. */
  readonly refreshMs: number
  readonly database: DatabaseLabel
  /**
   * A halo-admin command for the operator to paste, as the CLI prints its next steps: started the way
   * they ran halo-admin (`npx halo-admin` from a clone), with the `--db` they gave. Plain `halo-admin …`
   * when the TUI runs without the CLI.
   */
  command(args: readonly string[]): string
}

/**
 * The services over an opened handle. The TUI never opens a database itself.
 *
 * ```ts
 * const services = servicesFor(handle, { actor: 'ops-ana', clock: systemClock })
 * ```
 */
export function servicesFor(
  handle: HaloDatabase,
  options: { actor: string; clock: Clock; refreshMs?: number | undefined; command?: ((args: readonly string[]) => string) | undefined },
): TuiServices {
  const { clock } = options
  return Object.freeze({
    config: createConfigStore(handle, { clock }),
    closures: createClosureService(handle, { clock }),
    live: createLiveSessions(handle),
    reviews: createReviewService(handle, { clock }),
    reports: createReportService(handle, { clock }),
    rollout: createRolloutService(handle, { clock }),
    guard: createGuardService(handle, { clock }),
    actor: options.actor,
    clock,
    refreshMs: options.refreshMs ?? 2000,
    database: Object.freeze({ target: handle.target, engine: handle.engineName }),
    command: options.command ?? ((args: readonly string[]) => ['halo-admin', ...args].join(' ')),
  })
}

const ServicesContext = createContext<TuiServices | null>(null)

/** Hands the services to every screen below it. */
export function ServicesProvider({ services, children }: { services: TuiServices; children: ReactNode }) {
  return <ServicesContext.Provider value={services}>{children}</ServicesContext.Provider>
}

/** The services of the nearest `ServicesProvider`; throws outside one, so a screen cannot run without them. */
export function useServices(): TuiServices {
  const services = useContext(ServicesContext)
  if (services === null) throw new Error('useServices() must be used inside <ServicesProvider>')
  return services
}
