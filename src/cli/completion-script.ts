/**
 * Shell completion generated from the live command tree: commands,
 * subcommands, options, and the values a parser accepts when it is a closed
 * set (`choice()`, `choices()` and the flag keys, see `Completable` in
 * parse.ts). Nothing here lists a command or a value, so the scripts follow
 * the tree as it grows.
 */
import type { Command, Option } from 'commander'
import type { Completable } from './parse.js'
import { packageVersion } from './version.js'

export const SHELLS = ['bash', 'zsh', 'fish'] as const
export type Shell = (typeof SHELLS)[number]

/** What goes in a word: any text, a file, one of some words, or a comma-separated list of them. */
export type Values =
  | { readonly kind: 'free' }
  | { readonly kind: 'file' }
  | { readonly kind: 'words'; readonly words: readonly string[]; readonly list: boolean; readonly descriptions?: Readonly<Record<string, string>> }
  /** Words that depend on the positional argument before (`flag set <key> <value>`): nothing after any other word. */
  | { readonly kind: 'after'; readonly after: Readonly<Record<string, { readonly words: readonly string[]; readonly list: boolean }>> }

export interface OptionModel {
  /** `-h`, `--help`… */
  readonly names: readonly string[]
  /** Null when the option takes no value. */
  readonly values: Values | null
  readonly description: string
}

export interface CommandModel {
  /** Command names below the program, space-separated; '' for the program itself. */
  readonly path: string
  readonly commands: readonly { readonly name: string; readonly description: string }[]
  /** Its own options, then those of the commands above it (commander takes them anywhere). */
  readonly options: readonly OptionModel[]
  /** Positional arguments in order. */
  readonly args: readonly Values[]
}

/** Option values that name a file: `--db <target>` and the like. */
const FILE_VALUE = /<(target|file|path|dir)>/

const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim()

function valuesOf(parser: unknown, choices: readonly string[] | undefined): Values {
  if (choices !== undefined && choices.length > 0) return { kind: 'words', words: choices, list: false }
  const completable = parser as Completable | undefined
  const after = completable?.completionsAfter
  if (after !== undefined)
    return { kind: 'after', after: Object.fromEntries(Object.entries(after).map(([word, v]) => [word, { words: v.values, list: v.list }])) }
  const c = completable?.completions
  return c === undefined
    ? { kind: 'free' }
    : { kind: 'words', words: c.values, list: c.list, ...(c.descriptions === undefined ? {} : { descriptions: c.descriptions }) }
}

function optionModel(o: Option): OptionModel {
  const takesValue = o.required || o.optional
  return {
    names: [o.short, o.long].filter((n): n is string => n !== undefined),
    values: !takesValue ? null : FILE_VALUE.test(o.flags) ? { kind: 'file' } : valuesOf(o.parseArg, o.argChoices),
    description: oneLine(o.description),
  }
}

/**
 * Every command of the tree with what can follow it, parents first.
 *
 * ```ts
 * completionModel(await buildProgram()).find((c) => c.path === 'flag get')?.args[0] // { kind: 'words', words: ['early_end_mitra_enabled', …] }
 * ```
 */
export function completionModel(root: Command): CommandModel[] {
  const out: CommandModel[] = []
  const walk = (cmd: Command, path: string, inherited: readonly OptionModel[]) => {
    const help = cmd.createHelp()
    const subs = help.visibleCommands(cmd)
    const own = help.visibleOptions(cmd).map(optionModel)
    const ownNames = new Set(own.flatMap((o) => o.names))
    const options = [...own, ...inherited.filter((o) => !o.names.some((n) => ownNames.has(n)))]
    const siblings = subs.map((c) => c.name()).filter((n) => n !== 'help')
    out.push({
      path,
      commands: subs.map((c) => ({ name: c.name(), description: oneLine(c.description()) })),
      options,
      args: cmd.registeredArguments.map((a) => valuesOf(a.parseArg, a.argChoices)),
    })
    const globals = options.filter((o) => !o.names.includes('--help') && !o.names.includes('--version'))
    for (const sub of subs) {
      const subPath = path === '' ? sub.name() : `${path} ${sub.name()}`
      // commander's own `help [command]`: it takes the names of its siblings
      if (sub.name() === 'help' && !cmd.commands.includes(sub)) {
        out.push({ path: subPath, commands: [], options: globals, args: [{ kind: 'words', words: siblings, list: false }] })
        continue
      }
      walk(sub, subPath, globals)
    }
  }
  walk(root, '', [])
  return out
}

