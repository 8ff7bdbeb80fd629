import { Migration } from '@mikro-orm/migrations';

/**
 * Accounting periods (会计期间, issue 13): (region, fund line, month) OPEN → CLOSED → SEALED, enforced
 * by PostgreSQL for every posting, whoever inserts it.
 *
 * Closing is "closed through": closing a month also closes every earlier month of the region and
 * fund line (the first close may be any month; after it, months close one at a time, in order).
 * So a posting dated in month m is refused (SL020 → PERIOD_CLOSED) when the region and fund line
 * have a period event for a month after m, or for m itself unless m is reopened and the reopening
 * has not expired. Reopening applies only to the latest closed month, through an exception record
 * (reason, requester, expiry) approved by a different person; it ends by itself at the expiry.
 * A SEALED month never reopens; its sealed trial balance (ledger.trial_balance_line) is written
 * once, with the chain head (seq, hash) it was computed at.
 *
 * Race-safety: every posting takes a SHARED advisory lock on its (region, fund line) before it looks
 * at the periods; every period event takes the EXCLUSIVE one. Postings must be written in READ
 * COMMITTED (SL023 otherwise), so that the look after the lock sees what committed before it. A close therefore waits for postings
 * in flight (which it then sees), and postings wait for a close in flight (and then see it). Period
 * events take no other lock while they hold it, so the lock order of the ledger (chain → keys →
 * lots → period locks) cannot deadlock with them.
 *
 * Append-only: exceptions, events and trial-balance lines reject UPDATE, DELETE and TRUNCATE (even
 * for the owner); the application role may only SELECT and INSERT them.
 */
export class Migration20261201200100_periods extends Migration {
  override name = 'Migration20261201200100_periods';

