/** Types of prerequisites.mjs. */
export type EngineName = 'sqlite' | 'postgres'

export declare const ALL_ENGINES: readonly EngineName[]

/** The engines of the dialect matrix this run covers, from HALO_ENGINES; throws on a name it does not know. */
export function selectedEngines(env?: NodeJS.ProcessEnv): EngineName[]

/** Whether the run needs a PostgreSQL server of its own (PostgreSQL selected, no HALO_TEST_PG_URL). */
export function needsOwnPostgres(env?: NodeJS.ProcessEnv): boolean

export interface Missing {
  /** What is missing, for people. */
  readonly what: string
  /** The Debian package that installs it. */
  readonly pkg: string
}

/** What is missing: [] when the machine has everything the run needs. */
export function missingPrerequisites(env?: NodeJS.ProcessEnv): Missing[]

/** The one line that stops the run, or null when nothing is missing. */
export function prerequisiteProblem(env?: NodeJS.ProcessEnv): string | null