/** A word for a shell, single-quoted. */
const sq = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`

const wordSpec = (v: { readonly words: readonly string[]; readonly list: boolean }): string => `${v.list ? '@list ' : ''}${v.words.join(' ')}`
const valueSpec = (v: Values): string => (v.kind === 'words' ? wordSpec(v) : v.kind === 'file' ? '@file' : '')

/** The values of every positional argument, by `path|index|previous word` patterns (a `*` for any word). */
function argSpecs(model: readonly CommandModel[]): { pattern: string; values: Values }[] {
  return model.flatMap((c) =>
    c.args.flatMap((a, i): { pattern: string; values: Values }[] => {
      if (a.kind === 'after')
        return Object.entries(a.after).map(([word, v]) => ({ pattern: sq(`${c.path}|${i}|${word}`), values: { kind: 'words', ...v } as const }))
      return a.kind === 'free' ? [] : [{ pattern: `${sq(`${c.path}|${i}|`)}*`, values: a }]
    }),
  )
}

/** The lookup functions both shells share: plain `case` and `printf`, the same text in bash and zsh. */
function lookups(model: readonly CommandModel[], name: string): string {
  const commandCases = model
    .filter((c) => c.commands.length > 0)
    .map((c) => `    ${sq(c.path)}) printf '%s\\n' ${sq(c.commands.map((s) => s.name).join(' '))} ;;`)
  const optionCases = model.map((c) => `    ${sq(c.path)}) printf '%s\\n' ${sq(c.options.flatMap((o) => o.names).join(' '))} ;;`)
  // specific commands first; the program's options (taken anywhere) last
  const valueCases: string[] = []
  for (const c of [...model].reverse()) {
    for (const o of c.options) {
      if (o.values === null) continue
      const inherited = c.path !== '' && model[0]!.options.includes(o)
      if (inherited) continue
      for (const n of o.names) valueCases.push(`    ${c.path === '' ? `*${sq(`|${n}`)}` : sq(`${c.path}|${n}`)}) printf '%s\\n' ${sq(valueSpec(o.values))} ;;`)
    }
  }
  const argCases = argSpecs(model).map(({ pattern, values }) => `    ${pattern}) printf '%s\\n' ${sq(valueSpec(values))} ;;`)
  return `# The subcommands of a command path ('' is ${name} itself).
_halo_admin_commands() {
  case "$1" in
${commandCases.join('\n')}
  esac
}

# The options a command path takes, its own and those of the commands above it.
_halo_admin_options() {
  case "$1" in
${optionCases.join('\n')}
  esac
}

# The values option $2 takes after command path $1: words, "@list words" (comma-separated),
# "@file", or nothing (any text). Fails when the option takes no value.
_halo_admin_option_values() {
  case "$1|$2" in
${valueCases.join('\n')}
    *) return 1 ;;
  esac
}

# The values of positional argument $2 (from 0) of command path $1, after the positional word $3, as above.
_halo_admin_arg_values() {
  case "$1|$2|$3" in
${argCases.join('\n')}
  esac
}`
}

/**
 * The walk over the words before the cursor, the same in both shells: option
 * values are skipped (`--db x.db`, and `--as = mitra` as bash splits
 * `--as=mitra`), command names extend the path, anything else counts as a
 * positional argument (the last one kept in `prev`). `$words`/`$first`/`$current` are the shell's.
 */
function walk(words: string, first: number, current: string, increment: string): string {
  return `  for ((i = ${first}; i < ${current}; i++)); do
    w="\${${words}[i]}"
    case "$w" in
      -*=*) ;;
      -*)
        if _halo_admin_option_values "$cmdpath" "$w" >/dev/null; then
          ((i++))
          if [[ "\${${words}[i]}" == "=" ]]; then
            if ((i == ${current})); then pending="$w" cur=""; break; fi
            ((i++))
          fi
          if ((i == ${current})); then pending="$w"; break; fi
        fi
        ;;
      *)
        subs=" $(_halo_admin_commands "$cmdpath") "
        if [[ "$subs" == *" $w "* ]]; then
          cmdpath="\${cmdpath:+$cmdpath }$w" arg=0 prev=""
        else
          prev="$w"
          ${increment}
        fi
        ;;
    esac
  done`
}

function bash(model: readonly CommandModel[], version: string): string {
  return `# bash completion for halo-admin ${version}, generated from its command tree by \`halo-admin completion bash\`.
