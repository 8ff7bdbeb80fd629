import { Migration } from '@mikro-orm/migrations';

/**
 * No balance, as of ANY date, below zero (issue 9: "money spent before it arrived").
 *
 * The posting trigger checked only the running balance in insert order, so a payment dated before
 * the receipt of its money was accepted and `balances(asOf:)` of the days in between went negative.
 * Now, when a posting moves an (account, lot) towards its limit (a credit to AVAILABLE,
 * IN_TRANSIT_DOWN or EXPENDITURE; a debit to FUNDING_SOURCE) and that (account, lot) already has
 * postings dated after it, the trigger computes, under the lot's lock, the balance at the end of
 * every date from the posting's effective date on and refuses (SL003 → INSUFFICIENT_FUNDS, naming
 * the date) if any would cross zero. The common case — nothing dated later — is one index probe
 * (posting_account_lot_date_idx) and the old running-balance check, which covers every later date.
 *
 * Sums that can exceed one amount: ledger.daily_total adds the postings of a region, fund line,
 * kind and day, which can exceed 64 bits when amounts near the documented maximum
 * (9223372036854775807 fen) meet; it becomes numeric, so every stored sum fits. Running balances
 * (posting.balance_after) are per (account, lot) and bounded by the lot's own amount, which is one
 * amount, so they stay bigint.
 */
export class Migration20261201200000_ledger_as_of extends Migration {
  override name = 'Migration20261201200000_ledger_as_of';

  override up(): void {
    this.addSql(`alter table ledger.daily_total alter column amount type numeric`);
    this.addSql(`create index posting_account_lot_date_idx on ledger.posting (account_id, lot_id, effective_date)`);
    this.addSql(`
      create or replace function ledger.posting_before_insert() returns trigger language plpgsql as $$
      declare
        acct ledger.account;
        lot_line text;
        prev record;
        worst record;
        toward_limit boolean;
      begin
        if exists (select from ledger.transaction where id = new.transaction_id) then
          raise exception 'postings must be inserted before their transaction header (transaction %)', new.transaction_id
            using errcode = 'SL010';
        end if;
        select * into acct from ledger.account where id = new.account_id;
        if not found then raise exception 'no account %', new.account_id using errcode = '23503'; end if;
        select fund_line into lot_line from ledger.lot where id = new.lot_id;
        if not found then raise exception 'no lot %', new.lot_id using errcode = '23503'; end if;
        if lot_line <> acct.fund_line then
          raise exception 'lot % belongs to fund line %, account % to %', new.lot_id, lot_line, acct.id, acct.fund_line
            using errcode = 'SL011';
        end if;
        new.fund_line := acct.fund_line;
        new.account_kind := acct.kind;
        new.region_code := acct.region_code;
        perform pg_advisory_xact_lock(new.lot_id);
        select p.lot_seq, p.balance_after into prev from ledger.posting p
          where p.account_id = new.account_id and p.lot_id = new.lot_id order by p.lot_seq desc limit 1;
        new.lot_seq := coalesce(prev.lot_seq, 0) + 1;
        new.balance_after := coalesce(prev.balance_after, 0) + new.amount;
        if (acct.kind = 'FUNDING_SOURCE' and new.balance_after > 0) or (acct.kind <> 'FUNDING_SOURCE' and new.balance_after < 0) then
          raise exception 'insufficient funds: % account % (region %, %) in lot % has % fen, the posting needs %',
            acct.kind, acct.id, acct.region_code, acct.fund_line, new.lot_id,
            coalesce(prev.balance_after, 0), abs(new.amount) using errcode = 'SL001';
        end if;
        toward_limit := (acct.kind = 'FUNDING_SOURCE') = (new.amount > 0);
        if toward_limit and exists (select from ledger.posting p where p.account_id = new.account_id and p.lot_id = new.lot_id
                                    and p.effective_date > new.effective_date) then
          -- The balance at the end of each date from new.effective_date on, with this posting: the
          -- worst one (lowest; highest for FUNDING_SOURCE) must stay on the right side of zero.
          -- Only the postings dated on or after it are read (the range of posting_account_lot_date_idx),
          -- so the cost follows how far back the posting reaches, not the size of the lot's history:
          -- the balance at the end of the day before is the running balance less those postings.
          select d.day, d.balance into worst from (
            select s.day, b.before_day + new.amount + sum(s.amount) over (order by s.day) as balance
            from (select coalesce(prev.balance_after, 0) - coalesce(sum(p.amount), 0) as before_day
                  from ledger.posting p where p.account_id = new.account_id and p.lot_id = new.lot_id
                    and p.effective_date >= new.effective_date) b,
                 (select u.day, sum(u.amount) as amount from (
                    -- the posting's own date is always a candidate
                    select new.effective_date as day, 0::bigint as amount
                    union all
                    select p.effective_date, p.amount
                    from ledger.posting p where p.account_id = new.account_id and p.lot_id = new.lot_id
                      and p.effective_date >= new.effective_date) u
                  group by u.day) s
          ) d
          order by case when acct.kind = 'FUNDING_SOURCE' then -d.balance else d.balance end, d.day limit 1;
          if (acct.kind = 'FUNDING_SOURCE' and worst.balance > 0) or (acct.kind <> 'FUNDING_SOURCE' and worst.balance < 0) then
            raise exception 'insufficient funds on %: % account % (region %, %) in lot % would hold % fen at the end of % (the posting of % fen is dated %, before money that arrived later)',
              to_char(worst.day, 'YYYY-MM-DD'), acct.kind, acct.id, acct.region_code, acct.fund_line, new.lot_id, worst.balance,
              to_char(worst.day, 'YYYY-MM-DD'), abs(new.amount), to_char(new.effective_date, 'YYYY-MM-DD') using errcode = 'SL003';
          end if;
        end if;
        return new;
      end $$`);
  }

  override down(): void {
    this.addSql(`drop index ledger.posting_account_lot_date_idx`);
    this.addSql(`alter table ledger.daily_total alter column amount type bigint`);
  }
}
