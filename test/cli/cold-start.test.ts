/**
 * Start-up is part of the product: `halo-admin flag get` loads neither the
 * TUI (ink, react), the prompts, the query builder, zod, colours nor tables,
 * nor Node's streams (its stdout is written directly, src/cli/stdio.ts).
 * A hook in the child records every module it loads, ES modules (resolve
 * hook) and CommonJS ones (commander and better-sqlite3 load with require),
 * and at exit Node's own modules, for the bundled CLI that bin/halo-admin.js
 * runs and for tsc's output. The timing itself is bench/cold-start.mjs.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { BIN, cliOn, ROOT, tempDb } from './support/cli.js'
import { ensureBuilt } from '../support/fixtures.js'

const HEAVY = ['ink', 'react', '@inquirer', 'kysely', 'zod', 'chalk', 'pg', 'csv-stringify', 'cli-progress']

const HOOK = `
import { register, createRequire } from 'node:module'
import { appendFileSync } from 'node:fs'
const out = process.env.LOADED_OUT
const Module = createRequire(import.meta.url)('node:module')
const load = Module._load
Module._load = function (request, parent, isMain) {
  try { appendFileSync(out, 'cjs ' + Module._resolveFilename(request, parent, isMain) + '\\n') } catch {}
  return load.apply(this, arguments)
}
register('data:text/javascript,' + encodeURIComponent(
  'import { appendFileSync } from "node:fs"; export async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(' + JSON.stringify(out) + ', "esm " + r.url + "\\\\n"); return r }'))
`

/** Node packages (by name) and our own files a run of `entry ...args` loaded. */
function loaded(entry: string, args: readonly string[]): { packages: Set<string>; ours: string[]; builtins: string[]; stdout: string } {
  const dir = tempDb('hook')
  const hook = `${dir}.mjs`
  const out = `${dir}.txt`
  writeFileSync(hook, HOOK)
  writeFileSync(out, '')
  const r = spawnSync(process.execPath, ['--import', hook, entry, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOADED_OUT: out, HALO_NOW: '2026-11-24T03:00:00Z' },
  })
  expect(r.stderr).toBe('')
  expect(r.status).toBe(0)
  const lines = readFileSync(out, 'utf8').split('\n').filter(Boolean)
  const packages = new Set(lines.flatMap((l) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(l)?.slice(1) ?? []))
  const ours = lines.filter((l) => l.includes('/dist/')).map((l) => l.slice(l.indexOf('/dist/') + 1))
  const builtins = lines.filter((l) => l.startsWith('cjs node:')).map((l) => l.slice(4))
  return { packages, ours, builtins, stdout: r.stdout }
}

/**
 * Node's own modules a run of `entry ...args` loaded, however (process.stdout loads node:net without
 * `require`), read at exit by a preloaded script: not with the hook above, whose loader thread loads them.
 */
function internals(entry: string, args: readonly string[]): Set<string> {
  const dir = tempDb('internals')
  const hook = `${dir}.cjs`
  const out = `${dir}.txt`
  writeFileSync(
    hook,
    `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(out)}, process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13)).join('\\n')))`,
  )
  const r = spawnSync(process.execPath, ['--require', hook, entry, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, HALO_NOW: '2026-11-24T03:00:00Z' },
  })
  expect(r.stderr).toBe('')
  expect(r.status).toBe(0)
  return new Set(readFileSync(out, 'utf8').split('\n'))
}

describe('halo-admin flag get starts lean', () => {
  let db = ''
  beforeAll(() => void ensureBuilt())

  const prepare = async () => {
    db = tempDb()
    expect((await cliOn(db, ['flag', 'set', 'early_end_mitra_enabled', 'true'])).code).toBe(0)
  }

  it('through bin/halo-admin.js (the bundle): no TUI, prompts, query builder, zod, colours or tables', async () => {
    await prepare()
    const run = loaded(BIN, ['--db', db, 'flag', 'get', 'early_end_mitra_enabled'])
    expect(run.stdout).toBe('true\n')
    for (const name of HEAVY) expect([...run.packages].filter((p) => p === name || p.startsWith(`${name}/`))).toEqual([])
    // commander and better-sqlite3's JavaScript are inside the bundle (with node:child_process loaded only to
    // spawn, which we never do); better-sqlite3's native module is loaded by path, without the bindings package
    expect([...run.packages].sort()).toEqual(['better-sqlite3'])
    expect(run.builtins).not.toContain('node:child_process')
    // the bundle (compiled by bin/load-bundle.js, not through require), not tsc's ~45 separate modules
    expect(run.ours.filter((f) => f.startsWith('dist/src/'))).toEqual([])
  })

  it('writes its answer to a pipe without making process.stdout (a net.Socket: node:net and the streams)', async () => {
    await prepare()
    const loadedNow = internals(BIN, ['--db', db, 'flag', 'get', 'early_end_mitra_enabled'])
    // not 'stream': node:crypto, which checks the code cache's digest (bin/load-bundle.js), loads it (~1 ms)
    for (const m of ['net', 'tty', 'internal/fs/sync_write_stream']) expect(loadedNow.has(m), m).toBe(false)
    // what the check looks for does show up when stdout is made
    expect(internals(BIN, ['--db', db, 'flag', 'get', 'early_end_mitra_enabled', '--help']).has('net')).toBe(true)
  })

  it("through tsc's output as well", async () => {
    await prepare()
    const launcher = join(ROOT, 'dist', 'src', 'cli', 'main.js')
    const entry = `${tempDb('launch')}.mjs`
    writeFileSync(entry, `import { main } from ${JSON.stringify(launcher)}\nawait main(process.argv)\n`)
    const run = loaded(entry, ['--db', db, 'flag', 'get', 'early_end_mitra_enabled'])
    expect(run.stdout).toBe('true\n')
    expect([...run.packages].sort()).toEqual(['better-sqlite3', 'bindings', 'commander', 'file-uri-to-path'])
    // commander as installed loads node:child_process at once: the hook does see it
    expect(run.builtins).toContain('node:child_process')
  })

  it('and kysely still loads when a command needs it (the audit trail)', async () => {
    await prepare()
    const run = loaded(BIN, ['--db', db, 'flag', 'history'])
    expect(run.packages.has('kysely')).toBe(true)
    expect(run.packages.has('ink')).toBe(false)
  })
})

describe('the command tree built for one command', () => {
  it('is the whole tree for --help before a command: the program help lists every command', async () => {
    for (const argv of [['--help', 'flag'], ['--db', tempDb(), '-h', 'session', 'list'], ['--help']]) {
      const r = await cliOn(tempDb(), argv)
      expect(r.code, argv.join(' ')).toBe(0)
      for (const name of ['db', 'flag', 'session', 'sweep', 'events', 'review', 'report', 'simulate', 'whatif', 'demo', 'tui', 'completion'])
        expect(r.stdout, argv.join(' ')).toMatch(new RegExp(`^  ${name}\\b`, 'm'))
    }
  })
})