# Load it in this shell:   source <(halo-admin completion bash)
# or for every new shell:  halo-admin completion bash > ~/.local/share/bash-completion/completions/halo-admin

${lookups(model, 'halo-admin')}

# COMPREPLY from a value spec ($1, as above) and the word being completed ($2).
_halo_admin_reply() {
  case "$1" in
    @file)
      compopt -o filenames 2>/dev/null
      COMPREPLY=($(compgen -f -- "$2"))
      ;;
    '@list '*)
      local done=""
      [[ "$2" == *,* ]] && done="\${2%,*},"
      COMPREPLY=($(compgen -P "$done" -W "\${1#@list }" -- "\${2##*,}"))
      ;;
    *) COMPREPLY=($(compgen -W "$1" -- "$2")) ;;
  esac
}

_halo_admin() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" cmdpath="" pending="" prev="" w subs
  local -i i arg=0
  COMPREPLY=()
${walk('COMP_WORDS', 1, 'COMP_CWORD', 'arg+=1')}
  if [[ -z "$pending" && "$cur" == --*=* ]]; then
    # COMP_WORDBREAKS without "=": the option and its value are one word
    pending="\${cur%%=*}"
    _halo_admin_option_values "$cmdpath" "$pending" >/dev/null || return 0
    _halo_admin_reply "$(_halo_admin_option_values "$cmdpath" "$pending")" "\${cur#*=}"
    COMPREPLY=("\${COMPREPLY[@]/#/$pending=}")
    return 0
  fi
  if [[ -n "$pending" ]]; then
    _halo_admin_reply "$(_halo_admin_option_values "$cmdpath" "$pending")" "$cur"
  elif [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$(_halo_admin_options "$cmdpath")" -- "$cur"))
  else
    subs="$(_halo_admin_commands "$cmdpath")"
    if [[ -n "$subs" ]]; then
      COMPREPLY=($(compgen -W "$subs" -- "$cur"))
    else
      _halo_admin_reply "$(_halo_admin_arg_values "$cmdpath" "$arg" "$prev")" "$cur"
    fi
  fi
  return 0
}

complete -F _halo_admin halo-admin
`
}

/** `name:description` lines for zsh's `_describe` (a colon in the name escaped). */
function described(entries: readonly { name: string; description: string }[]): string {
  return entries.map((e) => sq(`${e.name.replace(/:/g, '\\:')}:${e.description}`)).join(' ')
}

function zsh(model: readonly CommandModel[], version: string): string {
  const commandHelp = model.filter((c) => c.commands.length > 0).map((c) => `    ${sq(c.path)}) printf '%s\\n' ${described(c.commands)} ;;`)
  const optionHelp = model.map(
    (c) => `    ${sq(c.path)}) printf '%s\\n' ${described(c.options.flatMap((o) => o.names.map((name) => ({ name, description: o.description }))))} ;;`,
  )
  return `#compdef halo-admin
# zsh completion for halo-admin ${version}, generated from its command tree by \`halo-admin completion zsh\`.
# Load it in this shell:   source <(halo-admin completion zsh)      (after compinit)
# or for every new shell:  halo-admin completion zsh > "\${fpath[1]}/_halo-admin"

${lookups(model, 'halo-admin')}

# name:description lines of the subcommands and options of a command path, for _describe.
_halo_admin_command_help() {
  case "$1" in
${commandHelp.join('\n')}
  esac
}

_halo_admin_option_help() {
  case "$1" in
${optionHelp.join('\n')}
  esac
}

