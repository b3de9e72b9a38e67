import { Command } from 'commander'
import type { Shell } from '../completion-script.js'
import { action } from '../action.js'
import { examples } from '../help.js'
import { choice } from '../parse.js'

// the shells completion-script.ts writes for (checked against its type), so the argument is parsed without loading it
const SHELLS = ['bash', 'zsh', 'fish'] as const satisfies readonly Shell[]

export const completion = new Command('completion')
  .description('print a shell completion script for commands, options, flag keys and option values, generated from this halo-admin')
  .argument('<shell>', 'bash, zsh or fish', choice(SHELLS))
  .addHelpText(
    'after',
    `
The script is generated from the command tree of the halo-admin that prints it, so it
completes exactly the commands and values this version has: regenerate it after an upgrade.
${examples(
  'source <(halo-admin completion bash)',
  'halo-admin completion bash > ~/.local/share/bash-completion/completions/halo-admin',
  'halo-admin completion zsh > "${fpath[1]}/_halo-admin"    # then start a new shell (compinit)',
  'halo-admin completion fish > ~/.config/fish/completions/halo-admin.fish',
)}`,
  )
  .action(
    action(async (ctx, _opts: object, shell: Shell) => {
      const { completionScript } = await import('../completion-script.js')
      // the program this command was added to: the tree as it stands, never a copy
      let root: Command = completion
      while (root.parent !== null) root = root.parent
      ctx.io.stdout.write(completionScript(root, shell))
    }),
  )
