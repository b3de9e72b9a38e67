import { sql, type Kysely } from 'kysely'
import { AUDIT_SOURCES, AUDITED_COLUMNS } from '../src/audit/audit-chain.js'
import { type HaloMigration, notNull, timeType } from './migration-support.js'

/**
 * Accountability (issue 22, contract §4c): who made each audited write, as the database knows it, and
 * a hash chain over the audit records that `halo-admin audit verify` checks.
 *
 * Both engines:
 * - `authenticated_as` beside the declared actor on `config_audit` (flag and cohort changes) and
 *   `session_closures` (every end), `resolved_authenticated_as` on `cc_reviews` (the resolution).
 *   Rows written before this migration have none (null: shown as `-`).
 * - `audit_chain`: one link per sealed audit record, in the order `audit verify` sealed them; each
 *   link's hash covers the record's digest and the link before it. `audit_seals`: one row per sealing
 *   run. `audit_backfill`: the highest id of each table when this migration ran; the first seal marks
 *   every record at or below it as backfilled (written before the chain existed).
 *
 * SQLite: the library writes the OS user into the identity columns; the file's permissions are the
 * access control (anyone who can write the file is its owner), so there are no roles and no refusing
 * triggers: `audit verify` is what catches an edit.
 *
 * PostgreSQL:
 * - BEFORE triggers set the identity to `session_user`, whatever the client sent: a client cannot
 *   name someone else. `audit_tx` records the transaction of the audited write (the insert; for a
 *   review its resolution), so the sealer chains only writes of transactions that have ended and can
 *   tell a late commit from a row inserted behind the chain's back.
 * - The records are append-only for every role but the table's owner (and SECURITY DEFINER
 *   functions, which run as the owner): the triggers refuse a delete, and an update of any audited
 *   column (the sweep may still set a closure's `finalized_at`; an open review may be resolved once).
 * - Once `halo-admin db roles --apply` has created the roles, the triggers also hold each role to its
 *   part where a table grant is too coarse: only `halo_ops` changes flags, only `halo_support` ends a
 *   session as support, only `halo_app` as a mitra, a customer or the system. Before the roles exist
 *   nothing is refused, so an install without them works as before.
 */
export const accountability: HaloMigration = {
  name: '0008-accountability',
  async up(db, engine) {
    const time = timeType(engine)
    await db.schema.alterTable('config_audit').addColumn('authenticated_as', 'varchar(128)').execute()
    await db.schema.alterTable('session_closures').addColumn('authenticated_as', 'varchar(128)').execute()
    await db.schema.alterTable('cc_reviews').addColumn('resolved_authenticated_as', 'varchar(128)').execute()

    await db.schema
      .createTable('audit_seals')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('sealed_at', time, notNull)
      .addColumn('sealed_by', 'varchar(128)')
      .addColumn('fence', 'varchar(32)')
      .addColumn('horizon', 'varchar(32)')
      .addColumn('first_seq', 'integer', notNull)
      .addColumn('last_seq', 'integer', notNull)
      .addColumn('head_hash', 'varchar(64)', notNull)
      .execute()
    await db.schema
      .createTable('audit_chain')
      .addColumn('seq', 'integer', (c) => c.primaryKey())
      .addColumn('source', 'varchar(32)', notNull)
      .addColumn('row_id', 'bigint', notNull)
      .addColumn('digest', 'varchar(64)', notNull)
      .addColumn('hash', 'varchar(64)', notNull)
      .addColumn('backfilled', 'boolean', notNull)
      .addColumn('seal_id', 'integer', notNull)
      .addUniqueConstraint('audit_chain_source_row', ['source', 'row_id'])
      .execute()
    await db.schema
      .createTable('audit_backfill')
      .addColumn('source', 'varchar(32)', (c) => c.primaryKey())
      .addColumn('max_id', 'bigint', notNull)
      .execute()
    for (const table of AUDIT_SOURCES)
      await sql`insert into audit_backfill (source, max_id) select ${table}, coalesce(max(id), 0) from ${sql.table(table)}`.execute(db)

    if (engine === 'postgres') await postgresAccountability(db)
  },
}

