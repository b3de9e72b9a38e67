import { createRequire } from 'node:module'

/**
 * This package's version, read from its package.json when first asked (by
 * `--version` and the completion scripts): resolving the package's own name
 * costs a few milliseconds every other command need not pay.
 */
export function packageVersion(): string {
  return (createRequire(import.meta.url)('halo-admin/package.json') as { version: string }).version
}
