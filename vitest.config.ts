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
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
