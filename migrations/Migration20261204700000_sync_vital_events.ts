import { Migration } from '@mikro-orm/migrations';

/**
 * A vital-status report (a death, or alive again) announces its elder on the change feed.
 *
 * The exported Elder now carries `vitalStatus` and `deathDate` as the API shows them (sync/types.ts),
 * but a report is a row of registry.vital_event, not a change of registry.elder: without this
 * trigger the feed never said that an elder had died, and a county system paying from its mirror
 * kept paying the dead (found in review). One outbox row per elder reported, visible where the
 * elder is (household and residence villages), in the report's own transaction.
 */
export class Migration20261204700000_sync_vital_events extends Migration {
  override name = 'Migration20261204700000_sync_vital_events';

  override up(): void {
    this.addSql(`create function sync.vital_event_inserted() returns trigger language plpgsql security definer set search_path = pg_catalog, public as $$
      begin
        insert into sync.change (entity_type, entity_id, regions, old_regions)
        select 'Elder', e.id, array[e.hukou_village_code, e.residence_village_code], '{}'
          from registry.elder e where e.id in (select n.elder_id from n) order by e.id;
        return null;
      end $$`);
    this.addSql(`create trigger vital_event_sync_insert after insert on registry.vital_event
      referencing new table as n for each statement execute function sync.vital_event_inserted()`);
  }

  override down(): void {
    this.addSql(`drop trigger vital_event_sync_insert on registry.vital_event`);
    this.addSql(`drop function sync.vital_event_inserted()`);
  }
}
