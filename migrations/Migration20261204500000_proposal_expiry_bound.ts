import { Migration } from '@mikro-orm/migrations';

/**
 * A proposal expires at most 30 days (720 hours, MAX_APPROVAL_TTL_HOURS) after it was proposed.
 * Its expiry was only checked to come after its proposing, and the application writes it: direct
 * SQL as the application role could make a proposal — and the holds that inherit its expiry — keep
 * a lot's money for a century (found in review). proposed_at is the database's clock
 * (Migration20261204300000_database_clock), so the bound cannot be moved either.
 *
 * (A minute of slack: the expiry and proposed_at read the clock separately within the insert.)
 * NOT VALID: proposals made before, under a longer APPROVAL_TTL_HOURS, are left as they were; every
 * new one is held to it.
 */
export class Migration20261204500000_proposal_expiry_bound extends Migration {
  override name = 'Migration20261204500000_proposal_expiry_bound';

  override up(): void {
    this.addSql(`alter table ledger.proposal add constraint proposal_expiry_bound check (expires_at <= proposed_at + interval '720 hours 1 minute') not valid`);
  }

  override down(): void {
    this.addSql(`alter table ledger.proposal drop constraint proposal_expiry_bound`);
  }
}
