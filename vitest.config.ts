import { availableParallelism } from 'node:os'
import { configDefaults, defineConfig } from 'vitest/config'
import { selectedEngines } from './test/support/prerequisites.mjs'

/** Files that test PostgreSQL itself: left out when HALO_ENGINES leaves PostgreSQL out. */
const POSTGRES_ONLY = ['test/postgres/**', 'test/cli/postgres.test.ts']

export default defineConfig({
  test: {
    include: ['test/**/*.test.{ts,tsx}'],
    exclude: [...configDefaults.exclude, ...(selectedEngines().includes('postgres') ? [] : POSTGRES_ONLY)],
    globalSetup: ['test/global-setup.ts'],
    // ink reads CI at import: tests render as on a person's terminal, as `halo-admin tui` does
    setupFiles: ['src/tui/interactive-terminal.ts'],
    pool: 'forks',
    // Two files at a time even on CI's 2 cores: most of a file's time is spent waiting on the CLI
    // processes, servers and terminals it drives (8 min instead of 13 there). Each worker has a
    // PostgreSQL server of its own (test/global-setup.ts), so one file's restart or open transaction
    // never reaches another's. HALO_TEST_WORKERS=1 runs one file at a time.
    maxWorkers: Number(process.env.HALO_TEST_WORKERS) || Math.min(4, Math.max(2, availableParallelism() - 1)),
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
