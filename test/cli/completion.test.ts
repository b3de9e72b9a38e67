/**
 * `halo-admin completion bash|zsh`: the scripts parse, and bash's completion
 * function really completes, driven the way bash drives it (COMP_WORDS,
 * COMP_CWORD, then COMPREPLY). The expectations come from the command tree
 * itself (buildProgram), so a command added tomorrow is checked too.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import type { Command } from 'commander'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { buildProgram } from '../../src/cli/program.js'
import { FLAG_DEFINITIONS } from '../../src/config/flag-registry.js'
import { cli } from './support/cli.js'

/** The top-level commands, as every shell's completion offers them after `halo-admin `. */
const TOP_LEVEL = [
  'db',
  'flag',
  'rollout',
  'guard',
  'session',
  'sweep',
  'events',
  'review',
  'audit',
  'report',
  'simulate',
  'whatif',
  'demo',
  'tui',
  'completion',
  'help',
]

const FLAG_KEYS = FLAG_DEFINITIONS.map((d) => d.key)

const REASONS = ['customer_abusive', 'customer_left', 'out_of_scope', 'other']

let bashScript = ''
let zshScript = ''
let fishScript = ''

beforeAll(async () => {
  const [b, z, f] = await Promise.all([cli(['completion', 'bash']), cli(['completion', 'zsh']), cli(['completion', 'fish'])])
  for (const r of [b, z, f]) expect(r.code, r.stderr).toBe(0)
  bashScript = b.stdout
  zshScript = z.stdout
  fishScript = f.stdout
})

/**
 * Completes each line of words (the last one being the word under the cursor) as fish does when a
 * person presses Tab: `complete -C` asks fish itself for the candidates of the command line (their
 * descriptions dropped). Fish sorts them, so the answers come back sorted.
 */
function completeFish(cases: readonly (readonly string[])[], options: { descriptions?: boolean } = {}): string[][] {
  const dir = mkdtempSync(join(tmpdir(), 'halo-fish-'))
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'halo-admin.fish')
  writeFileSync(file, fishScript)
  const fq = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
  const driver = [`source ${fq(file)}`, ...cases.map((words) => `complete -C ${fq(words.map((w) => (w === '' ? '' : w)).join(' '))}; echo '<end>'`)].join('\n')
  const r = spawnSync('fish', ['--no-config', '-c', driver], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: dir } })
  expect(r.stderr).toBe('')
  const answers = r.stdout.split('<end>\n').slice(0, cases.length)
  expect(answers).toHaveLength(cases.length)
  return answers.map((a) =>
    a
      .split('\n')
      .filter(Boolean)
      .map((line) => (options.descriptions === true ? line : line.split('\t')[0]!)),
  )
}

const sorted = (words: readonly string[]) => [...words].sort()