async function postgresAccountability(db: Kysely<any>): Promise<void> {
  const run = (text: string) => sql.raw(text).execute(db)
  await run(`alter table config_audit add column audit_tx xid8 default pg_current_xact_id()`)
  await run(`alter table session_closures add column audit_tx xid8 default pg_current_xact_id()`)
  await run(`alter table cc_reviews add column audit_tx xid8`)
  await run(`update cc_reviews set audit_tx = pg_current_xact_id() where status = 'resolved'`)

  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db)
  const schema = rows[0]!.schema.replaceAll('"', '""')
  // SECURITY DEFINER and trigger functions name their tables through a pinned path, pg_temp last
  const pinned = `set search_path = "${schema}", pg_temp`

  // true when the role does not exist (roles not applied: nothing is enforced) or the current role has its rights
  await run(`create function halo_may(role_name text) returns boolean language sql stable ${pinned} as $$
    select not exists (select 1 from pg_catalog.pg_roles where rolname = role_name) or pg_catalog.pg_has_role(current_user, role_name, 'USAGE')
  $$`)
  await run(`create function halo_owns(table_oid oid) returns boolean language sql stable ${pinned} as $$
    select pg_catalog.pg_has_role(current_user, (select relowner from pg_catalog.pg_class where oid = table_oid), 'USAGE')
  $$`)
  const refuse = (message: string) => `raise exception using errcode = '42501', message = ${message}`

  await run(`create function config_audit_guard() returns trigger language plpgsql ${pinned} as $$
    begin
      if tg_op = 'INSERT' then
        new.authenticated_as := session_user;
        new.audit_tx := pg_current_xact_id();
        return new;
      end if;
      if halo_owns(tg_relid) then return coalesce(new, old); end if;
      ${refuse(`'config_audit is append-only: the flag history cannot be changed or deleted'`)};
    end
  $$`)
  await run(`create trigger config_audit_guard before insert or update or delete on config_audit for each row execute function config_audit_guard()`)

  const closureAudited = [...AUDITED_COLUMNS.session_closures, 'audit_tx']
  await run(`create function session_closures_guard() returns trigger language plpgsql ${pinned} as $$
    begin
      if tg_op = 'INSERT' then
        new.authenticated_as := session_user;
        new.audit_tx := pg_current_xact_id();
        if halo_owns(tg_relid) then return new; end if;
        if new.initiated_by = 'support' and not halo_may('halo_support') then
          ${refuse(`'ending a session as support needs role halo_support'`)};
        elsif new.initiated_by <> 'support' and not halo_may('halo_app') then
          ${refuse(`format('ending a session as %s needs role halo_app', new.initiated_by)`)};
        end if;
        return new;
      end if;
      if halo_owns(tg_relid) then return coalesce(new, old); end if;
      if tg_op = 'DELETE' then
        ${refuse(`'session_closures is append-only: a closure cannot be deleted'`)};
      end if;
      if (${closureAudited.map((c) => `old.${c}`).join(', ')}) is distinct from (${closureAudited.map((c) => `new.${c}`).join(', ')}) then
        ${refuse(`'session_closures is append-only: only a closure''s finalized_at may be set'`)};
      end if;
      return new;
    end
  $$`)
  await run(
    `create trigger session_closures_guard before insert or update or delete on session_closures for each row execute function session_closures_guard()`,
  )

  const reviewKept = ['id', 'mitra_id', 'business_day', 'trigger', 'opened_at']
  const resolution = ['status', 'outcome', 'note', 'resolved_at', 'resolved_by', 'resolved_authenticated_as', 'audit_tx']
  await run(`create function cc_reviews_guard() returns trigger language plpgsql ${pinned} as $$
    begin
      if tg_op = 'INSERT' then
        new.resolved_authenticated_as := null;
        new.audit_tx := null;
        if new.status = 'resolved' then
          new.resolved_authenticated_as := session_user;
          new.audit_tx := pg_current_xact_id();
        end if;
        return new;
      end if;
      if halo_owns(tg_relid) then
        if tg_op = 'UPDATE' and old.status = 'open' and new.status = 'resolved' then
          new.resolved_authenticated_as := session_user;
          new.audit_tx := pg_current_xact_id();
        end if;
        return coalesce(new, old);
      end if;
      if tg_op = 'DELETE' then
        ${refuse(`'cc_reviews is append-only: a review cannot be deleted'`)};
      end if;
      if (${reviewKept.map((c) => `old.${c}`).join(', ')}) is distinct from (${reviewKept.map((c) => `new.${c}`).join(', ')})
         or old.status = 'resolved' then
        ${refuse(`'cc_reviews is append-only: a resolved review cannot be changed'`)};
      end if;
      if new.status = 'resolved' then
        if not halo_may('halo_support') then
          ${refuse(`'resolving a review needs role halo_support'`)};
        end if;
        new.resolved_authenticated_as := session_user;
        new.audit_tx := pg_current_xact_id();
      elsif (${resolution.map((c) => `old.${c}`).join(', ')}) is distinct from (${resolution.map((c) => `new.${c}`).join(', ')}) then
        ${refuse(`'cc_reviews is append-only: an open review changes only by being resolved'`)};
      end if;
      return new;
    end
  $$`)
  await run(`create trigger cc_reviews_guard before insert or update or delete on cc_reviews for each row execute function cc_reviews_guard()`)

  // flags: the grants let halo_app and halo_support lock app_config (an early end holds it in SHARE
  // mode, which needs UPDATE), so the trigger keeps every change for halo_ops
  await run(`create function app_config_guard() returns trigger language plpgsql ${pinned} as $$
    begin
      if halo_owns(tg_relid) or halo_may('halo_ops') then return coalesce(new, old); end if;
      ${refuse(`'changing flags needs role halo_ops'`)};
    end
  $$`)
  await run(`create trigger app_config_guard before insert or update or delete on app_config for each row execute function app_config_guard()`)
  await run(`create function app_config_truncate_guard() returns trigger language plpgsql ${pinned} as $$
    begin
      if halo_owns(tg_relid) then return null; end if;
      ${refuse(`'changing flags needs role halo_ops'`)};
    end
  $$`)
  await run(`create trigger app_config_truncate_guard before truncate on app_config for each statement execute function app_config_truncate_guard()`)

  // the guard (issue 23) switches early ends off from inside the backend's early-end transaction:
  // halo_app may do exactly that, through this function, and nothing else to app_config
  await run(`create function halo_switch_off_mitra_early_end(actor text, note text, at timestamptz) returns boolean
    language plpgsql security definer ${pinned} as $$
    declare previous text;
    begin
      select value into previous from app_config where key = 'early_end_mitra_enabled' for update;
      if previous is null or previous = 'false' then return false; end if;
      update app_config set value = 'false', updated_at = at, updated_by = actor where key = 'early_end_mitra_enabled';
      insert into config_audit (key, old_value, new_value, actor, note, created_at) values ('early_end_mitra_enabled', previous, 'false', actor, note, at);
      return true;
    end
  $$`)
  await run(`revoke all on function halo_switch_off_mitra_early_end(text, text, timestamptz) from public`)
}
