import { Migration } from '@mikro-orm/migrations';

/**
 * A reversal is dated on or after the transaction it reverses (SL013). Until now only the legs that
 * move an account toward zero were checked as of their date, so a reversal of a return dated before
 * the return — before the allocation, even — put money into the county's lot on a day it had none,
 * and a payment dated that day could spend it: money spent before it arrived. For every writer,
 * direct SQL as the application role included; a trigger of its own, fired only for reversals.
 */
export class Migration20261203400000_reversal_date extends Migration {
  override name = 'Migration20261203400000_reversal_date';

  override up(): void {
    this.addSql(`
      create function ledger.reversal_not_before_original() returns trigger language plpgsql security definer
        set search_path = pg_catalog, ledger as $$
      declare
        original date;
      begin
        select t.effective_date into original from ledger.transaction t where t.id = new.reverses_id;
        if original is not null and new.effective_date < original then
          raise exception 'a reversal is dated on or after the transaction it reverses: % is before %', to_char(new.effective_date, 'YYYY-MM-DD'),
            to_char(original, 'YYYY-MM-DD') using errcode = 'SL013';
        end if;
        return new;
      end $$`);
    this.addSql(`create trigger transaction_reversal_date before insert on ledger.transaction
      for each row when (new.reverses_id is not null) execute function ledger.reversal_not_before_original()`);
  }

  override down(): void {
    this.addSql(`drop trigger transaction_reversal_date on ledger.transaction`);
    this.addSql(`drop function ledger.reversal_not_before_original()`);
  }
}
