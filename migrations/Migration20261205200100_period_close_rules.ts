import { Migration } from '@mikro-orm/migrations';

/**
 * Two holes in the period rules (Migration20261201200100_periods), found reviewing period close:
 *
 * 1. A month could be closed before it had ended — any month up to 2100-12. Closing is
 *    closed-through and only the latest closed month can be reopened, so one finance officer's
 *    close of, say, next June closed every month until then for good: nothing could be posted
 *    today, nor on any day before July, and no reopening could undo it. Now a CLOSE is refused
 *    (SL024 → BAD_USER_INPUT on `month`) unless the month has ended in China (UTC+8, the ledger's
 *    dates): the first day of the next month has begun.
 *
 * 2. An allocation could be dated into a month its receiving region had already closed. Its
 *    postings are the issuer's (AVAILABLE and IN_TRANSIT_DOWN of the region above), so only the
 *    issuer's periods were checked, and the receiver's close never waited for it: back-dated, or
 *    committed while the receiver's close ran, it left an allocation issued in the closed month still
 *    in transit to it — exactly what the close's ALLOCATION_IN_TRANSIT blocker exists to prevent,
 *    and one the receiver can no longer receive in that month. Now the header of an ALLOCATION takes
 *    the shared period locks of the receiving region and the regions above it (as every posting does
 *    for its own region) and is refused (SL020 → PERIOD_CLOSED) when the month is closed or sealed
 *    there, or sealed above it. A close in flight makes it wait (and then refuses it); an allocation
 *    in flight makes the close wait (which then sees it in transit and is blocked). The lock is
 *    taken after the postings' (chain → keys → lots → period locks, as before); period events take
 *    no other lock while they hold theirs, so this cannot deadlock.
 */
export class Migration20261205200100_period_close_rules extends Migration {
  override name = 'Migration20261205200100_period_close_rules';

  override up(): void {
    // Named to fire before period_event_before_insert (triggers fire in name order): the answer
    // does not depend on the month's state.
    this.addSql(`
      create function ledger.period_close_after_month_end() returns trigger language plpgsql as $$
      declare
        today date := (clock_timestamp() at time zone 'UTC' + interval '8 hours')::date;
      begin
        if (new.month + interval '1 month')::date > today then
          raise exception 'period % % %: the month has not ended (today is % in China); a month is closed from the first day of the next',
            new.region_code, new.fund_line, to_char(new.month, 'YYYY-MM'), today
            using errcode = 'SL024', column = 'month';
        end if;
        return new;
      end $$`);
    this.addSql(`create trigger period_event_a_month_ended before insert on ledger.period_event
      for each row when (new.action = 'CLOSE') execute function ledger.period_close_after_month_end()`);

    // A function of its own: the header trigger calls it, and so does Ledger.requirePostable, whose
    // dry run of a proposal inserts postings only (an allocation proposal into the receiver's closed
    // month would otherwise hold its money until its approval failed).
    this.addSql(`
      create function ledger.require_receiver_period_open(receiver text, fund_line text, effective_date date) returns void language plpgsql as $$
      declare
        m date := date_trunc('month', effective_date)::date;
        above text[] := array(select distinct a from unnest(array[left(receiver, 2) || '0000000000', left(receiver, 4) || '00000000',
                                                                  left(receiver, 6) || '000000', left(receiver, 9) || '000']) a
                              where a <> receiver order by a);
        sealed_above text;
        state text;
      begin
        -- Ascending codes, the receiver last (as the posting trigger locks: shallower levels first).
        perform pg_advisory_xact_lock_shared(21327, ledger.period_lock_key(a, fund_line)) from unnest(above) a;
        perform pg_advisory_xact_lock_shared(21327, ledger.period_lock_key(receiver, fund_line));
        select min(e.region_code) into sealed_above from ledger.period_event e
          where e.region_code = any(above) and e.fund_line = require_receiver_period_open.fund_line and e.action = 'SEAL' and e.month >= m;
        if sealed_above is not null then
          raise exception 'period % % % is SEALED at region % above: no allocation to % may be dated %',
            receiver, fund_line, to_char(m, 'YYYY-MM'), sealed_above, receiver, to_char(effective_date, 'YYYY-MM-DD')
            using errcode = 'SL020';
        end if;
        state := ledger.period_state(receiver, fund_line, m);
        if state <> 'OPEN' then
          raise exception 'period % % % is % at the receiving region: no allocation to it may be dated %; date it in a month it has open',
            receiver, fund_line, to_char(m, 'YYYY-MM'), state, to_char(effective_date, 'YYYY-MM-DD')
            using errcode = 'SL020';
        end if;
      end $$`);
    this.addSql(`
      create function ledger.allocation_receiver_period_open() returns trigger language plpgsql as $$
      begin
        -- (transaction_before_insert refuses an allocation without a counterpart)
        if new.counterpart_region_code is not null then
          perform ledger.require_receiver_period_open(new.counterpart_region_code, new.fund_line, new.effective_date);
        end if;
        return new;
      end $$`);
    this.addSql(`create trigger transaction_receiver_period_open before insert on ledger.transaction
      for each row when (new.kind = 'ALLOCATION') execute function ledger.allocation_receiver_period_open()`);
    this.addSql(`grant execute on function ledger.period_close_after_month_end(), ledger.allocation_receiver_period_open(),
      ledger.require_receiver_period_open(text, text, date) to sunshine_app`);
  }

  override down(): void {
    this.addSql(`drop trigger transaction_receiver_period_open on ledger.transaction`);
    this.addSql(`drop trigger period_event_a_month_ended on ledger.period_event`);
    this.addSql(`drop function ledger.allocation_receiver_period_open(), ledger.require_receiver_period_open(text, text, date), ledger.period_close_after_month_end()`);
  }
}