# Completes a value spec ($1: words, "@list words", "@file" or nothing).
_halo_admin_values() {
  case "$1" in
    @file) _files ;;
    '@list '*)
      compset -P '*,'
      compadd -- \${=\${1#@list }}
      ;;
    *) compadd -- \${=1} ;;
  esac
}

_halo_admin() {
  local cur="\${words[CURRENT]}" cmdpath="" pending="" prev="" w subs
  local -a described
  integer i arg=0
${walk('words', 2, 'CURRENT', '((arg++))')}
  if [[ -z "$pending" && "$cur" == --*=* ]]; then
    pending="\${cur%%=*}"
    _halo_admin_option_values "$cmdpath" "$pending" >/dev/null || return 1
    compset -P '*='
  fi
  if [[ -n "$pending" ]]; then
    _halo_admin_values "$(_halo_admin_option_values "$cmdpath" "$pending")"
  elif [[ "$cur" == -* ]]; then
    described=("\${(@f)$(_halo_admin_option_help "$cmdpath")}")
    _describe -t options 'option' described
  else
    subs="$(_halo_admin_commands "$cmdpath")"
    if [[ -n "$subs" ]]; then
      described=("\${(@f)$(_halo_admin_command_help "$cmdpath")}")
      _describe -t commands 'command' described
    else
      _halo_admin_values "$(_halo_admin_arg_values "$cmdpath" "$arg" "$prev")"
    fi
  fi
}

if [[ "\${funcstack[1]}" == "_halo-admin" ]]; then
  _halo_admin "$@"
else
  compdef _halo_admin halo-admin
fi
`
}

/** A word for fish, single-quoted (fish reads \\ and \' inside single quotes). */
const fq = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`

/** `name<TAB>description` lines, as fish shows them. */
const fishDescribed = (entries: readonly { name: string; description: string }[]): string => entries.map((e) => fq(`${e.name}\t${e.description}`)).join(' ')

