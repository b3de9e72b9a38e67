import { userInfo } from 'node:os'

let cached: string | undefined

/**
 * Who this process runs as, for the audit records' `authenticated_as` on SQLite, where the file's
 * permissions are the access control and the OS user is the one identity nobody declared. PostgreSQL
 * records `session_user` itself (migration 0008's triggers), whatever this says.
 *
 * ```ts
 * osIdentity() // 'ops-me'
 * ```
 */
export function osIdentity(): string {
  if (cached === undefined) {
    try {
      cached = userInfo().username
    } catch {
      // a uid without a passwd entry (some containers)
      cached = process.env.USER ?? process.env.LOGNAME ?? `uid:${process.getuid?.() ?? '?'}`
    }
  }
  return cached
}
