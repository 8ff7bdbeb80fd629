/** Every migration, in order. Listed explicitly so that the same list runs from TypeScript (jest) and from dist/. */
import { Migration20261123000000_hierarchy } from './Migration20261123000000_hierarchy.js';
import { Migration20261123010000_ledger } from './Migration20261123010000_ledger.js';
import { Migration20261123020000_ledger_fast_path } from './Migration20261123020000_ledger_fast_path.js';
import { Migration20261123030000_registry } from './Migration20261123030000_registry.js';
import { Migration20261123040000_access_log_residence } from './Migration20261123040000_access_log_residence.js';
import { Migration20261201100000_idempotency_per_region } from './Migration20261201100000_idempotency_per_region.js';
import { Migration20261201200000_ledger_as_of } from './Migration20261201200000_ledger_as_of.js';
import { Migration20261201200100_periods } from './Migration20261201200100_periods.js';
import { Migration20261201300000_audit } from './Migration20261201300000_audit.js';
import { Migration20261201400000_sync } from './Migration20261201400000_sync.js';
import { Migration20261201500000_proof } from './Migration20261201500000_proof.js';
import { Migration20261201600000_access_log_exports } from './Migration20261201600000_access_log_exports.js';
import { Migration20261202100000_approvals } from './Migration20261202100000_approvals.js';
import { Migration20261202300000_lot_balance } from './Migration20261202300000_lot_balance.js';
import { Migration20261202400000_one_trigger_per_row } from './Migration20261202400000_one_trigger_per_row.js';
import { Migration20261203100000_region_change_notice } from './Migration20261203100000_region_change_notice.js';
import { Migration20261203200000_group_reads } from './Migration20261203200000_group_reads.js';
import { Migration20261203300000_seal_through } from './Migration20261203300000_seal_through.js';
import { Migration20261203400000_reversal_date } from './Migration20261203400000_reversal_date.js';
import { Migration20261203500000_elder_immutable } from './Migration20261203500000_elder_immutable.js';
import { Migration20261204100000_balance_at_header } from './Migration20261204100000_balance_at_header.js';
import { Migration20261204200000_posting_transaction_lock } from './Migration20261204200000_posting_transaction_lock.js';

export const migrationsList = [
  { name: 'Migration20261123000000_hierarchy', class: Migration20261123000000_hierarchy },
  { name: 'Migration20261123010000_ledger', class: Migration20261123010000_ledger },
  { name: 'Migration20261123020000_ledger_fast_path', class: Migration20261123020000_ledger_fast_path },
  { name: 'Migration20261123030000_registry', class: Migration20261123030000_registry },
  { name: 'Migration20261123040000_access_log_residence', class: Migration20261123040000_access_log_residence },
  { name: 'Migration20261201100000_idempotency_per_region', class: Migration20261201100000_idempotency_per_region },
  { name: 'Migration20261201200000_ledger_as_of', class: Migration20261201200000_ledger_as_of },
  { name: 'Migration20261201200100_periods', class: Migration20261201200100_periods },
  { name: 'Migration20261201300000_audit', class: Migration20261201300000_audit },
  { name: 'Migration20261201400000_sync', class: Migration20261201400000_sync },
  { name: 'Migration20261201500000_proof', class: Migration20261201500000_proof },
  { name: 'Migration20261201600000_access_log_exports', class: Migration20261201600000_access_log_exports },
  { name: 'Migration20261202100000_approvals', class: Migration20261202100000_approvals },
  { name: 'Migration20261202300000_lot_balance', class: Migration20261202300000_lot_balance },
  { name: 'Migration20261202400000_one_trigger_per_row', class: Migration20261202400000_one_trigger_per_row },
  { name: 'Migration20261203100000_region_change_notice', class: Migration20261203100000_region_change_notice },
  { name: 'Migration20261203200000_group_reads', class: Migration20261203200000_group_reads },
  { name: 'Migration20261203300000_seal_through', class: Migration20261203300000_seal_through },
  { name: 'Migration20261203400000_reversal_date', class: Migration20261203400000_reversal_date },
  { name: 'Migration20261203500000_elder_immutable', class: Migration20261203500000_elder_immutable },
  { name: 'Migration20261204100000_balance_at_header', class: Migration20261204100000_balance_at_header },
  { name: 'Migration20261204200000_posting_transaction_lock', class: Migration20261204200000_posting_transaction_lock },
];