function fish(model: readonly CommandModel[], version: string): string {
  const commands = model.filter((c) => c.commands.length > 0).map((c) => `        case ${fq(c.path)}\n            printf '%s\\n' ${fishDescribed(c.commands)}`)
  const options = model.map(
    (c) =>
      `        case ${fq(c.path)}\n            printf '%s\\n' ${fishDescribed(c.options.flatMap((o) => o.names.map((name) => ({ name, description: o.description }))))}`,
  )
  const valueCases: string[] = []
  for (const c of [...model].reverse()) {
    for (const o of c.options) {
      if (o.values === null) continue
      if (c.path !== '' && model[0]!.options.includes(o)) continue
      for (const n of o.names) valueCases.push(`        case ${fq(`${c.path === '' ? '*' : c.path}|${n}`)}\n            printf '%s\\n' ${fishSpec(o.values)}`)
    }
  }
  const argCases = argSpecs(model).map(({ pattern, values }) => `        case ${fishPattern(pattern)}\n            printf '%s\\n' ${fishSpec(values)}`)
  return `# fish completion for halo-admin ${version}, generated from its command tree by \`halo-admin completion fish\`.
# Load it in this shell:   halo-admin completion fish | source
# or for every new shell:  halo-admin completion fish > ~/.config/fish/completions/halo-admin.fish

# The subcommands of a command path ('' is halo-admin itself), with their descriptions.
function __halo_admin_commands
    switch "$argv[1]"
${commands.join('\n')}
    end
end

# The options a command path takes, its own and those of the commands above it, with their descriptions.
function __halo_admin_options
    switch "$argv[1]"
${options.join('\n')}
    end
end

# The values option $argv[2] takes after command path $argv[1], one line each after a line saying
# their kind: @words, @list (comma-separated), @file or @free (any text); a value may carry its
# description after a tab. Fails when the option takes no value.
function __halo_admin_option_values
    switch "$argv[1]|$argv[2]"
${valueCases.join('\n')}
        case '*'
            return 1
    end
end

# The values of positional argument $argv[2] (from 0) of command path $argv[1], after the
# positional word $argv[3], as above.
function __halo_admin_arg_values
    switch "$argv[1]|$argv[2]|$argv[3]"
${argCases.join('\n')}
    end
end

# Candidates for the word being completed ($argv[1]) from a value spec (the lines after it, as above).
function __halo_admin_values
    set -l cur $argv[1]
    set -l spec $argv[2..-1]
    switch "$spec[1]"
        case '@file'
            __fish_complete_path "$cur"
        case '@list'
            set -l done (string replace -r '[^,]*$' '' -- "$cur")
            for w in $spec[2..-1]
                printf '%s%s\\n' "$done" $w
            end
        case '@words'
            printf '%s\\n' $spec[2..-1]
    end
end

# The walk over the words before the cursor, as in the bash and zsh scripts: option values
# are skipped, command names extend the path, anything else is a positional argument.
function __halo_admin_complete
    set -l tokens (commandline -opc)
    set -l cur (commandline -ct)
    set -l cmdpath ''
    set -l pending ''
    set -l prev ''
    set -l arg 0
    set -l n (count $tokens)
    set -l i 2
    while test $i -le $n
        set -l w $tokens[$i]
        switch "$w"
            case '-*=*'
            case '-*'
                if __halo_admin_option_values "$cmdpath" "$w" >/dev/null
                    set i (math $i + 1)
                    test $i -gt $n; and set pending "$w"
                end
            case '*'
                if contains -- "$w" (__halo_admin_commands "$cmdpath" | string replace -r '\\t.*' '')
                    set cmdpath (string trim -- "$cmdpath $w")
                    set arg 0
                    set prev ''
                else
                    set prev "$w"
                    set arg (math $arg + 1)
                end
        end
        set i (math $i + 1)
    end
    if test -z "$pending"; and string match -q -- '--*=*' "$cur"
        set -l option (string replace -r '=.*' '' -- "$cur")
        set -l spec (__halo_admin_option_values "$cmdpath" "$option"); or return 0
        for v in (__halo_admin_values (string replace -r '^[^=]*=' '' -- "$cur") $spec)
            printf '%s=%s\\n' "$option" "$v"
        end
        return 0
    end
    if test -n "$pending"
        __halo_admin_values "$cur" (__halo_admin_option_values "$cmdpath" "$pending")
    else if string match -q -- '-*' "$cur"
        __halo_admin_options "$cmdpath"
    else
        set -l subs (__halo_admin_commands "$cmdpath")
        if test (count $subs) -gt 0
            printf '%s\\n' $subs
        else
            __halo_admin_values "$cur" (__halo_admin_arg_values "$cmdpath" $arg "$prev")
        end
    end
end

complete -c halo-admin -e
complete -c halo-admin -f -a '(__halo_admin_complete)'
`
}

/**
 * A value spec for fish, as words for `printf '%s\\n'`: a line saying the kind (`@words`, `@list`,
 * `@file`, `@free`), then one value a line, `value<TAB>description` where it has a description, as
 * fish shows candidates.
 */
function fishSpec(v: Values): string {
  if (v.kind !== 'words') return fq(v.kind === 'file' ? '@file' : '@free')
  const lines = v.words.map((w) => (v.descriptions?.[w] === undefined ? w : `${w}\t${oneLine(v.descriptions[w])}`))
  return [v.list ? '@list' : '@words', ...lines].map(fq).join(' ')
}

/** A case pattern written for bash (`'a|0|'*`) rewritten for fish, whose `switch` takes its wildcards quoted: `'a|0|*'`. */
function fishPattern(bashPattern: string): string {
  const glob = bashPattern.endsWith('*') ? '*' : ''
  const quoted = glob === '' ? bashPattern : bashPattern.slice(0, -1)
  return fq(`${quoted.slice(1, -1).replace(/'\\''/g, "'")}${glob}`)
}

/**
 * The completion script for `shell`, from `root`'s command tree.
 *
 * ```ts
 * process.stdout.write(completionScript(await buildProgram(), 'bash'))
 * ```
 */
export function completionScript(root: Command, shell: Shell): string {
  const model = completionModel(root)
  const version = packageVersion()
  return shell === 'bash' ? bash(model, version) : shell === 'zsh' ? zsh(model, version) : fish(model, version)
}
