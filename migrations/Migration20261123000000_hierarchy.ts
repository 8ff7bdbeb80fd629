import { Migration } from '@mikro-orm/migrations';

/**
 * The administrative hierarchy (行政区划), city → county → town → village, for any number of provinces.
 *
 * Subtree queries use the structure of the NBS code itself rather than ltree or a closure table:
 * a region's descendants are exactly the codes that share its significant prefix, i.e. the codes in
 * the half-open range (code, subtree_max], where subtree_max is the prefix padded with 9s. With the
 * code stored in the "C" collation, "all villages under this county" is one range scan of the
 * (level, code) b-tree index, with no recursion and no extra table to keep in step. The range is
 * only correct if every row's level and parent follow from its code, so the CHECK constraints below
 * make PostgreSQL enforce that structure for every writer, not just the importer.
 */
export class Migration20261123000000_hierarchy extends Migration {
  override name = 'Migration20261123000000_hierarchy';

  override up(): void {
    this.addSql(`
      create function region_level_of(code text) returns text
        language sql immutable parallel safe as $$
          select case
            when substr(code, 10, 3) <> '000' then 'VILLAGE'
            when substr(code, 7, 3) <> '000' then 'TOWN'
            when substr(code, 5, 2) <> '00' then 'COUNTY'
            when substr(code, 3, 2) <> '00' then 'CITY'
            else 'PROVINCE' end $$`);
    this.addSql(`
      create function region_parent_of(code text) returns text
        language sql immutable parallel safe as $$
          select case region_level_of(code)
            when 'VILLAGE' then substr(code, 1, 9) || '000'
            when 'TOWN' then substr(code, 1, 6) || '000000'
            when 'COUNTY' then substr(code, 1, 4) || '00000000'
            when 'CITY' then substr(code, 1, 2) || '0000000000'
            end $$`);
    this.addSql(`
      create function region_subtree_max(code text, level text) returns text
        language sql immutable parallel safe as $$
          select rpad(left(code, case level
            when 'PROVINCE' then 2 when 'CITY' then 4 when 'COUNTY' then 6 when 'TOWN' then 9 else 12 end), 12, '9') $$`);
    this.addSql(`
      create table region (
        code text collate "C" primary key check (code ~ '^[0-9]{12}$'),
        parent_code text collate "C" references region (code),
        level text not null,
        name text not null check (length(btrim(name)) > 0),
        subtree_max text collate "C" generated always as (region_subtree_max(code, level)) stored,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        constraint region_level_matches_code check (level = region_level_of(code)),
        constraint region_parent_matches_code check (parent_code is not distinct from region_parent_of(code))
      )`);
    this.addSql(`comment on table region is '行政区划: administrative divisions keyed by the NBS 12-digit statistical code'`);
    this.addSql(`create index region_parent_code_idx on region (parent_code, code)`);
    this.addSql(`create index region_level_code_idx on region (level, code)`);
    this.addSql(`create index region_updated_at_idx on region (updated_at, code)`);
  }

  override down(): void {
    this.addSql('drop table region');
    this.addSql('drop function region_subtree_max(text, text)');
    this.addSql('drop function region_parent_of(text)');
    this.addSql('drop function region_level_of(text)');
  }
}
