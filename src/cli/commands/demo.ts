import { Command } from 'commander'
import type { DemoResult } from '../demo/narrate.js'
import { action } from '../action.js'
import { examples } from '../help.js'
import { emit } from '../output.js'

export const demo = new Command('demo')
  .description(
    'start here: create a fresh demo database and play a short story in it (a mitra reaches the daily cap and a review opens, ' +
      'refusals, a sweep), then print a closures report and the commands to try next',
  )
  .option('--force', 'replace a database that is not a demo (it is deleted)')
  .addHelpText(
    'after',
    `
The database is --db, $HALO_DB or ./halo.db, as for every command. demo always starts
from a fresh one: it deletes a demo database, or an empty one, at that path and creates it
anew. A demo database is one demo wrote and marked, unchanged since: once anyone changes
it (a flag, a session ended, a sweep), it is data, and like any other database it is left
alone (exit 2) unless --force. On PostgreSQL, demo needs an empty,
migrated database (\`halo-admin db migrate\`) and never deletes one.

Every step goes through the library as the CLI's own commands do; HALO_NOW fixes the clock.
The commands it prints run as printed in the same shell: started the way halo-admin was
(npx halo-admin from a clone), with HALO_DB set once first when the database is not
./halo.db. A password is never printed.
${examples('halo-admin demo', 'halo-admin --db /tmp/demo.db demo', 'HALO_NOW=2026-11-24T03:00:00Z halo-admin --db demo.db demo --json')}`,
  )
  .action(
    action(async (ctx, opts: { force?: boolean }) => {
      const [{ clearForDemo, contentsOf }, { playDemo, DEMO_ACTOR }, { directAlias, nextCommands, narrate, setupLines }, { HaloError }, { systemClock }] =
        await Promise.all([
          import('../demo/target.js'),
          import('../demo/scenario.js'),
          import('../demo/narrate.js'),
          import('../../errors.js'),
          import('../../core/clock.js'),
        ])
      const postgres = ctx.parsedTarget.engine === 'postgres'
      const before = postgres ? { kind: 'new' as const } : await clearForDemo(ctx.openTarget, opts.force === true)
      const handle = await ctx.database({ create: true })
      if (postgres) {
        const found = await contentsOf(handle)
        if (found.kind !== 'empty')
          throw new HaloError(
            'INVALID_INPUT',
            `${ctx.target} already holds data${found.kind === 'data' ? ` (${found.detail})` : ' (an earlier demo)'}; demo never empties a PostgreSQL database: give it an empty one, or a SQLite file`,
          )
      }
      const story = await playDemo(handle, ctx.clock)
      const result: DemoResult = {
        target: ctx.target,
        engine: handle.engineName,
        replaced: before.kind,
        marker: { actor: DEMO_ACTOR },
        fixedNow: ctx.clock === systemClock ? null : ctx.clock.now().toISOString(),
        ...story,
        setup: setupLines(ctx, ctx.invocation()),
        next: nextCommands(ctx.invocation(), story),
        direct: directAlias(ctx.invocation()),
      }
      await emit(ctx, result, (r) => narrate(ctx, r))
    }),
  )
