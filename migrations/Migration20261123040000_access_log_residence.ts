import { Migration } from '@mikro-orm/migrations';

/**
 * The access log also records the residence village of an elder read in clear. A read is allowed by
 * either the household or the residence jurisdiction, so either must be able to audit it; the first
 * version kept the household village only, and a county that read its residents' data could not see
 * its own reads. The table stays append-only (its triggers refuse UPDATE/DELETE/TRUNCATE); older rows
 * keep a null second region.
 */
export class Migration20261123040000_access_log_residence extends Migration {
  override name = 'Migration20261123040000_access_log_residence';

  override up(): void {
    this.addSql(`alter table registry.access_log add column residence_region_code text collate "C"`);
    this.addSql(`comment on column registry.access_log.residence_region_code is 'for an elder: the residence village when it differs from the household village (region_code)'`);
    this.addSql(`create index access_log_residence_idx on registry.access_log (residence_region_code, id) where residence_region_code is not null`);
  }
}
