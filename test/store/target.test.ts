/**
 * Database targets are read by parsing them, and their passwords are masked by parsing, never by
 * searching text for the password: a short password must not mask unrelated words, and a long or odd
 * one (spaces, tabs, slashes, 300 characters) must not slip past a pattern.
 */
import { describe, expect, it } from 'vitest'
import { HaloError } from '../../src/errors.js'
import { maskTargetsIn, parseTarget, redactTarget } from '../../src/store/target.js'

const url = (password: string) => `postgres://halo:${encodeURIComponent(password)}@db.internal:5432/halo`

describe('a PostgreSQL URL', () => {
  it.each([
    ['a 300-character password', 'p'.repeat(300)],
    ['a password with a space and a tab', 'pa ss\tword'],
    ['a password with slashes', 'a/b/c'],
    ['a password with @ and :', 'x@y:z'],
    ['a one-letter password', 'e'],
  ])('shows %s as *** and nothing else changes', (_what, password) => {
    const t = parseTarget(url(password))
    expect(t).toMatchObject({ engine: 'postgres', password, display: 'postgres://halo:***@db.internal:5432/halo' })
    expect(redactTarget(url(password))).toBe('postgres://halo:***@db.internal:5432/halo')
  })

  it('masks a password given as a query parameter', () => {
    const t = parseTarget('postgres://halo@db/halo?sslmode=require&password=s3cret')
    expect(t.display).toBe('postgres://halo@db/halo?sslmode=require&password=***')
    expect(t).toMatchObject({ password: 's3cret' })
  })

  it('keeps text around a one-letter password whole when it masks a target in a message', () => {
    const text = `cannot reach ${url('e')}: the database server refused the connection`
    expect(maskTargetsIn(text, [url('e')])).toBe('cannot reach postgres://halo:***@db.internal:5432/halo: the database server refused the connection')
  })

  it.each([
    ['postgres://u:pw@h/db?schema=halo: the database is unavailable', 'postgres://u:***@h/db?schema=halo: the database is unavailable'],
    ['cannot open postgres://u:pw@h/db?schema=halo, postgres://v:pw@h/db.', 'cannot open postgres://u:***@h/db?schema=halo, postgres://v:***@h/db.'],
    ['(see postgres://u:pw@h:5432/db?sslmode=require)', '(see postgres://u:***@h:5432/db?sslmode=require)'],
    ["unknown option '--dbb=postgres://u:pw-1@h/db'", "unknown option '--dbb=postgres://u:***@h/db'"],
    ['got postgres:/u:pw-2@h/db as a file', 'got postgres:*** as a file'],
    ['see postgres://u:a/b@h/db here', 'see postgres://*** here'],
  ])('masks a target wherever a message echoes it: %s', (text, shown) => {
    expect(maskTargetsIn(text)).toBe(shown)
  })

  it('masks an argument whose password holds a space, as the whole argument', () => {
    const arg = 'postgres://u:pa ss@h/db'
    expect(maskTargetsIn(`too many arguments: '${arg}'`, [arg])).not.toMatch(/pa ss|ss@h/)
  })
})

describe('a libpq key/value string', () => {
  it('is a PostgreSQL target: quoted values read as libpq reads them, the password masked, turned into the URL the driver takes', () => {
    const t = parseTarget("host=db.internal port=5433 dbname=halo user=halo password='a b\\'c' sslmode=disable")
    if (t.engine !== 'postgres') throw new Error('expected postgres')
    expect(t.password).toBe("a b'c")
    expect(t.display).toBe('host=db.internal port=5433 dbname=halo user=halo password=*** sslmode=disable')
    const u = new URL(t.url)
    expect([u.hostname, u.port, u.pathname, decodeURIComponent(u.username), decodeURIComponent(u.password), u.searchParams.get('sslmode')]).toEqual([
      'db.internal',
      '5433',
      '/halo',
      'halo',
      "a b'c",
      'disable',
    ])
  })

  it('refuses keywords it does not take, without showing values', () => {
    expect(() => parseTarget('host=db password=hunter2 krbsrvname=x')).toThrow(/"krbsrvname"/)
    try {
      parseTarget('host=db password=hunter2 krbsrvname=x')
    } catch (e) {
      expect((e as HaloError).message).not.toContain('hunter2')
    }
  })
})

describe('targets that are refused', () => {
  it.each([
    ['', /empty/],
    ['   ', /empty/],
    ['mysql://root:pw@db/x', /mysql:\/\/ is not a database halo-admin works with: give a SQLite file path or a postgres:\/\/ URL/],
    ['postgres:/u:pw@h/db', /is not a PostgreSQL URL/],
    ['postgres://u:p/w@h:notaport/db', /is not a valid URL/],
  ])('%j', (target, message) => {
    let caught: unknown
    try {
      parseTarget(target)
    } catch (e) {
      caught = e
    }
    expect(caught).toBeInstanceOf(HaloError)
    expect((caught as HaloError).code).toBe('INVALID_INPUT')
    expect((caught as HaloError).message).toMatch(message)
    expect((caught as HaloError).message).not.toMatch(/pw|p\/w/)
  })

  it('takes a file path, odd characters included, as it is', () => {
    expect(parseTarget('data/a:b:c@d.db')).toEqual({ engine: 'sqlite', path: 'data/a:b:c@d.db', memory: false, display: 'data/a:b:c@d.db' })
    expect(parseTarget(':memory:')).toMatchObject({ engine: 'sqlite', memory: true })
  })
})
