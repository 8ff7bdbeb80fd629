import { Migration } from '@mikro-orm/migrations';

/**
 * Category memberships (身份: 特困, 低保 … — what an elder's entitlement depends on) on the change
 * feed, as a type of their own (CategoryMembership, export path `category-memberships`, sync/types.ts).
 *
 * A membership is visible where its elder is (household and residence villages), like an assessment.
 * It changes when it is recorded (registry.category_membership), when an end is appended
 * (registry.category_membership_end: its validTo, endedOn and endReason change), and its visibility
 * when the elder moves: each gets one outbox row per membership, in the writing transaction, from
 * statement-level triggers as every other type (Migration20261201400000_sync).
 *
 * Ledger transactions now carry their approval (proposedBy, approvedBy and the proposal's decision)
 * in the export and the feed. A transaction's approval is written before the transaction and never
 * changes, so nothing new announces it; but mirrors made before hold the approved transactions
 * without it: each of those is announced once here, so that the feed brings it to them.
 *
 * On a large platform (found in review, 2026-12-05): the outbox's check was widened first, which
 * read every row the outbox ever got while holding it exclusively, and the deploy (one transaction
 * for every pending migration) kept it so through the backfill and the triggers — every ledger write
 * (its outbox trigger) and every feed page waited. Now the backfill comes first, the check last and
 * NOT VALID (test/sync/migration-locks.test.ts).
 */
export class Migration20261205100000_sync_categories extends Migration {
  override name = 'Migration20261205100000_sync_categories';

  override up(): void {
    const changes = `insert into sync.change (entity_type, entity_id, regions, old_regions)`;
    // First, while nothing is locked that a writer needs (an INSERT takes only ROW EXCLUSIVE): on a
    // ledger whose approval policy holds every payment this is millions of rows.
    this.addSql(`${changes} select 'LedgerTransaction', t.id, array_remove(array[t.region_code, t.counterpart_region_code], null), '{}'
      from ledger.transaction t where t.proposal_id is not null order by t.id`);

    const fn = (name: string, body: string) =>
      this.addSql(`create function sync.${name}() returns trigger language plpgsql security definer set search_path = pg_catalog, public as $$
        begin
          ${body};
          return null;
        end $$`);
    fn('category_membership_inserted', `${changes} select 'CategoryMembership', n.id, array[e.hukou_village_code, e.residence_village_code], '{}'
      from n join registry.elder e on e.id = n.elder_id order by n.id`);
    fn('category_membership_ended', `${changes} select 'CategoryMembership', m.id, array[e.hukou_village_code, e.residence_village_code], '{}'
      from n join registry.category_membership m on m.id = n.membership_id join registry.elder e on e.id = m.elder_id order by m.id`);
    // A trigger of its own beside elder_sync_update (whose function announces stays, services and assessments).
    fn('elder_moved_memberships', `${changes} select 'CategoryMembership', m.id, array[n.hukou_village_code, n.residence_village_code],
        array[o.hukou_village_code, o.residence_village_code]
      from n join o using (id) join registry.category_membership m on m.elder_id = n.id
      where (n.hukou_village_code, n.residence_village_code) is distinct from (o.hukou_village_code, o.residence_village_code) order by m.id`);
    this.addSql(`create trigger category_membership_sync_insert after insert on registry.category_membership
      referencing new table as n for each statement execute function sync.category_membership_inserted()`);
    this.addSql(`create trigger category_membership_end_sync_insert after insert on registry.category_membership_end
      referencing new table as n for each statement execute function sync.category_membership_ended()`);
    this.addSql(`create trigger elder_sync_update_memberships after update on registry.elder
      referencing old table as o new table as n for each statement execute function sync.elder_moved_memberships()`);

    // Last: ALTER TABLE takes the outbox exclusively — every ledger write and feed page waits — and the
    // deploy's one transaction holds that until it commits. NOT VALID: the rows already there passed
    // the narrower check, so reading every one of them (the outbox is never pruned) under that lock
    // would prove nothing; new rows are checked all the same.
    const types = `'Region', 'Elder', 'Facility', 'Caregiver', 'Stay', 'ServiceRecord', 'Assessment', 'LedgerTransaction', 'Lot'`;
    this.addSql(`alter table sync.change drop constraint change_entity_type_check,
      add constraint change_entity_type_check check (entity_type in (${types}, 'CategoryMembership')) not valid`);
  }

  override down(): void {
    this.addSql(`drop trigger elder_sync_update_memberships on registry.elder`);
    this.addSql(`drop trigger category_membership_end_sync_insert on registry.category_membership_end`);
    this.addSql(`drop trigger category_membership_sync_insert on registry.category_membership`);
    this.addSql(`drop function sync.elder_moved_memberships()`);
    this.addSql(`drop function sync.category_membership_ended()`);
    this.addSql(`drop function sync.category_membership_inserted()`);
    // The outbox keeps its CategoryMembership rows (it is append-only), so the wider check stays.
  }
}
