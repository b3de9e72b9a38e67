/**
 * What a database target says, read by parsing it, never by pattern-matching
 * text: a SQLite path, `:memory:`, a `postgres://` URL, or a libpq key/value
 * string (`host=db user=halo password=…`). Every target has a `display` form
 * with its password masked; no message the library builds holds the raw
 * target. A password is never found by searching text for it, so a short one
 * (`e`) cannot mask unrelated words and a long or odd one (spaces, `/`, 300
 * characters) cannot slip past a pattern.
 */
import { HaloError } from '../errors.js'

export type Target =
  | { readonly engine: 'sqlite'; readonly path: string; readonly memory: boolean; readonly display: string }
  | {
      readonly engine: 'postgres'
      /** A `postgres://` URL holding everything the driver needs (a key/value string is turned into one). */
      readonly url: string
      readonly display: string
      /** The password, decoded; null when the target has none. To open with, never to print. */
      readonly password: string | null
      /** The schema the library's tables live in (`?schema=halo`, as Prisma URLs say it); null: the connection's default. */
      readonly schema: string | null
    }

/** A PostgreSQL schema name halo-admin takes: an unquoted identifier, as `create schema halo` would write it. */
export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

/** The schema name, checked; INVALID_INPUT for one that would need quoting. */
export function checkSchemaName(name: string): string {
  if (!SCHEMA_NAME.test(name)) throw new HaloError('INVALID_INPUT', `schema "${name}": expected 1-63 characters of a-z, 0-9 and _, not starting with a digit`)
  if (/^(pg_|information_schema$)/.test(name))
    throw new HaloError(
      'INVALID_INPUT',
      `schema "${name}" is a system schema (pg_dump skips it, and it belongs to the server): give halo-admin a schema of its own, e.g. halo`,
    )
  return name
}

const POSTGRES_URL = /^postgres(?:ql)?:\/\//i
/** Looks like PostgreSQL but is not a URL it can be: `postgres:/…`, `postgresql:x`. */
const POSTGRES_LIKE = /^postgres(?:ql)?:/i
const OTHER_SCHEME = /^([a-z][a-z0-9+.-]{0,30}):\/\//i
/** A libpq key/value connection string starts with `keyword =`. */
const CONNINFO_START = /^[a-z_]+\s*=/i

/** URL query parameters that carry a secret. */
const SECRET_PARAMS = new Set(['password', 'sslpassword'])

const MASK = '***'

/**
 * Reads a target; INVALID_INPUT (and nothing opened or created) for an empty
 * one, a malformed PostgreSQL URL, another database's URL (`mysql://`) or a
 * key/value string with keywords halo-admin does not take.
 *
 * ```ts
 * parseTarget('postgres://halo:s3cret@db:5432/halo').display // 'postgres://halo:***@db:5432/halo'
 * parseTarget('halo.db') // { engine: 'sqlite', path: 'halo.db', memory: false, display: 'halo.db' }
 * ```
 */
export function parseTarget(target: string): Target {
  if (typeof target !== 'string') throw new HaloError('INVALID_INPUT', 'the database target must be a string: a SQLite file path or a postgres:// URL')
  const trimmed = target.trim()
  if (trimmed === '') throw new HaloError('INVALID_INPUT', 'the database target is empty: give a SQLite file path or a postgres:// URL')
  if (POSTGRES_URL.test(trimmed)) return postgresUrl(trimmed)
  if (POSTGRES_LIKE.test(trimmed))
    throw new HaloError('INVALID_INPUT', `${maskAfterScheme(trimmed)} is not a PostgreSQL URL: write postgres://user:password@host:5432/database`)
  const scheme = OTHER_SCHEME.exec(trimmed)
  if (scheme !== null)
    throw new HaloError('INVALID_INPUT', `${scheme[1]!.toLowerCase()}:// is not a database halo-admin works with: give a SQLite file path or a postgres:// URL`)
  if (CONNINFO_START.test(trimmed)) return conninfo(trimmed)
  // better-sqlite3 trims the name: ' :memory:' is a database in memory too
  if (trimmed === ':memory:') return { engine: 'sqlite', path: target, memory: true, display: target }
  return { engine: 'sqlite', path: target, memory: false, display: target }
}

