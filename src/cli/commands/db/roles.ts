import { Command } from 'commander'
import { action } from '../../action.js'
import { examples } from '../../help.js'
import { emit } from '../../output.js'

export const dbRoles = new Command('roles')
  .description('print the PostgreSQL roles halo_ops, halo_support, halo_viewer and halo_app as SQL; --apply creates and grants them (idempotent)')
  .option('--apply', 'create the roles when missing and grant them, in one transaction (needs CREATEROLE and the owner of the tables)')
  .addHelpText(
    'after',
    examples(
      'halo-admin --db "$OWNER_URL" db roles            # the SQL, to read or to run by hand',
      'halo-admin --db "$OWNER_URL" db roles --apply    # then: create role alice login in role halo_ops',
    ),
  )
  .action(
    action(async (ctx, opts: { apply?: boolean }) => {
      const { applyRoles, describeRoles, HALO_ROLES } = await import('../../../access/roles.js')
      const handle = await ctx.database()
      const r = opts.apply === true ? await applyRoles(handle) : await describeRoles(handle)
      await emit(ctx, { schema: r.schema, applied: opts.apply === true, roles: HALO_ROLES, statements: r.statements }, (d) =>
        d.applied
          ? [
              `roles applied on schema ${d.schema}:`,
              ...d.roles.map((role) => `  ${role.name.padEnd(13)} ${role.may}`),
              'log in as a member: create role alice login in role halo_ops',
            ].join('\n')
          : [...d.roles.map((role) => `-- ${role.name.padEnd(13)} ${role.may}`), ...d.statements.map((s) => (s.startsWith('--') ? s : `${s};`))].join('\n'),
      )
    }),
  )
