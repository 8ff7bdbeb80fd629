import { Migration } from '@mikro-orm/migrations';

/**
 * Sealing is sealed-through, as closing is closed-through (Migration20261201200100_periods). The
 * first close of a region and fund line may be any month, and the months before it close with it;
 * they have no events of their own. Until now they could not be sealed ("only a CLOSED month can be
 * sealed", while periods showed them CLOSED), and sealing the first closed month left them CLOSED
 * for ever. Now:
 *   - ledger.period_state: a month without events of its own before a sealed month is SEALED (the
 *     seals go in order from the first closed month, so it sealed with it);
 *   - a SEAL of such a month is refused naming the month to seal (SL021), by a trigger of its own
 *     that fires before period_event_before_insert (triggers fire in name order), under the same
 *     period lock.
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
      create function ledger.seal_through() returns trigger language plpgsql as $$
      declare
        first_closed date;
        label text := new.region_code || ' ' || new.fund_line || ' ' || to_char(new.month, 'YYYY-MM');
      begin
        perform pg_advisory_xact_lock(21327, ledger.period_lock_key(new.region_code, new.fund_line));
        if ledger.period_own_state(new.region_code, new.fund_line, new.month) is not null then return new; end if;
        select min(e.month) into first_closed from ledger.period_event e where e.region_code = new.region_code and e.fund_line = new.fund_line;
        if first_closed is null or first_closed < new.month then return new; end if; -- (OPEN: period_event_before_insert answers)
        if ledger.period_state(new.region_code, new.fund_line, new.month) = 'SEALED' then
          raise exception 'period % is already SEALED: it sealed with %', label, to_char(first_closed, 'YYYY-MM') using errcode = 'SL021';
        end if;
        raise exception 'period % closed with the first close, of %: seal %, which seals the months before it too', label,
          to_char(first_closed, 'YYYY-MM'), to_char(first_closed, 'YYYY-MM') using errcode = 'SL021';
      end $$`);
    this.addSql(`create trigger period_event_a_seal_through before insert on ledger.period_event
      for each row when (new.action = 'SEAL') execute function ledger.seal_through()`);
  }

  override down(): void {
    this.addSql(`drop trigger period_event_a_seal_through on ledger.period_event`);
    this.addSql(`drop function ledger.seal_through()`);
    this.addSql(`
      create or replace function ledger.period_state(r text, f text, m date) returns text language sql volatile as $$
        select coalesce(ledger.period_own_state(r, f, m),
          case when exists (select from ledger.period_event e where e.region_code = r and e.fund_line = f and e.month > m)
               then 'CLOSED' else 'OPEN' end) $$`);
  }
}