function postgresUrl(text: string): Target {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new HaloError(
      'INVALID_INPUT',
      `${maskAfterScheme(text)} is not a valid URL: write postgres://user:password@host:5432/database (percent-encode / @ : in the password)`,
    )
  }
  let password = url.password === '' ? null : decode(url.password)
  for (const name of SECRET_PARAMS) {
    const value = url.searchParams.get(name)
    if (name === 'password' && value !== null && value !== '') password ??= value
  }
  const schema = url.searchParams.get('schema')
  return { engine: 'postgres', url: text, display: displayUrl(url), password, schema: schema === null || schema === '' ? null : checkSchemaName(schema) }
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/** The URL as parsed, password and secret parameters replaced by `***`. */
function displayUrl(url: URL): string {
  const user = url.username === '' ? '' : `${url.username}${url.password === '' ? '' : `:${MASK}`}@`
  const params = [...url.searchParams].map(([k, v]) => `${encodeURIComponent(k)}=${SECRET_PARAMS.has(k.toLowerCase()) ? MASK : encodeURIComponent(v)}`)
  return `${url.protocol}//${user}${url.host}${url.pathname}${params.length === 0 ? '' : `?${params.join('&')}`}`
}

/** What follows the scheme is not shown at all: it could not be read, so its password could not be found. */
function maskAfterScheme(text: string): string {
  const at = text.indexOf(':')
  return `${text.slice(0, at + 1).toLowerCase()}${text.startsWith('//', at + 1) ? '//' : ''}${MASK}`
}

/** libpq keywords halo-admin takes, and the URL part each becomes. */
const CONNINFO_KEYS = new Set(['host', 'hostaddr', 'port', 'dbname', 'user', 'password', 'sslmode', 'application_name', 'options', 'connect_timeout', 'schema'])

/**
 * A libpq key/value string (`host=db port=5432 dbname=halo user=halo password='a b'`), read as libpq
 * reads it (values may be single-quoted, `\'` and `\\` escaped) and turned into the URL the driver takes.
 */
function conninfo(text: string): Target {
  const pairs = readConninfo(text)
  const unknown = [...pairs.keys()].filter((k) => !CONNINFO_KEYS.has(k))
  if (unknown.length > 0)
    throw new HaloError(
      'INVALID_INPUT',
      `a key/value connection string with ${unknown.map((k) => `"${k}"`).join(', ')}: halo-admin takes ${[...CONNINFO_KEYS].join(', ')} (or a postgres:// URL)`,
    )
  const host = pairs.get('hostaddr') ?? pairs.get('host') ?? 'localhost'
  const user = pairs.get('user')
  const password = pairs.get('password') ?? null
  const auth = user === undefined ? '' : `${encodeURIComponent(user)}${password === null ? '' : `:${encodeURIComponent(password)}`}@`
  const port = pairs.get('port')
  const hostPart = host.startsWith('/')
    ? `${auth}`
    : `${auth}${host.includes(':') ? `[${host}]` : encodeURIComponent(host)}${port === undefined ? '' : `:${port}`}`
  const query = new URLSearchParams()
  if (host.startsWith('/')) query.set('host', host)
  for (const k of ['sslmode', 'application_name', 'options', 'connect_timeout', 'schema']) {
    const v = pairs.get(k)
    if (v !== undefined) query.set(k, v)
  }
  const search = query.toString()
  const url = `postgres://${hostPart}/${encodeURIComponent(pairs.get('dbname') ?? user ?? '')}${search === '' ? '' : `?${search}`}`
  const display = [...pairs].map(([k, v]) => `${k}=${k === 'password' ? MASK : quoteValue(v)}`).join(' ')
  const schema = pairs.get('schema')
  return { engine: 'postgres', url, display, password, schema: schema === undefined || schema === '' ? null : checkSchemaName(schema) }
}

