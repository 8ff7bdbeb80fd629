import { Migration } from '@mikro-orm/migrations';

/**
 * The balance of a transaction is checked by its header's insert trigger, not by a deferred
 * constraint trigger at COMMIT: the same rule (SL002, "does not balance"), one trigger call and one
 * read of the postings fewer per transaction.
 *
 * Why it is the same rule: the header trigger already reads every posting of the transaction (to
 * count its legs, to check their date and fund line, to hash them), and no posting can be added
 * after it — the posting trigger refuses a posting whose header exists (SL010), in this transaction
 * or any other; postings without a header fail their deferred foreign key at COMMIT. So the
 * postings the header sees are all the postings the transaction will ever have, and since they
 * share its fund line (SL012), balanced means their amounts sum to zero.
 *
 * What changes for a caller: an unbalanced transaction is refused at the header's INSERT instead of
 * at COMMIT (same code and message). Measured in-process (bench:ledger-profile, 8 callers): see
 * docs/performance.md, seventh session.
 */
export class Migration20261204100000_balance_at_header extends Migration {
  override name = 'Migration20261204100000_balance_at_header';

  override up(): void {
    this.addSql(`
      create or replace function ledger.transaction_before_insert() returns trigger language plpgsql as $$
      declare
        head record;
        legs int;
        mismatched int;
        total numeric;
        entries text;
      begin
        -- One key space for transactions and proposals of a region (the writers hold the key's advisory lock).
        if exists (select from ledger.proposal_item i where i.region_code = new.region_code and i.idempotency_key = new.idempotency_key
                   and i.proposal_id is distinct from new.proposal_id) then
          raise exception 'idempotency key % of region % belongs to a proposal', new.idempotency_key, new.region_code using errcode = 'SL032';
        end if;
        if new.proposal_id is not null and not exists (
          select from ledger.proposal p join ledger.proposal_decision d on d.proposal_id = p.id
          where p.id = new.proposal_id and p.proposed_by = new.proposed_by
            and d.decision = 'APPROVED' and d.decided_by = new.approved_by) then
          raise exception 'transaction % names proposal % without its approval by %', new.id, new.proposal_id, new.approved_by
            using errcode = 'SL031';
        end if;
        select count(*), count(*) filter (where p.effective_date <> new.effective_date or p.fund_line <> new.fund_line),
               sum(p.amount), string_agg(ledger.posting_entry(p), ';' order by p.id)
          into legs, mismatched, total, entries
          from ledger.posting p where p.transaction_id = new.id;
        if legs < 2 then
          raise exception 'transaction % has fewer than 2 postings: insert its postings first', new.id using errcode = 'SL002';
        end if;
        if mismatched > 0 then
          raise exception 'postings of transaction % disagree with its effective date or fund line', new.id using errcode = 'SL012';
        end if;
        if total <> 0 then
          raise exception 'transaction % does not balance: % %', new.id, new.fund_line, total using errcode = 'SL002';
        end if;
        perform pg_advisory_xact_lock(21325, 1);
        select t.seq, t.hash into head from ledger.transaction t order by t.seq desc limit 1;
        new.seq := coalesce(head.seq, 0) + 1;
        new.prev_hash := coalesce(head.hash, '\\x0000000000000000000000000000000000000000000000000000000000000000'::bytea);
        new.recorded_at := clock_timestamp();
        new.hash := ledger.transaction_hash(new, entries);
        return new;
      end $$`);
    this.addSql(`drop trigger transaction_balanced on ledger.transaction`);
    this.addSql(`drop function ledger.check_balanced()`);
  }

  override down(): void {
    throw new Error('Migration20261204100000_balance_at_header cannot be undone: restore ledger.check_balanced and the transaction_balanced trigger of Migration20261123010000, and the header trigger of Migration20261202400000, by hand');
  }
}
