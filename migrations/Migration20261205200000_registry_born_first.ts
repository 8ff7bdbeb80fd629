import { Migration } from '@mikro-orm/migrations';

/**
 * No dated event of an elder before the elder's birth, enforced by the database (the domain's
 * rule is registry/store.ts requireBorn). Until now only the domain refused an admission, a
 * service, a category, an assessment or a death dated before the birth date; direct SQL as the
 * application role (or any future writer that forgets the check) could still store one, and rows
 * written before the domain checked it exist (docs/registry.md tells how to list them).
 *
 * One AFTER INSERT statement trigger per table, over the statement's new rows (a transition table):
 * a single insert costs one probe of the elder's primary key, a bulk insert (the demo, an import)
 * one join, not a trigger call per row. It raises SR001 with the column named (the error's
 * `column` field), which registry/store.ts maps to BAD_USER_INPUT on the input field. The message
 * names the table, column and elder id, never a date (a birth date is personal data, and error
 * messages reach logs).
 *
 * Only inserts need checking: these tables are append-only (reject_change) except registry.stay,
 * whose admitted_on never changes (stay_guard), and an elder's birth date never changes
 * (elder_immutable). Existing rows are left as they are.
 *
 * The day of a service is its day in China (UTC+8, as platform/id-number.ts todayInChina), where
 * birth dates are: 1944-06-14T16:30Z is the 15th.
 */
const EVENTS: { table: string; column: string; day: string }[] = [
  { table: 'stay', column: 'admitted_on', day: 'n.admitted_on' },
  { table: 'service_record', column: 'started_at', day: `(n.started_at at time zone 'UTC' + interval '8 hours')::date` },
  { table: 'category_membership', column: 'valid_from', day: 'n.valid_from' },
  { table: 'assessment', column: 'assessed_on', day: 'n.assessed_on' },
  { table: 'vital_event', column: 'death_date', day: 'n.death_date' }, // (null for a report of being alive: nothing to compare)
];

export class Migration20261205200000_registry_born_first extends Migration {
  override name = 'Migration20261205200000_registry_born_first';

  override up(): void {
    for (const { table, column, day } of EVENTS) {
      this.addSql(`create function registry.${table}_not_before_birth() returns trigger language plpgsql as $$
        declare
          who bigint;
        begin
          select n.elder_id into who from n join registry.elder e on e.id = n.elder_id
            where ${day} < e.birth_date order by n.elder_id limit 1;
          if found then
            raise exception 'registry.${table}: ${column} is before the birth date of elder %', who
              using errcode = 'SR001', table = '${table}', column = '${column}', schema = 'registry';
          end if;
          return null;
        end $$`);
      this.addSql(`create trigger ${table}_not_before_birth after insert on registry.${table}
        referencing new table as n for each statement execute function registry.${table}_not_before_birth()`);
    }
  }

  override down(): void {
    for (const { table } of EVENTS) {
      this.addSql(`drop trigger ${table}_not_before_birth on registry.${table}`);
      this.addSql(`drop function registry.${table}_not_before_birth()`);
    }
  }
}
