import { Migration } from '@mikro-orm/migrations';

/**
 * The access log also records every export of the books (导出台账): who (subject, roles, token),
 * what (entity_type 'LedgerExport', fields = {what was exported}, the format), the region
 * (region_code), the period and how many rows the file holds (row_count, the column the snapshot
 * export of Migration20261201400000_sync added). entity_id is the head of the hash
 * chain the export was read at (the seq of the newest transaction then; 0 for an empty ledger), so
 * a file can be matched to the state of the ledger it came from. The table stays append-only (its
 * triggers refuse UPDATE/DELETE/TRUNCATE); earlier rows keep nulls in the new columns.
 */
export class Migration20261201600000_access_log_exports extends Migration {
  override name = 'Migration20261201600000_access_log_exports';

  override up(): void {
    this.addSql(`alter table registry.access_log
      add column export_format text check (export_format in ('hledger', 'xlsx', 'csv')),
      add column period_from date,
      add column period_to date check (period_to >= period_from)`);
    this.addSql(`alter table registry.access_log add constraint access_log_export_complete
      check ((entity_type = 'LedgerExport') = (export_format is not null and row_count is not null))`);
    this.addSql(`comment on column registry.access_log.export_format is 'for an export (entity_type LedgerExport): hledger, xlsx or csv'`);
    this.addSql(`comment on column registry.access_log.period_from is 'for an export: first effective date included (null: from the beginning)'`);
    this.addSql(`comment on column registry.access_log.period_to is 'for an export: last effective date included (null: to the end)'`);
    this.addSql(`comment on column registry.access_log.row_count is 'for an export: the rows sent (snapshot export, entity_type Export: on the row written when it ended; books, LedgerExport: data rows of the file)'`);
  }
}
