/**
 * Questions on a terminal (inquirer), in the CLI's colours (none with --no-color or NO_COLOR), on
 * the context's streams; Ctrl-C at any of them is `Cancelled` (exit 130). Loaded only when a
 * command asks, so inquirer costs nothing elsewhere.
 */
import { input, select } from '@inquirer/prompts'
import { Cancelled } from './cancelled.js'
import type { CliContext } from './context.js'
import type { Paint } from './output.js'

export interface SelectAsk {
  readonly message: string
  /** Lines under the title while it asks (gone once answered). */
  readonly body?: string
  readonly choices: readonly { value: string; name: string }[]
  readonly default?: string
}

/** inquirer on the context's streams, in the CLI's colours (none with --no-color or NO_COLOR), Ctrl-C as `Cancelled`. */
export async function promptsFor(ctx: CliContext, p: Paint) {
  // imported by name (this module is loaded only when a command asks): the CLI bundle then holds only
  // these two prompts, not the editor prompt's iconv-lite (500 KB)
  const streams = { input: ctx.io.stdin, output: ctx.io.stdout }
  const theme = {
    prefix: { idle: p.bold('?'), done: p.green('✔') },
    spinner: { interval: 80, frames: ['-', '\\', '|', '/'] },
    style: {
      answer: p.green,
      message: (text: string) => p.bold(text),
      error: (text: string) => p.red(`> ${text}`),
      defaultAnswer: (text: string) => p.dim(`(${text})`),
      help: p.dim,
      highlight: p.green,
      key: (text: string) => p.bold(`<${text}>`),
      description: p.dim,
      disabled: p.dim,
      keysHelpTip: (keys: [string, string][]) => keys.map(([key, what]) => `${p.bold(key)} ${p.dim(what)}`).join(p.dim(' • ')),
    },
  }
  return {
    select: (ask: SelectAsk) =>
      cancellable(
        select(
          {
            message: ask.message,
            choices: ask.choices,
            default: ask.default,
            theme: {
              ...theme,
              style: {
                ...theme.style,
                message: (text: string, status: string) => (status === 'done' || ask.body === undefined ? p.bold(text) : `${p.bold(text)}\n  ${ask.body}`),
              },
            },
          },
          streams,
        ),
      ),
    input: (ask: { message: string; validate: (text: string) => Promise<true | string> }) =>
      cancellable(input({ message: ask.message, validate: ask.validate, theme }, streams)),
  }
}

/** Ctrl-C (or the terminal going away) at a prompt is `Batal`. */
async function cancellable<T>(prompt: Promise<T>): Promise<T> {
  try {
    return await prompt
  } catch (e) {
    if (e instanceof Error && ['ExitPromptError', 'AbortPromptError', 'CancelPromptError'].includes(e.name)) throw new Cancelled()
    throw e
  }
}