function quoteValue(v: string): string {
  return /^[^\s'\\]+$/.test(v) ? v : `'${v.replace(/[\\']/g, (c) => `\\${c}`)}'`
}

function readConninfo(text: string): Map<string, string> {
  const pairs = new Map<string, string>()
  let i = 0
  const bad = (why: string): never => {
    throw new HaloError('INVALID_INPUT', `cannot read the key/value connection string: ${why} (its values are not shown; or give a postgres:// URL)`)
  }
  const space = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++
  }
  while (true) {
    space()
    if (i >= text.length) return pairs
    const key = /^[a-z_]+/i.exec(text.slice(i))?.[0]
    if (key === undefined) bad(`a keyword was expected at character ${i + 1}`)
    i += key!.length
    space()
    if (text[i] !== '=') bad(`"${key}" has no "="`)
    i++
    space()
    let value = ''
    if (text[i] === "'") {
      i++
      for (;;) {
        if (i >= text.length) bad(`the quoted value of "${key}" is not closed`)
        const c = text[i]!
        if (c === '\\' && i + 1 < text.length) {
          value += text[i + 1]
          i += 2
        } else if (c === "'") {
          i++
          break
        } else {
          value += c
          i++
        }
      }
    } else {
      while (i < text.length && !/\s/.test(text[i]!)) {
        if (text[i] === '\\' && i + 1 < text.length) i++
        value += text[i]
        i++
      }
    }
    pairs.set(key!.toLowerCase(), value)
  }
}

/**
 * `target` with its password masked, for printing; a target that cannot be read shows nothing after
 * its scheme. The same as `parseTarget(target).display` for any target `parseTarget` takes.
 *
 * ```ts
 * redactTarget('postgres://u:pw@h/db') // 'postgres://u:***@h/db'
 * ```
 */
export function redactTarget(target: string): string {
  try {
    return parseTarget(target).display
  } catch {
    if (POSTGRES_LIKE.test(target.trim()) || OTHER_SCHEME.test(target.trim())) return maskAfterScheme(target.trim())
    return CONNINFO_START.test(target.trim()) ? `key/value connection string (${MASK})` : target
  }
}

/** Where a URL (`scheme://`), or a PostgreSQL target mistyped with one slash or none (`postgres:/u:pw@h`), starts in a piece of text. */
const URL_START = /(?<![a-z0-9+.-])(?:[a-z][a-z0-9+.-]{0,30}:\/\/|postgres(?:ql)?:)/gi

/**
 * `text` (an argument echoed back by a usage error, a driver's message) with every URL that carries
 * credentials, and every `token` given that is a target with a password, replaced by its masked form:
 * each whole URL or token is parsed and replaced, never its password searched for on its own.
 */
export function maskTargetsIn(text: string, tokens: readonly string[] = []): string {
  let out = text
  for (const token of tokens) {
    if (token === '' || !out.includes(token)) continue
    const shown = maskedToken(token)
    if (shown !== token) out = out.split(token).join(shown)
  }
  return out.replace(/\S+/g, (word) => maskedToken(word))
}

/** A word or argument with any URL in it masked from where the URL starts to the end of the word. */
function maskedToken(token: string): string {
  const trimmed = token.trim()
  if (CONNINFO_START.test(trimmed) && /password\s*=/i.test(trimmed)) return redactTarget(trimmed)
  URL_START.lastIndex = 0
  const m = URL_START.exec(token)
  URL_START.lastIndex = 0
  if (m === null) return token
  // punctuation after the URL (`…?schema=halo: the database is unavailable`) is the sentence's, not the URL's
  const trailing = /[:;,.!?)\]}'"]+$/.exec(token)?.[0] ?? ''
  const rest = token.slice(m.index, token.length - trailing.length)
  if (!/@|[?&](ssl)?password=/i.test(rest)) return token
  let shown: string
  try {
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(rest)) throw new Error('not a URL')
    const url = new URL(rest)
    // a URL without a secret (user@host) stays exactly as written
    if (url.password === '' && ![...url.searchParams.keys()].some((k) => SECRET_PARAMS.has(k.toLowerCase()))) return token
    shown = displayUrl(url)
  } catch {
    shown = maskAfterScheme(rest)
  }
  return token.slice(0, m.index) + shown + trailing
}
