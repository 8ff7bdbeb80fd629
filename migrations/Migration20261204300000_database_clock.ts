import { Migration } from '@mikro-orm/migrations';

/**
 * The database writes every record's own time. Until now the application role could give any
 * value to the columns that say when a row was recorded (a history entry's recorded_at, an access
 * log entry's accessed_at, a decision's decided_at, a policy change's changed_at …): their defaults
 * were only defaults, and direct SQL as that role could back-date a household's move (the audit's
 * AR-24 reads change_log.recorded_at), an unmasking in the access log or an approval. With
 * table-wide UPDATE of the mutable records (elder, facility, caregiver) it could also rewrite when
 * and by whom one was registered, or set updated_at to any time.
 *
 * Now:
 * - INSERT: the application role may insert every column of those tables except the clock's — every
 *   timestamp column with a default; a value for one is refused (42501) and the default is stored.
 * - UPDATE: its UPDATE covers every column but the ones that say when a record was created or
 *   recorded and by whom (a timestamp with a default other than updated_at, and created_by); an
 *   update that sets updated_at gets the database's clock there from a trigger, whatever value it
 *   gave (the application gives now()), and one that does not set it (a key rotation, which re-seals
 *   the encrypted columns only) leaves it — and the change feed — alone.
 *
 * The tables and columns are those of the schemas registry, audit, ledger and sync the application
 * role had the privilege on when the migration runs, so nothing is left out by hand. A later
 * migration that adds a column to one of these tables grants it (`grant insert (column)` /
 * `grant update (column)` … `to sunshine_app`), or the application cannot write it;
 * test/platform/database-clock.test.ts checks both ways. Only the owner (migrations; the demo, which
 * plants history dated in the past) writes another time.
 */

/** Columns whose value is the database's clock on INSERT. */
const INSERT_CLOCK = `c.data_type like 'timestamp%' and c.column_default is not null`;
/** Columns no UPDATE may name: when and by whom a record was created or recorded. */
const UPDATE_FIXED = `(c.data_type like 'timestamp%' and c.column_default is not null and c.column_name <> 'updated_at') or c.column_name = 'created_by'`;

/**
 * For every table the application role has `privilege` on and that has a `fixed` column: the
 * privilege on every other column instead of the whole table; `each` runs after, per table.
 */
function narrowGrant(privilege: 'insert' | 'update', fixed: string, each = ''): string {
  return `
    do $$
    declare
      r record;
    begin
      for r in
        select c.table_schema as s, c.table_name as t,
               string_agg(quote_ident(c.column_name), ', ' order by c.ordinal_position) filter (where not (${fixed})) as others,
               bool_or(c.column_name = 'updated_at' and c.data_type like 'timestamp%') as stamped
        from information_schema.columns c join information_schema.tables t using (table_schema, table_name)
        where c.table_schema in ('registry', 'audit', 'ledger', 'sync') and t.table_type = 'BASE TABLE'
          and has_table_privilege('sunshine_app', format('%I.%I', c.table_schema, c.table_name), '${privilege}')
        group by 1, 2
        having bool_or(${fixed})
      loop
        execute format('revoke ${privilege} on %I.%I from sunshine_app', r.s, r.t);
        execute format('grant ${privilege} (%s) on %I.%I to sunshine_app', r.others, r.s, r.t);
        ${each}
      end loop;
    end $$`;
}

export class Migration20261204300000_database_clock extends Migration {
  override name = 'Migration20261204300000_database_clock';

  override up(): void {
    this.addSql(`
      create function registry.stamp_updated_at() returns trigger language plpgsql as $$
      begin
        if new.updated_at is distinct from old.updated_at then new.updated_at := now(); end if;
        return new;
      end $$`);
    this.addSql(narrowGrant('insert', INSERT_CLOCK));
    this.addSql(narrowGrant('update', UPDATE_FIXED, `
        if r.stamped then
          execute format('create trigger %I before update on %I.%I for each row execute function registry.stamp_updated_at()', r.t || '_updated_at', r.s, r.t);
        end if;`));
  }

  override down(): void {
    // Table-wide again where the role holds column grants only (before, it held none on these schemas' tables but stay's UPDATE).
    this.addSql(`
      do $$
      declare r record;
      begin
        for r in select distinct g.table_schema as s, g.table_name as t, lower(g.privilege_type) as p from information_schema.column_privileges g
                 where g.grantee = 'sunshine_app' and g.privilege_type in ('INSERT', 'UPDATE') and g.table_schema in ('registry', 'audit', 'ledger', 'sync')
                   and not (g.table_name = 'stay' and g.privilege_type = 'UPDATE')
                   and not has_table_privilege('sunshine_app', format('%I.%I', g.table_schema, g.table_name), g.privilege_type) loop
          execute format('grant %s on %I.%I to sunshine_app', r.p, r.s, r.t);
        end loop;
        for r in select event_object_schema as s, event_object_table as t from information_schema.triggers
                 where trigger_name = event_object_table || '_updated_at' and action_statement like '%stamp_updated_at%' and event_manipulation = 'UPDATE' loop
          execute format('drop trigger %I on %I.%I', r.t || '_updated_at', r.s, r.t);
        end loop;
      end $$`);
    this.addSql(`drop function registry.stamp_updated_at()`);
  }
}
