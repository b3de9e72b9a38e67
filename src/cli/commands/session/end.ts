import { Command } from 'commander'
import type { EarlyEndInput } from '../../../core/validation.js'
import { action } from '../../action.js'
import { examples } from '../../help.js'
import { emit } from '../../output.js'
import { choice, note, reasonCode, rowId, storedText } from '../../parse.js'
import { ACTING_AS, ACTING_AS_MEANING, ownActor, presetActor, USER_TYPE, type ActingAs } from './actor.js'
import { earlyEndText } from './text.js'

interface EndOptions {
  readonly as: ActingAs
  readonly reason?: string
  readonly note?: string
  readonly idempotencyKey?: string
  readonly dryRun?: boolean
  readonly yes?: boolean
}

export const sessionEnd = new Command('end')
  .description(
    'end a session early: it goes to closing for the grace window (the rules: flags, ownership, state, reason, daily cap). ' +
      'Asks for confirmation (and a reason when one is needed) on a terminal; elsewhere needs --yes',
  )
  .summary('end a session early: it closes after the grace window')
  .argument('<id>', 'the session id', rowId)
  .requiredOption(
    '--as <who>',
    "mitra or customer (the session's own, unless --actor names one), or support (the operator, --actor)",
    choice(ACTING_AS, ACTING_AS_MEANING),
  )
  .option('--reason <code>', 'a code from early_end_reason_codes (support always needs one; a mitra when early_end_reason_required)', reasonCode)
  .option('--note <text>', 'free text stored verbatim, up to 500 characters (needed with reason "other")', note)
  .option('--idempotency-key <k>', 'replaying the same key returns the first result and changes nothing', storedText(128, { nonEmpty: true }))
  .option('--dry-run', 'run every check and show what would happen; writes nothing')
  .option('--yes', 'do not ask (scripts, no terminal)')
  .addHelpText(
    'after',
    `
Who acts: --as support is the operator (--actor, else $HALO_ACTOR, else the OS user).
--as mitra|customer is the session's own mitra or customer, unless --actor on the
command line names the actor (the library then checks it is the session's own:
FORBIDDEN otherwise). $HALO_ACTOR names the operator and never stands in for them.
On a terminal, without --yes, it first checks everything as a dry run (a refusal
comes before any question), then asks; Batal (the default) or Ctrl-C exits 130.
` +
      examples(
        'halo-admin session end 42 --as support',
        'halo-admin --actor ops-ana session end 42 --as support --reason customer_abusive --yes',
        'halo-admin session end 42 --as mitra --reason other --note "koneksi putus" --dry-run',
        'halo-admin session end 42 --as mitra --reason customer_left --idempotency-key req-7f3a --yes --json',
      ),
  )
  .action(
    action(async (ctx, opts: EndOptions, id: number) => {
      const preset = presetActor(ctx, opts.as)
      const confirm = opts.yes !== true && opts.dryRun !== true
      if (confirm && !(ctx.io.stdin.isTTY === true && ctx.io.stdout.isTTY === true)) {
        const { HaloError } = await import('../../../errors.js')
        throw new HaloError(
          'INVALID_INPUT',
          'session end asks for confirmation on a terminal and there is none (stdin or stdout is not a TTY): add --yes to end it without asking, or --dry-run to see what would happen',
        )
      }
      const { createClosureService } = await import('../../../closure/closure-service.js')
      const closures = createClosureService(await ctx.database(), { clock: ctx.clock })
      const userType = USER_TYPE[opts.as]
      const actorId = preset ?? ownActor(await closures.getSession(id), opts.as as Exclude<ActingAs, 'support'>)
      let ask: Omit<EarlyEndInput, 'dryRun'> = { actorId, reason: opts.reason, note: opts.note, idempotencyKey: opts.idempotencyKey }
      if (confirm) {
        // inquirer loads only here
        const { confirmEarlyEnd } = await import('./confirm-end.js')
        ask = await confirmEarlyEnd(ctx, closures, id, userType, ask)
      }
      const result = await closures.initiateEarlyEnd(id, userType, { ...ask, dryRun: opts.dryRun === true })
      await emit(ctx, result, (r) => earlyEndText(ctx, r, { ...ask, as: opts.as }))
    }),
  )
