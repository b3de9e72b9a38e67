/**
 * How the demo's "Try next" lines are started and pointed at the database (test/cli/demo.test.ts
 * runs them as printed): the way halo-admin was run, and HALO_DB set once without a password.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { directAlias, setupLines } from '../../src/cli/demo/narrate.js'
import type { CliContext } from '../../src/cli/context.js'
import { invocationOf } from '../../src/cli/invocation.js'
import { nextCommand, passwordNote } from '../../src/cli/next-command.js'
import { BIN, ROOT, tempDb } from './support/cli.js'

/** A directory for PATH holding `name` as a link to `target`. */
function pathWith(links: Record<string, string>): string {
  const dir = join(dirname(tempDb()), 'bin')
  mkdirSync(dir)
  for (const [name, target] of Object.entries(links)) symlinkSync(target, join(dir, name))
  return dir
}

describe('the way halo-admin was run', () => {
  it('is npx halo-admin under npx or npm exec, with the same program by its real path to start without npm', () => {
    const npx = invocationOf({ npm_command: 'exec', PATH: '' }, BIN, ROOT, process.execPath)
    expect(npx.words).toEqual(['npx', 'halo-admin'])
    // node/.bin/halo-admin is a link: the alias names what it points at; node by its path when PATH has none
    const link = join(pathWith({ 'halo-admin': BIN }), 'halo-admin')
    expect(invocationOf({ npm_command: 'exec', PATH: '' }, link, ROOT, process.execPath).direct).toEqual([process.execPath, realpathSync(BIN)])
    // the alias line reads back in each shell as the words it was made of, whatever they hold
    const word = "/opt/it's \\here\\'s/$HOME"
    for (const [sh, syntax, args] of [
      ['bash', 'posix', (line: string) => ['-O', 'expand_aliases', '-c', `${line}\nhalo-admin`]],
      // zsh reads a -c string whole before it runs it: the alias is used from a later read (eval) on
      ['zsh', 'posix', (line: string) => ['-f', '-c', `${line}\neval halo-admin`]],
      ['fish', 'fish', (line: string) => ['--no-config', '-c', `${line}; halo-admin`]],
    ] as const) {
      const alias = directAlias({ words: ['npx', 'halo-admin'], shell: syntax, direct: ['printf', '[%s]', word] })!
      expect(execFileSync(sh, args(alias), { encoding: 'utf8' }), sh).toBe(`[${word}]`)
    }
    // nothing to offer when halo-admin is not run through npm
    expect(invocationOf({ PATH: '' }, BIN, ROOT, process.execPath).direct).toBeUndefined()
  })

  it('is halo-admin when that name on PATH is this very program (npm link, a global install)', () => {
    const path = pathWith({ 'halo-admin': BIN, node: process.execPath })
    expect(invocationOf({ PATH: path }, BIN, '/', process.execPath).words).toEqual(['halo-admin'])
  })

  it('is node and the script otherwise: relative inside the working directory, absolute outside it', () => {
    const path = pathWith({ node: process.execPath })
    expect(invocationOf({ PATH: path }, BIN, ROOT, process.execPath).words).toEqual(['node', join('bin', 'halo-admin.js')])
    expect(invocationOf({ PATH: path }, BIN, dirname(tempDb()), process.execPath).words).toEqual(['node', BIN])
  })

  it('names the node binary by its path when `node` on PATH is another one', () => {
    const other = join(dirname(tempDb()), 'other-node')
    writeFileSync(other, '#!/bin/sh\n', { mode: 0o755 })
    expect(invocationOf({ PATH: pathWith({ node: other }) }, BIN, ROOT, process.execPath).words).toEqual([process.execPath, join('bin', 'halo-admin.js')])
  })
})

describe('HALO_DB, set once before the commands', () => {
  const posix = { words: ['npx', 'halo-admin'], shell: 'posix' } as const
  const fish = { words: ['npx', 'halo-admin'], shell: 'fish' } as const

  it('is not needed on the default ./halo.db', () => {
    expect(setupLines({ target: './halo.db', openTarget: './halo.db', targetFrom: 'default' }, posix)).toEqual([])
  })

  it('is exported as given, quoted for the shell, in fish too', () => {
    const where = { target: '/tmp/my demo.db', openTarget: '/tmp/my demo.db', targetFrom: 'option' } as const
    expect(setupLines(where, posix).map((l) => l.command)).toEqual([`export HALO_DB='/tmp/my demo.db'`])
    expect(setupLines(where, fish).map((l) => l.command)).toEqual([`set -gx HALO_DB '/tmp/my demo.db'`])
  })

  it('never holds a password: one given with --db is left out of the URL and read unseen into PGPASSWORD', () => {
    const where = {
      target: 'postgres://ops:***@db:5432/halo?password=***',
      openTarget: 'postgres://ops:s3cret@db:5432/halo?password=s3cret',
      targetFrom: 'option',
    } as const
    const lines = setupLines(where, posix).map((l) => l.command)
    expect(lines).toEqual(['export HALO_DB=postgres://ops@db:5432/halo', 'stty -echo; read -r PGPASSWORD; stty echo; export PGPASSWORD'])
    expect(setupLines(where, fish).map((l) => l.command)).toEqual(['set -gx HALO_DB postgres://ops@db:5432/halo', 'read -s -gx PGPASSWORD'])
  })

  it('is left as it is when $HALO_DB holds the password: the shell has it already', () => {
    const where = { target: 'postgres://ops:***@db/halo', openTarget: 'postgres://ops:s3cret@db/halo', targetFrom: 'env' } as const
    const lines = setupLines(where, posix)
    expect(lines.map((l) => l.command)).toEqual(['# HALO_DB, as exported in this shell, names the demo database'])
    expect(JSON.stringify(lines)).not.toContain('s3cret')
  })
})

describe('a next-page command', () => {
  const ctx = (openTarget: string, targetFrom: CliContext['targetFrom'] = 'option') =>
    ({ openTarget, targetFrom, utc: false, invocation: () => ({ words: ['halo-admin'] }) }) as unknown as CliContext

  it('repeats the --db given without its secret, never the secret nor ***: the password comes from PGPASSWORD', () => {
    const next = (target: string) => nextCommand(ctx(target), ['session', 'list', '--after', '7'])
    expect(next('/tmp/x.db')).toBe('halo-admin --db /tmp/x.db session list --after 7')
    for (const target of [
      'postgres://halo:s3cret@db/halo',
      'postgres://halo@db/halo?sslpassword=s3cret',
      'postgres://halo@db/halo?password=s3cret',
      'host=db user=halo password=s3cret dbname=halo',
    ]) {
      const line = next(target)
      expect(line).not.toContain('s3cret')
      expect(line).not.toContain('***')
      expect(line).toMatch(/^halo-admin --db postgres:\/\/halo@db\/halo session list --after 7$/)
      expect(passwordNote(ctx(target))).toMatch(/export PGPASSWORD first/)
    }
    expect(passwordNote(ctx('/tmp/x.db'))).toBe('')
  })

  it('adds nothing for $HALO_DB or the default file', () => {
    expect(nextCommand(ctx('postgres://halo:s3cret@db/halo', 'env'), ['review', 'list'])).toBe('halo-admin review list')
  })
})