  override up(): void {
    this.addSql(`
      create table ledger.period_exception (
        id bigint generated always as identity primary key,
        region_code text collate "C" not null references region (code),
        fund_line text not null references ledger.fund_line (code),
        month date not null check (month = date_trunc('month', month)::date),
        reason text not null check (length(btrim(reason)) between 1 and 2000),
        requested_by text not null check (length(btrim(requested_by)) > 0),
        requested_at timestamptz not null default clock_timestamp(),
        expires_at timestamptz not null,
        constraint period_exception_expiry check (expires_at > requested_at and expires_at <= requested_at + interval '31 days')
      )`);
    this.addSql(`comment on table ledger.period_exception is '期间例外: a request to reopen a closed month (reason, requester, expiry); approved by a REOPEN event of another person'`);

    this.addSql(`
      create table ledger.period_event (
        id bigint generated always as identity primary key,
        region_code text collate "C" not null references region (code),
        fund_line text not null references ledger.fund_line (code),
        month date not null check (month = date_trunc('month', month)::date),
        action text not null check (action in ('CLOSE', 'REOPEN', 'SEAL')),
        actor text not null check (length(btrim(actor)) > 0),
        at timestamptz not null default clock_timestamp(),
        exception_id bigint references ledger.period_exception (id),
        at_seq bigint check (at_seq >= 0), -- SEAL: set by the trigger from the chain head
        at_hash bytea check (length(at_hash) = 32),
        constraint period_event_reopen_has_exception check ((action = 'REOPEN') = (exception_id is not null)),
        constraint period_event_seal_has_head check ((action = 'SEAL') = (at_seq is not null))
      )`);
    this.addSql(`comment on table ledger.period_event is '期间事件: CLOSE, REOPEN (with its approved exception) and SEAL of a (region, fund line, month); the state is the latest event'`);
    this.addSql(`create index period_event_lookup_idx on ledger.period_event (region_code, fund_line, month desc, id desc)`);
    this.addSql(`create unique index period_event_exception_once on ledger.period_event (exception_id) where exception_id is not null`);
    this.addSql(`create unique index period_event_sealed_once on ledger.period_event (region_code, fund_line, month) where action = 'SEAL'`);

    this.addSql(`
      create table ledger.trial_balance_line (
        seal_event_id bigint not null references ledger.period_event (id),
        scope text not null check (scope in ('REGION', 'SUBTREE')),
        account_kind text not null check (account_kind in ('FUNDING_SOURCE', 'AVAILABLE', 'IN_TRANSIT_DOWN', 'EXPENDITURE')),
        lot_id bigint references ledger.lot (id),
        opening numeric not null,
        debits numeric not null check (debits >= 0),
        credits numeric not null check (credits >= 0),
        closing numeric not null,
        constraint trial_balance_line_adds_up check (closing = opening + debits - credits),
        constraint trial_balance_line_key unique nulls not distinct (seal_event_id, scope, account_kind, lot_id)
      )`);
    this.addSql(`comment on table ledger.trial_balance_line is '试算平衡表: sealed per account kind (lot_id null) and per lot: opening, debits, credits, closing of the month'`);

    this.addSql(`
      create function ledger.period_lock_key(region_code text, fund_line text) returns int language sql immutable as $$
        select hashtext(region_code || '|' || fund_line) $$`);

    // The state of one month from its own events: null when it has none.
    this.addSql(`
      create function ledger.period_own_state(r text, f text, m date) returns text language sql volatile as $$
        select case e.action when 'CLOSE' then 'CLOSED' when 'SEAL' then 'SEALED'
                    else case when x.expires_at > clock_timestamp() then 'OPEN' else 'CLOSED' end end
        from ledger.period_event e left join ledger.period_exception x on x.id = e.exception_id
        where e.region_code = r and e.fund_line = f and e.month = m
        order by e.id desc limit 1 $$`);
    // The effective state: a month without events of its own is closed when a later month is.
    this.addSql(`
      create function ledger.period_state(r text, f text, m date) returns text language sql volatile as $$
        select coalesce(ledger.period_own_state(r, f, m),
          case when exists (select from ledger.period_event e where e.region_code = r and e.fund_line = f and e.month > m)
               then 'CLOSED' else 'OPEN' end) $$`);

    this.addSql(`
      create function ledger.posting_period_open() returns trigger language plpgsql as $$
      declare
        m date := date_trunc('month', new.effective_date)::date;
        latest date;
        state text;
        above text[];
        sealed_above text;
      begin
        -- Each statement below must see what committed before the lock was granted: only READ
        -- COMMITTED gives a statement a fresh snapshot (under REPEATABLE READ a close that committed
        -- after the transaction's snapshot would stay invisible, and the posting would slip in).
        if current_setting('transaction_isolation') <> 'read committed' then
          raise exception 'ledger postings are written in READ COMMITTED transactions, not %', current_setting('transaction_isolation')
            using errcode = 'SL023';
        end if;
        -- Fires before posting_before_insert (a closed month is the answer before any balance check),
        -- so it reads the account's region and fund line itself.
        select a.region_code, a.fund_line into new.region_code, new.fund_line from ledger.account a where a.id = new.account_id;
        if not found then return new; end if; -- posting_before_insert refuses it
        perform pg_advisory_xact_lock_shared(21327, ledger.period_lock_key(new.region_code, new.fund_line));
        -- A sealed region's subtree figures must not change either: no posting below it into a sealed
        -- month (its descendants with money were sealed first; this covers one that had none then).
        above := array_remove(array[left(new.region_code, 2) || '0000000000', left(new.region_code, 4) || '00000000',
                                    left(new.region_code, 6) || '000000', left(new.region_code, 9) || '000'], new.region_code::text);
        perform pg_advisory_xact_lock_shared(21327, ledger.period_lock_key(a, new.fund_line)) from (select distinct unnest(above) as a order by 1) s;
        select e.region_code into sealed_above from ledger.period_event e
          where e.region_code = any(above) and e.fund_line = new.fund_line and e.action = 'SEAL' and e.month >= m limit 1;
        if sealed_above is not null then
          raise exception 'period % % % is SEALED at region % above: no posting may be dated %',
            new.region_code, new.fund_line, to_char(m, 'YYYY-MM'), sealed_above, to_char(new.effective_date, 'YYYY-MM-DD')
            using errcode = 'SL020';
        end if;
        select e.month into latest from ledger.period_event e
          where e.region_code = new.region_code and e.fund_line = new.fund_line order by e.month desc, e.id desc limit 1;
        if latest is null or latest < m then return new; end if;
        state := case when latest > m then 'CLOSED' else ledger.period_own_state(new.region_code, new.fund_line, m) end;
        if state <> 'OPEN' then
          raise exception 'period % % % is %: no posting may be dated %; post a correction into an open month',
            new.region_code, new.fund_line, to_char(m, 'YYYY-MM'), state, to_char(new.effective_date, 'YYYY-MM-DD')
            using errcode = 'SL020';
        end if;
        return new;
      end $$`);
    // Named so that it fires before posting_before_insert (triggers fire in name order).
    this.addSql(`create trigger posting_a_period_open before insert on ledger.posting
      for each row execute function ledger.posting_period_open()`);

    // The rules of the state machine, under the exclusive lock of the region and fund line.
    this.addSql(`
      create function ledger.period_event_before_insert() returns trigger language plpgsql as $$
      declare
        own text;
        latest date;
        earlier date;
        x ledger.period_exception;
        label text := new.region_code || ' ' || new.fund_line || ' ' || to_char(new.month, 'YYYY-MM');
      begin
        perform pg_advisory_xact_lock(21327, ledger.period_lock_key(new.region_code, new.fund_line));
        own := ledger.period_own_state(new.region_code, new.fund_line, new.month);
        select max(e.month) into latest from ledger.period_event e where e.region_code = new.region_code and e.fund_line = new.fund_line;
        new.at := clock_timestamp();
        if new.action = 'CLOSE' then
          if own = 'OPEN' and latest = new.month then return new; end if; -- closing a reopened month again, early
          if own is not null or latest >= new.month then
            raise exception 'period % is already %', label, ledger.period_state(new.region_code, new.fund_line, new.month) using errcode = 'SL021';
          end if;
          if latest is not null and latest <> (new.month - interval '1 month')::date then
            raise exception 'period %: months close in order; the next month to close is %', label,
              to_char(latest + interval '1 month', 'YYYY-MM') using errcode = 'SL021';
          end if;
          if latest is not null and ledger.period_own_state(new.region_code, new.fund_line, latest) = 'OPEN' then
            raise exception 'period %: the previous month % is reopened; close it first', label, to_char(latest, 'YYYY-MM') using errcode = 'SL021';
          end if;
          return new;
        elsif new.action = 'REOPEN' then
          select * into x from ledger.period_exception where id = new.exception_id;
          if x.region_code <> new.region_code or x.fund_line <> new.fund_line or x.month <> new.month then
            raise exception 'reopening request % is for another period', new.exception_id using errcode = 'SL021';
          end if;
          if x.requested_by = new.actor then
            raise exception 'period %: the person who asked for the reopening (%) cannot approve it', label, x.requested_by using errcode = 'SL022';
          end if;
          if x.expires_at <= clock_timestamp() then
            raise exception 'reopening request % expired at %', x.id, x.expires_at using errcode = 'SL021';
          end if;
          if coalesce(own, '') <> 'CLOSED' then
            raise exception 'period % is %: only a CLOSED month can be reopened', label,
              ledger.period_state(new.region_code, new.fund_line, new.month) using errcode = 'SL021';
          end if;
          if latest > new.month then
            raise exception 'period %: only the latest closed month (%) can be reopened', label, to_char(latest, 'YYYY-MM') using errcode = 'SL021';
          end if;
          return new;
        else -- SEAL
          if coalesce(own, '') <> 'CLOSED' then
            raise exception 'period % is %: only a CLOSED month can be sealed', label,
              ledger.period_state(new.region_code, new.fund_line, new.month) using errcode = 'SL021';
          end if;
          select max(e.month) into earlier from ledger.period_event e
            where e.region_code = new.region_code and e.fund_line = new.fund_line and e.month < new.month;
          if earlier is not null and ledger.period_own_state(new.region_code, new.fund_line, earlier) <> 'SEALED' then
            raise exception 'period %: months seal in order; seal % first', label, to_char(earlier, 'YYYY-MM') using errcode = 'SL021';
          end if;
          -- The chain head the sealed trial balance is computed at, from the ledger itself.
          select t.seq, t.hash into new.at_seq, new.at_hash from ledger.transaction t order by t.seq desc limit 1;
          new.at_seq := coalesce(new.at_seq, 0);
          return new;
        end if;
      end $$`);
    this.addSql(`create trigger period_event_before_insert before insert on ledger.period_event
      for each row execute function ledger.period_event_before_insert()`);

    for (const table of ['period_exception', 'period_event', 'trial_balance_line']) {
      this.addSql(`create trigger ${table}_append_only before update or delete on ledger.${table}
        for each row execute function ledger.reject_change()`);
      this.addSql(`create trigger ${table}_no_truncate before truncate on ledger.${table}
        for each statement execute function ledger.reject_change()`);
      this.addSql(`revoke all on ledger.${table} from public`);
      this.addSql(`grant select, insert on ledger.${table} to sunshine_app`);
    }
    this.addSql(`grant execute on all functions in schema ledger to sunshine_app`);
  }

  override down(): void {
    this.addSql(`drop trigger posting_a_period_open on ledger.posting`);
    this.addSql(`drop table ledger.trial_balance_line, ledger.period_event, ledger.period_exception`);
    this.addSql(`drop function ledger.posting_period_open, ledger.period_event_before_insert, ledger.period_state,
      ledger.period_own_state, ledger.period_lock_key`);
  }
}
