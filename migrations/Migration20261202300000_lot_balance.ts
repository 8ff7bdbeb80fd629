import { Migration } from '@mikro-orm/migrations';

/**
 * The running balance of each (account, lot) kept in one row: `ledger.lot_balance`.
 *
 * Three statements read "the last running balance of (account, lot)" — the posting trigger, the
 * hold trigger and the group writer's plan — as `order by lot_seq desc limit 1` over
 * ledger.posting. Once autovacuum has analysed a ledger of some 20,000 postings, PostgreSQL's
 * estimate for one (account, lot) is the average history (a payee's account has one or two
 * postings), so it may answer through posting_account_lot_date_idx and sort the whole history of a
 * county's AVAILABLE account instead of probing the unique (account_id, lot_id, lot_seq) index: the
 * write rate halved within a minute of writing (docs/performance.md). No rewording of the query
 * fixed the plan for good; a table with one row per (account, lot) is one primary-key probe,
 * whatever the history and the statistics.
 *
 * It is derived, like ledger.daily_total: the posting trigger advances it under the lot's lock, in
 * the same statement as the posting (so the next row of a multi-row insert sees it, and a refused
 * posting rolls it back); the trigger runs as the ledger's owner (SECURITY DEFINER), and the
 * application role may only read the table. ledger.posting.balance_after stays the record; the verifier never reads this table.
 */
export class Migration20261202300000_lot_balance extends Migration {
  override name = 'Migration20261202300000_lot_balance';

  override up(): void {
    this.addSql(`
      create table ledger.lot_balance (
        account_id bigint not null references ledger.account (id),
        lot_id bigint not null references ledger.lot (id),
        lot_seq int not null,
        balance_after bigint not null,
        primary key (account_id, lot_id)
      )`);
    this.addSql(`comment on table ledger.lot_balance is 'derived: the last running balance (posting.balance_after) and lot_seq of each (account, lot)'`);
    this.addSql(`
      insert into ledger.lot_balance (account_id, lot_id, lot_seq, balance_after)
      select distinct on (account_id, lot_id) account_id, lot_id, lot_seq, balance_after
      from ledger.posting order by account_id, lot_id, lot_seq desc`);
    this.addSql(`revoke all on ledger.lot_balance from public`);
    this.addSql(`grant select on ledger.lot_balance to sunshine_app`);
    this.addSql(`
      create or replace function ledger.posting_before_insert() returns trigger language plpgsql security definer
        set search_path = pg_catalog, ledger as $$
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
        -- One probe of the running balance, whatever the length of the (account, lot)'s history.
        select b.lot_seq, b.balance_after into prev from ledger.lot_balance b
          where b.account_id = new.account_id and b.lot_id = new.lot_id;
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
        -- Here, not in an AFTER trigger: the next row of the same multi-row insert must see it.
        insert into ledger.lot_balance as b (account_id, lot_id, lot_seq, balance_after)
        values (new.account_id, new.lot_id, new.lot_seq, new.balance_after)
        on conflict (account_id, lot_id) do update set lot_seq = excluded.lot_seq, balance_after = excluded.balance_after;
        return new;
      end $$`);
    this.addSql(`
      create or replace function ledger.hold_before_insert() returns trigger language plpgsql as $$
      declare
        lot_region text;
        lot_line text;
        balance bigint;
        held bigint;
      begin
        select region_code, fund_line into lot_region, lot_line from ledger.lot where id = new.lot_id;
        if not found then raise exception 'no lot %', new.lot_id using errcode = '23503'; end if;
        if new.expires_at is distinct from (select expires_at from ledger.proposal where id = new.proposal_id) then
          raise exception 'a hold expires with its proposal %', new.proposal_id using errcode = 'SL031';
        end if;
        perform pg_advisory_xact_lock(new.lot_id);
        select coalesce((select b.balance_after from ledger.lot_balance b join ledger.account a on a.id = b.account_id
                          where a.region_code = lot_region and a.fund_line = lot_line and a.kind = 'AVAILABLE' and a.payee_type is null
                            and b.lot_id = new.lot_id), 0) into balance;
        held := ledger.lot_held(new.lot_id);
        if balance - held < new.amount then
          raise exception 'insufficient funds: % lot % of region % has % fen available (% fen balance, % fen held by pending proposals), the proposal needs %',
            lot_line, new.lot_id, lot_region, balance - held, balance, held, new.amount using errcode = 'SL030';
        end if;
        return new;
      end $$`);
  }

  override down(): void {
    throw new Error('Migration20261202300000_lot_balance cannot be undone: restore the posting trigger of Migration20261202100000 by hand');
  }
}
