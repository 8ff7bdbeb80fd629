import { Migration } from '@mikro-orm/migrations';

/**
 * The database's clock on UPDATE too (Migration20261204300000_database_clock covered INSERT). The
 * application role updates the mutable records (elder, facility, caregiver, service types) and,
 * with table-wide UPDATE, could rewrite when and by whom one was registered (created_at,
 * created_by) or set updated_at to any time: found in review.
 *
 * Now its UPDATE covers every column of those tables but the ones that say when a record was
 * created or recorded and by whom (a timestamp with a default other than updated_at, and
 * created_by); a statement naming one is refused (42501). An update that sets updated_at gets the
 * database's clock there from a trigger, whatever value it gave (the application gives now()); one
 * that does not set it (a key rotation) leaves it as it was.
 * Computed when the migration runs, like the INSERT grants; test/platform/database-clock.test.ts
 * checks both.
 */
const UPDATABLE = `
  select t.table_schema as s, t.table_name as t
  from information_schema.tables t
  where t.table_schema in ('registry', 'audit', 'ledger', 'sync') and t.table_type = 'BASE TABLE'
    and has_table_privilege('sunshine_app', format('%I.%I', t.table_schema, t.table_name), 'UPDATE')`;

/** Columns no update may name: when and by whom a record was created or recorded. */
const FIXED_COLUMN = `((c.data_type like 'timestamp%' and c.column_default is not null and c.column_name <> 'updated_at') or c.column_name = 'created_by')`;

export class Migration20261204400000_database_clock_updates extends Migration {
  override name = 'Migration20261204400000_database_clock_updates';

  override up(): void {
    this.addSql(`
      create function registry.stamp_updated_at() returns trigger language plpgsql as $$
      begin
        -- Only an update that sets it gets the clock's time: a key rotation, which re-seals the
        -- encrypted columns and nothing else, leaves the record's updated_at (and the change feed) alone.
        if new.updated_at is distinct from old.updated_at then new.updated_at := now(); end if;
        return new;
      end $$`);
    this.addSql(`
      do $$
      declare
        r record;
        others text;
        stamped boolean;
        fixed boolean;
      begin
        for r in ${UPDATABLE} loop
          select string_agg(quote_ident(c.column_name), ', ' order by c.ordinal_position) filter (where not ${FIXED_COLUMN}),
                 bool_or(c.column_name = 'updated_at' and c.data_type like 'timestamp%'), bool_or(${FIXED_COLUMN})
            into others, stamped, fixed
            from information_schema.columns c where c.table_schema = r.s and c.table_name = r.t;
          -- A table without such columns (service types) keeps its table-wide UPDATE; the others all have
          -- updated_at, and down() finds them by its trigger. A later table is held to the same rule by the test.
          continue when not fixed or not stamped;
          execute format('revoke update on %I.%I from sunshine_app', r.s, r.t);
          execute format('grant update (%s) on %I.%I to sunshine_app', others, r.s, r.t);
          execute format('create trigger %I before update on %I.%I for each row execute function registry.stamp_updated_at()', r.t || '_updated_at', r.s, r.t);
        end loop;
      end $$`);
  }

  override down(): void {
    this.addSql(`
      do $$
      declare r record;
      begin
        for r in select distinct c.event_object_schema as s, c.event_object_table as t from information_schema.triggers c
                 where c.trigger_name = c.event_object_table || '_updated_at' and c.action_statement like '%stamp_updated_at%' loop
          execute format('drop trigger %I on %I.%I', r.t || '_updated_at', r.s, r.t);
          execute format('grant update on %I.%I to sunshine_app', r.s, r.t);
        end loop;
      end $$`);
    this.addSql(`drop function registry.stamp_updated_at()`);
  }
}