/** Completes each line of words (the last one being the word under the cursor) with the script's function. */
function complete(script: string, cases: readonly (readonly string[])[]): string[][] {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`
  const driver = [
    script,
    't() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _halo_admin; printf "%s\\n" "${COMPREPLY[*]}"; }',
    ...cases.map((words) => `t ${words.map(q).join(' ')}`),
  ].join('\n')
  const out = execFileSync('bash', ['--norc', '--noprofile'], { input: driver, encoding: 'utf8' })
  return out
    .split('\n')
    .slice(0, cases.length)
    .map((line) => (line === '' ? [] : line.split(' ')))
}

/** Every command of the tree with its path below the program. */
function commandsOf(root: Command): { path: string[]; cmd: Command }[] {
  const out: { path: string[]; cmd: Command }[] = []
  const walk = (cmd: Command, path: string[]) => {
    out.push({ path, cmd })
    for (const sub of cmd.commands) walk(sub, [...path, sub.name()])
  }
  walk(root, [])
  return out
}

describe('halo-admin completion bash', () => {
  it('is a valid bash script (bash -n)', () => {
    const r = spawnSync('bash', ['-n'], { input: bashScript, encoding: 'utf8' })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect(bashScript).toContain('complete -F _halo_admin halo-admin')
  })

  it('completes commands, subcommands, options and their values', () => {
    const cases: [string[], string[]][] = [
      [['halo-admin', ''], TOP_LEVEL],
      [['halo-admin', 'fl'], ['flag']],
      [
        ['halo-admin', 'flag', ''],
        ['list', 'get', 'set', 'reset', 'history', 'help'],
      ],
      [['halo-admin', 'flag', 'get', ''], FLAG_KEYS],
      [['halo-admin', 'flag', 'set', 'early_end_mitra_d'], ['early_end_mitra_daily_cap']],
      [['halo-admin', 'flag', 'history', 'closing'], ['closing_grace_seconds']],
      // flag set <key> <value>: the key's values where they are a fixed set
      [
        ['halo-admin', 'flag', 'set', 'early_end_mitra_enabled', ''],
        ['true', 'false'],
      ],
      [['halo-admin', 'flag', 'set', 'early_end_mitra_over_cap_action', 'b'], ['block']],
      [['halo-admin', 'flag', 'set', '--note', 'x', 'early_end_reason_codes', 'other,customer_a'], ['other,customer_abusive']],
      [['halo-admin', 'session', 'end', '42', '--reason', ''], REASONS],
      [
        ['halo-admin', 'report', 'closures', '--reason', 'o'],
        ['out_of_scope', 'other'],
      ],
      // global options before the command, with a value to skip
      [['halo-admin', '--db', 'x.db', '--actor', 'ops', 'flag', 'reset', 'business'], ['business_timezone']],
      [
        ['halo-admin', 'session', 'end', '42', '--as', ''],
        ['mitra', 'customer', 'support'],
      ],
      // --as=s as bash splits it with "=" in COMP_WORDBREAKS
      [['halo-admin', 'session', 'end', '42', '--as', '=', 's'], ['support']],
      [['halo-admin', 'session', 'end', '42', '--as=cu'], ['--as=customer']],
      [['halo-admin', 'session', 'end', '42', '--dr'], ['--dry-run']],
      [
        ['halo-admin', 'session', 'list', '--status', 'active,c'],
        ['active,closing', 'active,closed'],
      ],
      [
        ['halo-admin', 'report', 'closures', '--by', ''],
        ['day', 'mitra', 'reason', 'initiator'],
      ],
      [['halo-admin', 'report', 'closures', '--format', 'c'], ['csv']],
      [
        ['halo-admin', 'report', 'closures', '--initiator', 's'],
        ['support', 'system'],
      ],
      [
        ['halo-admin', 'review', 'resolve', '3', '--outcome', ''],
        ['cleared', 'warned', 'suspended'],
      ],
      [
        ['halo-admin', 'review', 'list', '--status', ''],
        ['open', 'resolved', 'all'],
      ],
      [
        ['halo-admin', 'tui', '--screen', 'r'],
        ['reviews', 'reports'],
      ],
      [
        ['halo-admin', 'completion', ''],
        ['bash', 'zsh', 'fish'],
      ],
      [
        ['halo-admin', '--d'],
        ['--db', '--debug'],
      ],
      [['halo-admin', 'help', 'fl'], ['flag']],
      // free values and arguments offer nothing rather than something wrong
      [['halo-admin', 'session', 'show', ''], []],
      [['halo-admin', 'flag', 'set', '--note', 'why', 'closing_grace_seconds', ''], []],
    ]
    const got = complete(
      bashScript,
      cases.map(([words]) => words),
    )
    cases.forEach(([words, want], i) => expect({ words, got: got[i] }).toEqual({ words, got: want }))
  })

  it('follows the live command tree: every command, option and declared choice of buildProgram()', async () => {
    const cases: { words: string[]; want: string[]; exact: boolean }[] = []
    for (const { path, cmd } of commandsOf(await buildProgram())) {
      const subs = cmd.commands.map((c) => c.name())
      if (subs.length > 0) cases.push({ words: ['halo-admin', ...path, ''], want: [...subs, 'help'], exact: true })
      for (const o of cmd.options) {
        // --mitra also offers --mitra-rate: the option must be among the answers
        if (o.long !== undefined) cases.push({ words: ['halo-admin', ...path, o.long], want: [o.long], exact: false })
        const values = (o.parseArg as { completions?: { values: string[] } } | undefined)?.completions?.values
        if (values !== undefined) cases.push({ words: ['halo-admin', ...path, o.long!, ''], want: values, exact: true })
      }
    }
    const got = complete(
      bashScript,
      cases.map((c) => c.words),
    )
    cases.forEach(({ words, want, exact }, i) => {
      if (exact) expect({ words, got: got[i] }).toEqual({ words, got: want })
      else expect({ words, got: got[i] }).toEqual({ words, got: expect.arrayContaining(want) })
    })
    expect(cases.length).toBeGreaterThan(40)
  })
})

describe('halo-admin completion zsh', () => {
  it('is a zsh completion function with the same lookups as the bash script', () => {
    expect(zshScript.split('\n')[0]).toBe('#compdef halo-admin')
    expect(zshScript).toContain('compdef _halo_admin halo-admin')
    // the lookup functions are one text for both shells; bash drives them above
    const lookups = (s: string) =>
      s.slice(s.indexOf('_halo_admin_commands() {'), s.indexOf('# COMPREPLY') === -1 ? s.indexOf('# name:description') : s.indexOf('# COMPREPLY'))
    expect(lookups(zshScript).trim()).toBe(lookups(bashScript).trim())
    expect(lookups(zshScript)).toContain(`'flag get|0|'*) printf '%s\\n' '${FLAG_KEYS.join(' ')}'`)
    expect(lookups(zshScript)).toContain(`'flag set|1|early_end_mitra_enabled') printf '%s\\n' 'true false'`)
    // descriptions for _describe: every command path with subcommands, every option
    expect(zshScript).toContain(`'flag') printf '%s\\n' 'list:every flag with its value, default and meaning'`)
    expect(zshScript).toMatch(/'session end'\) printf '%s\\n' '--as:[^']+'/)
    // balanced blocks, outside the data lines
    const code = zshScript
      .split('\n')
      .filter((l) => !l.includes("printf '%s") && !l.trimStart().startsWith('#'))
      .join('\n')
    const count = (re: RegExp) => (code.match(re) ?? []).length
    expect(count(/(^|\s)case\s/gm)).toBe(count(/(^|\s)esac(\s|$)/gm))
    expect(count(/(^|\s)if\s/gm)).toBe(count(/(;|\s)fi(\s|$)/gm))
    expect(count(/(^|\s)for\s/gm)).toBe(count(/(;|\s)done(\s|$)/gm))
    expect(count(/\{\s*$/gm)).toBe(count(/^\s*\}\s*$/gm))
  })

  it('parses with zsh -n', () => {
    const r = spawnSync('zsh', ['-n'], { input: zshScript, encoding: 'utf8' })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
  })

  it('registers with compdef and completes in zsh (compadd and _describe recorded instead of drawn)', () => {
    // zsh completes only inside its line editor; the candidates the function offers are what we can read
    const file = join(mkdtempSync(join(tmpdir(), 'halo-zsh-')), '_halo-admin')
    writeFileSync(file, zshScript)
    onTestFinished(() => rmSync(dirname(file), { recursive: true, force: true }))
    const complete = (...line: string[]) => {
      const script = `
        autoload -Uz compinit; compinit -u -D
        source ${JSON.stringify(file)}
        [[ "\${_comps[halo-admin]}" == _halo_admin ]] || { print -r -- "not registered"; exit 3 }
        _describe() { local -a arr; arr=("\${(@P)4}"); print -rl -- "\${arr[@]%%:*}" }
        compadd() { local -a a; a=("$@"); while (( \${#a} )) && [[ $a[1] != -- ]]; do shift a; done; shift a; print -rl -- $a }
        compset() { : }
        words=(halo-admin ${line.map((w) => `'${w}'`).join(' ')}); CURRENT=\${#words}
        _halo_admin`
      const r = spawnSync('zsh', ['-f', '-c', script], { encoding: 'utf8' })
      expect(r.stderr).toBe('')
      expect(r.status).toBe(0)
      return r.stdout.split('\n').filter(Boolean)
    }
    expect(complete('')).toEqual(expect.arrayContaining(['db', 'flag', 'session', 'report', 'tui', 'completion']))
    expect(complete('flag', 'get', '')).toContain('early_end_mitra_daily_cap')
    expect(complete('session', 'end', '42', '--as', '')).toEqual(['mitra', 'customer', 'support'])
    expect(complete('report', 'closures', '--by', '')).toEqual(['day', 'mitra', 'reason', 'initiator'])
    expect(complete('report', 'closures', '--')).toEqual(expect.arrayContaining(['--from', '--by', '--format', '--db', '--json']))
    expect(complete('--db', 'x.db', 'review', 'resolve', '3', '--outcome', '')).toEqual(['cleared', 'warned', 'suspended'])
    expect(complete('flag', 'set', 'early_end_customer_enabled', '')).toEqual(['true', 'false'])
    expect(complete('session', 'end', '1', '--reason', '')).toEqual(REASONS)
  })

  it('refuses another shell as a usage error', async () => {
    const r = await cli(['completion', 'powershell'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/^error INVALID_INPUT: .*expected one of bash, zsh, fish/)
  })
})

describe('halo-admin completion fish', () => {
  it('parses with fish -n and registers for halo-admin', () => {
    const dir = mkdtempSync(join(tmpdir(), 'halo-fish-'))
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    writeFileSync(join(dir, 'halo-admin.fish'), fishScript)
    const r = spawnSync('fish', ['--no-config', '-n', join(dir, 'halo-admin.fish')], { encoding: 'utf8' })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect(fishScript).toContain("complete -c halo-admin -f -a '(__halo_admin_complete)'")
  })

  it('completes in fish as the bash script does: commands, options, option values, flag keys and their values', () => {
    const cases: [string[], string[]][] = [
      [['halo-admin', ''], TOP_LEVEL],
      [
        ['halo-admin', 'flag', ''],
        ['list', 'get', 'set', 'reset', 'history', 'help'],
      ],
      [['halo-admin', 'flag', 'get', ''], FLAG_KEYS],
      [['halo-admin', '--db', 'x.db', '--actor', 'ops', 'flag', 'reset', 'business'], ['business_timezone']],
      [
        ['halo-admin', 'flag', 'set', 'early_end_reason_required', ''],
        ['true', 'false'],
      ],
      [
        ['halo-admin', 'flag', 'set', 'early_end_mitra_over_cap_action', ''],
        ['block', 'allow'],
      ],
      [['halo-admin', 'flag', 'set', 'closing_grace_seconds', ''], []],
      [
        ['halo-admin', 'session', 'end', '42', '--as', ''],
        ['mitra', 'customer', 'support'],
      ],
      [['halo-admin', 'session', 'end', '42', '--as=cu'], ['--as=customer']],
      [['halo-admin', 'session', 'end', '42', '--reason', ''], REASONS],
      [
        ['halo-admin', 'session', 'list', '--status', 'active,c'],
        ['active,closing', 'active,closed'],
      ],
      [
        ['halo-admin', 'review', 'resolve', '3', '--outcome', ''],
        ['cleared', 'warned', 'suspended'],
      ],
      [
        ['halo-admin', 'review', 'list', '--status', ''],
        ['open', 'resolved', 'all'],
      ],
      [
        ['halo-admin', 'completion', ''],
        ['bash', 'zsh', 'fish'],
      ],
      [['halo-admin', 'session', 'list', '--u'], ['--utc']],
      [['halo-admin', 'help', 'fl'], ['flag']],
      [['halo-admin', 'session', 'show', ''], []],
    ]
    const got = completeFish(cases.map(([words]) => words))
    cases.forEach(([words, want], i) => expect({ words, got: got[i] }).toEqual({ words, got: sorted(want) }))
  })

  it('describes the values it offers where their meaning is known: flag keys, --as, --type, --screen', () => {
    const [keys, as, asValue, types, screens, reasons] = completeFish(
      [
        ['halo-admin', 'flag', 'get', ''],
        ['halo-admin', 'session', 'end', '42', '--as', ''],
        ['halo-admin', 'session', 'end', '42', '--as=su'],
        ['halo-admin', 'events', '--type', 'opened,'],
        ['halo-admin', 'tui', '--screen', ''],
        ['halo-admin', 'session', 'end', '42', '--reason', ''],
      ],
      { descriptions: true },
    )
    expect(keys).toContain('early_end_mitra_enabled\tmitras may end sessions early; also shows the "Akhiri" button in the mitra app')
    expect(keys).toHaveLength(FLAG_KEYS.length)
    expect(as).toEqual(
      sorted([
        "customer\tthe session's own customer, unless --actor names one",
        "mitra\tthe session's own mitra, unless --actor names one",
        'support\tthe operator (--actor)',
      ]),
    )
    expect(asValue).toEqual(['--as=support\tthe operator (--actor)'])
    expect(types).toContain('opened,early_end\tended early by a mitra, customer or support (with its reason)')
    expect(screens).toContain('sessions\tSesi Aktif: the live sessions')
    // values without a known meaning come bare
    expect(reasons).toEqual(sorted(REASONS))
  })

  it('follows the live command tree, as the bash script does', async () => {
    const cases: { words: string[]; want: string[] }[] = []
    for (const { path, cmd } of commandsOf(await buildProgram())) {
      const subs = cmd.commands.map((c) => c.name())
      if (subs.length > 0) cases.push({ words: ['halo-admin', ...path, ''], want: [...subs, 'help'] })
      for (const o of cmd.options) {
        const values = (o.parseArg as { completions?: { values: string[] } } | undefined)?.completions?.values
        if (values !== undefined) cases.push({ words: ['halo-admin', ...path, o.long!, ''], want: values })
      }
    }
    const got = completeFish(cases.map((c) => c.words))
    cases.forEach(({ words, want }, i) => expect({ words, got: got[i] }).toEqual({ words, got: sorted(want) }))
    expect(cases.length).toBeGreaterThan(15)
  })
})

describe('global options in help', () => {
  it.each(['session list', 'flag set', 'review show', 'report closures', 'simulate'])('%s --help lists them', async (command) => {
    const r = await cli([...command.split(' '), '--help'])
    expect(r.code).toBe(0)
    const globals = r.stdout.slice(r.stdout.indexOf('Global Options:'))
    for (const o of ['--db <target>', '--actor <id>', '--json', '--utc', '--no-color', '--debug']) expect(globals).toContain(o)
  })
})
