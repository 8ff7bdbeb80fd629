import { Migration } from '@mikro-orm/migrations';

/**
 * Idempotency keys are scoped to the region that records the transaction (ledger.transaction
 * .region_code): the appropriating, issuing or paying region; for a receipt the receiving region,
 * for a return the returning lot's region, for a reversal the original's region. A key is therefore
 * unique per (region_code, idempotency_key), for ever (the table is append-only), instead of across
 * the whole city: a county that happens to reuse another county's key no longer collides with it,
 * nor learns that it exists. The new unique index implies the old global one on existing data, so
 * the swap cannot fail.
 */
export class Migration20261201100000_idempotency_per_region extends Migration {
  override name = 'Migration20261201100000_idempotency_per_region';

  override up(): void {
    this.addSql(`create unique index transaction_region_idempotency_key on ledger.transaction (region_code, idempotency_key)`);
    this.addSql(`alter table ledger.transaction add constraint transaction_region_idempotency_key unique using index transaction_region_idempotency_key`);
    this.addSql(`alter table ledger.transaction drop constraint transaction_idempotency_key_key`);
    this.addSql(`comment on constraint transaction_region_idempotency_key on ledger.transaction is 'an idempotency key is unique within the recording region, for ever'`);
  }
}
