import { Migration } from '@mikro-orm/migrations';

/**
 * The database writes every record's own time. Until now the application role could give any
 * value to the columns that say when a row was recorded (a history entry's recorded_at, an access
 * log entry's accessed_at, a decision's decided_at, a policy change's changed_at …): their defaults
 * were only defaults, and direct SQL as that role could back-date a household's move (the audit's
 * AR-24 reads change_log.recorded_at), an unmasking in the access log or an approval.
 *
 * Now the application role may insert every column of those tables except these: a value for one
 * of them is refused (42501, permission denied) and the default, the database's clock, is always
 * what is stored. The set is every timestamp column with a default, in the schemas registry,
 * audit, ledger and sync, of a table the application role may insert into — computed when the
 * migration runs, so nothing is left out by hand. A later migration that adds a column to one of
 * these tables grants it (`grant insert (column) on … to sunshine_app`), or the application cannot
 * write it; test/platform/database-clock.test.ts checks both ways.
 *
 * Only the owner (migrations; the demo, which plants history dated in the past) writes another time.
 */
const CLOCK_COLUMNS = `
  select c.table_schema as s, c.table_name as t, array_agg(c.column_name::text order by c.column_name) as clock
  from information_schema.columns c
  where c.table_schema in ('registry', 'audit', 'ledger', 'sync') and c.data_type like 'timestamp%' and c.column_default is not null
    and has_table_privilege('sunshine_app', format('%I.%I', c.table_schema, c.table_name), 'INSERT')
  group by 1, 2`;

export class Migration20261204300000_database_clock extends Migration {
  override name = 'Migration20261204300000_database_clock';

  override up(): void {
    this.addSql(`
      do $$
      declare
        r record;
        others text;
      begin
        for r in ${CLOCK_COLUMNS} loop
          select string_agg(quote_ident(column_name), ', ' order by ordinal_position) into others
            from information_schema.columns where table_schema = r.s and table_name = r.t and column_name <> all (r.clock);
          execute format('revoke insert on %I.%I from sunshine_app', r.s, r.t);
          execute format('grant insert (%s) on %I.%I to sunshine_app', others, r.s, r.t);
        end loop;
      end $$`);
  }

  override down(): void {
    this.addSql(`
      do $$
      declare r record;
      begin
        for r in select distinct table_schema as s, table_name as t from information_schema.column_privileges
                 where grantee = 'sunshine_app' and privilege_type = 'INSERT' and table_schema in ('registry', 'audit', 'ledger', 'sync') loop
          execute format('grant insert on %I.%I to sunshine_app', r.s, r.t);
        end loop;
      end $$`);
  }
}
