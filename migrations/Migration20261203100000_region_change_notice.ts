import { Migration } from '@mikro-orm/migrations';

/**
 * A notice on channel `sunshine_region_changed` whenever a statement changes the region table
 * (import, a rename, anything): servers keep the answers of the region tree statements
 * (hierarchy/region-tree-cache.ts) and drop them all when it arrives. NOTIFY is transactional: the
 * notice goes out when the change commits, never for a change rolled back.
 */
export class Migration20261203100000_region_change_notice extends Migration {
  override name = 'Migration20261203100000_region_change_notice';

  override up(): void {
    this.addSql(`
      create function region_changed_notice() returns trigger language plpgsql as $$
      begin
        perform pg_notify('sunshine_region_changed', tg_op);
        return null;
      end $$`);
    this.addSql(`create trigger region_changed_notice after insert or update or delete on region
      for each statement execute function region_changed_notice()`);
    this.addSql(`create trigger region_truncated_notice after truncate on region
      for each statement execute function region_changed_notice()`);
  }

  override down(): void {
    this.addSql(`drop trigger region_changed_notice on region`);
    this.addSql(`drop trigger region_truncated_notice on region`);
    this.addSql(`drop function region_changed_notice()`);
  }
}
