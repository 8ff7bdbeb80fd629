import { Migration } from '@mikro-orm/migrations';

/**
 * A posting cannot join a transaction whose header exists, even while that header's transaction is
 * still open (SL010).
 *
 * The posting trigger refused a posting whose header it could see, but a header inserted by another
 * transaction that had not committed yet is invisible: a second writer (any holder of the
 * application role) could insert a posting with that transaction's id, wait for the lot's lock,
 * and commit after it — the deferred foreign key then found the header, and the transaction had a
 * posting its header had neither counted, balanced nor hashed: money made from nothing (the chain
 * check would only report it later). Now the trigger first takes an advisory lock of the
 * transaction's id (class LEDGER_TRANSACTION, platform/locks.ts; the id modulo 1,024, so that a
 * 100,000-line batch holds at most 1,024 of them) that the header's own postings took before it:
 * the second writer waits for the first to end and then sees the header, or sees none and its
 * posting fails the foreign key at COMMIT.
 *
 * Every ledger writer holds the chain lock from its start (ledger/group-commit.ts), so two of them
 * never hold these locks at once and the lock never makes one wait; it is taken after the period
 * locks and before the lot's, right before the header check it guards. The rest of the function is that
 * of Migration20261202400000_one_trigger_per_row, unchanged.
 */
export class Migration20261204200000_posting_transaction_lock extends Migration {
  override name = 'Migration20261204200000_posting_transaction_lock';

  override up(): void {
    this.addSql(`
      create or replace function ledger.posting_before_insert() returns trigger language plpgsql security definer
        set search_path = pg_catalog, ledger as $$
      declare
        acct record;
        prev record;
        worst record;
        toward_limit boolean;
        held bigint;
        account_found boolean;
        m date := date_trunc('month', new.effective_date)::date;
        sealed_above text;
        latest date;
        state text;
      begin
        -- Each statement below must see what committed before the locks it follows were granted: only
        -- READ COMMITTED gives a statement a fresh snapshot (under REPEATABLE READ a close that
        -- committed after the transaction's snapshot would stay invisible, and the posting would slip in).
        if current_setting('transaction_isolation') <> 'read committed' then
          raise exception 'ledger postings are written in READ COMMITTED transactions, not %', current_setting('transaction_isolation')
            using errcode = 'SL023';
        end if;
        select a.id, a.kind, a.region_code, a.fund_line, l.fund_line as lot_line,
               left(a.region_code, 2) || '0000000000' as province, left(a.region_code, 4) || '00000000' as city,
               left(a.region_code, 6) || '000000' as county, left(a.region_code, 9) || '000' as town into acct
          from ledger.account a left join ledger.lot l on l.id = new.lot_id where a.id = new.account_id;
        account_found := found;
        -- A closed month is the answer before any other: it does not depend on the posting's details.
        if account_found then
          -- The period rules of Migration20261201200100_periods: the shared locks of the region and
          -- the regions above (ascending codes: a shallower level's code is the smaller; a level
          -- whose code is the region's own is the region, locked first), then one read of their
          -- events, which sees every close and seal committed before the locks were granted.
          perform pg_advisory_xact_lock_shared(21327, ledger.period_lock_key(acct.region_code, acct.fund_line));
          if acct.province <> acct.region_code then perform pg_advisory_xact_lock_shared(21327, ledger.period_lock_key(acct.province, acct.fund_line)); end if;
          if acct.city <> acct.region_code then perform pg_advisory_xact_lock_shared(21327, ledger.period_lock_key(acct.city, acct.fund_line)); end if;
          if acct.county <> acct.region_code then perform pg_advisory_xact_lock_shared(21327, ledger.period_lock_key(acct.county, acct.fund_line)); end if;
          if acct.town <> acct.region_code then perform pg_advisory_xact_lock_shared(21327, ledger.period_lock_key(acct.town, acct.fund_line)); end if;
          select min(e.region_code) filter (where e.region_code <> acct.region_code and e.action = 'SEAL' and e.month >= m),
                 max(e.month) filter (where e.region_code = acct.region_code)
            into sealed_above, latest
            from ledger.period_event e
            where e.region_code in (acct.region_code, acct.province, acct.city, acct.county, acct.town) and e.fund_line = acct.fund_line;
          if sealed_above is not null then
            raise exception 'period % % % is SEALED at region % above: no posting may be dated %',
              acct.region_code, acct.fund_line, to_char(m, 'YYYY-MM'), sealed_above, to_char(new.effective_date, 'YYYY-MM-DD')
              using errcode = 'SL020';
          end if;
          if latest >= m then
            state := case when latest > m then 'CLOSED' else ledger.period_own_state(acct.region_code, acct.fund_line, m) end;
            if state <> 'OPEN' then
              raise exception 'period % % % is %: no posting may be dated %; post a correction into an open month',
                acct.region_code, acct.fund_line, to_char(m, 'YYYY-MM'), state, to_char(new.effective_date, 'YYYY-MM-DD')
                using errcode = 'SL020';
            end if;
          end if;
        end if;
        -- The transaction's lock (class 21331, one of 1,024 buckets of ids: a 100,000-line batch
        -- holding one lock per id ran out of PostgreSQL's lock table), held to the end of this
        -- transaction: a writer adding a posting to a transaction whose header another, still open,
        -- transaction has inserted waits here for that one to end, and then sees its header (each
        -- statement here takes a fresh snapshot). Without it the posting slipped in, unseen by the
        -- header's count and balance, and made money from nothing once both committed.
        perform pg_advisory_xact_lock(21331, (new.transaction_id % 1024)::int);
        if exists (select from ledger.transaction where id = new.transaction_id) then
          raise exception 'postings must be inserted before their transaction header (transaction %)', new.transaction_id
            using errcode = 'SL010';
        end if;
        if not account_found then raise exception 'no account %', new.account_id using errcode = '23503'; end if;
        if acct.lot_line is null then raise exception 'no lot %', new.lot_id using errcode = '23503'; end if;
        if acct.lot_line <> acct.fund_line then
          raise exception 'lot % belongs to fund line %, account % to %', new.lot_id, acct.lot_line, acct.id, acct.fund_line
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
        -- Pending proposals' holds (ledger/approvals): only a spend from AVAILABLE can eat into them.
        if acct.kind = 'AVAILABLE' and new.amount < 0 then
          -- ledger.lot_held's query, inline (see above).
          select coalesce(sum(h.amount), 0) into held from ledger.hold h
            where h.lot_id = new.lot_id and h.expires_at > now()
              and not exists (select from ledger.proposal_decision d where d.proposal_id = h.proposal_id);
          if held > 0 and new.balance_after < held then
            raise exception 'insufficient funds: % lot % of region % would keep % fen, but % fen of it are held by pending proposals',
              new.fund_line, new.lot_id, new.region_code, new.balance_after, held using errcode = 'SL030';
          end if;
        end if;
        -- Here, not in an AFTER trigger: the next row of the same multi-row insert must see it.
        -- Under the lot's lock the probe above is the truth: update the row it found, or insert the first.
        if prev.lot_seq is not null then
          update ledger.lot_balance b set lot_seq = new.lot_seq, balance_after = new.balance_after
            where b.account_id = new.account_id and b.lot_id = new.lot_id;
        else
          insert into ledger.lot_balance (account_id, lot_id, lot_seq, balance_after)
          values (new.account_id, new.lot_id, new.lot_seq, new.balance_after);
        end if;
        return new;
      end $$`);
  }

  override down(): void {
    throw new Error('Migration20261204200000_posting_transaction_lock cannot be undone: restore the posting trigger of Migration20261202400000 by hand');
  }
}
