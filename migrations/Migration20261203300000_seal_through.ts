import { Migration } from '@mikro-orm/migrations';

/**
 * Sealing is sealed-through, as closing is closed-through (Migration20261201200100_periods). The
 * first close of a region and fund line may be any month, and the months before it close with it;
 * they have no events of their own. Until now they could not be sealed ("only a CLOSED month can be
 * sealed", while periods showed them CLOSED), and sealing the first closed month left them CLOSED
 * for ever. Now:
 *   - ledger.period_state: a month without events of its own before a sealed month is SEALED (the
 *     seals go in order from the first closed month, so it sealed with it);
 *   - a SEAL of such a month is refused with the month to seal instead (SL021).
 */
export class Migration20261203300000_seal_through extends Migration {
  override name = 'Migration20261203300000_seal_through';

  override up(): void {
    this.addSql(`
      create or replace function ledger.period_state(r text, f text, m date) returns text language sql volatile as $$
        select coalesce(ledger.period_own_state(r, f, m),
          case when exists (select from ledger.period_event e where e.region_code = r and e.fund_line = f and e.month > m and e.action = 'SEAL') then 'SEALED'
               when exists (select from ledger.period_event e where e.region_code = r and e.fund_line = f and e.month > m) then 'CLOSED'
               else 'OPEN' end) $$`);
    this.addSql(`
      create or replace function ledger.period_event_before_insert() returns trigger language plpgsql as $$
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
          -- A month before the region's first close has no events of its own: it closed with that
          -- first close, and it seals with that month's seal (period_state reads it so).
          if own is null and latest > new.month then
            select min(e.month) into earlier from ledger.period_event e where e.region_code = new.region_code and e.fund_line = new.fund_line;
            if ledger.period_state(new.region_code, new.fund_line, new.month) = 'SEALED' then
              raise exception 'period % is already SEALED: it sealed with %', label, to_char(earlier, 'YYYY-MM') using errcode = 'SL021';
            end if;
            raise exception 'period % closed with the first close, of %: seal %, which seals the months before it too', label,
              to_char(earlier, 'YYYY-MM'), to_char(earlier, 'YYYY-MM') using errcode = 'SL021';
          end if;
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
  }

  override down(): void {
    this.addSql(`
      create or replace function ledger.period_state(r text, f text, m date) returns text language sql volatile as $$
        select coalesce(ledger.period_own_state(r, f, m),
          case when exists (select from ledger.period_event e where e.region_code = r and e.fund_line = f and e.month > m)
               then 'CLOSED' else 'OPEN' end) $$`);
    this.addSql(`
      create or replace function ledger.period_event_before_insert() returns trigger language plpgsql as $$
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
  }
}
