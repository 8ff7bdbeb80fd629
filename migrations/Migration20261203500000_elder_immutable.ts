import { Migration } from '@mikro-orm/migrations';

/**
 * What a registered elder's record never changes, enforced by the database: the id, the ID number
 * (its keyed hash and its masked form), sex and birth date (both read from the ID number), and who
 * registered it when. The application role may UPDATE the table — names, phones and villages
 * change, and key rotation re-encrypts — so until now direct SQL as that role could rewrite a birth
 * date (and with it every age rule and audit finding) or point the record at another ID number.
 */
export class Migration20261203500000_elder_immutable extends Migration {
  override name = 'Migration20261203500000_elder_immutable';

  override up(): void {
    this.addSql(`
      create function registry.elder_immutable() returns trigger language plpgsql as $$
      begin
        raise exception 'registry.elder: the id, the ID number, sex, birth date and the registration never change (a wrong one is corrected by registering the person anew)'
          using errcode = 'SR000';
      end $$`);
    this.addSql(`create trigger elder_immutable before update on registry.elder for each row
      when (new.id is distinct from old.id or new.id_hash is distinct from old.id_hash or new.id_masked is distinct from old.id_masked
            or new.sex is distinct from old.sex or new.birth_date is distinct from old.birth_date
            or new.created_at is distinct from old.created_at or new.created_by is distinct from old.created_by)
      execute function registry.elder_immutable()`);
  }

  override down(): void {
    this.addSql(`drop trigger elder_immutable on registry.elder`);
    this.addSql(`drop function registry.elder_immutable()`);
  }
}
