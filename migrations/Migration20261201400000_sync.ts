import { Migration } from '@mikro-orm/migrations';

/**
 * The change feed's outbox (schema `sync`, docs/sync.md). Every insert and change of an exported
 * object — regions, elders, facilities, caregivers, stays, service records, assessments, ledger
 * transactions (one row per transaction, not per posting) and lots — appends one row to
 * `sync.change` IN THE SAME TRANSACTION, from statement-level triggers with transition tables, so
 * every writer and every path (API, CSV import, demo generation, COPY, psql) is covered and a bulk
 * statement costs one extra INSERT … SELECT, not one per row.
 *
 * A row is stamped with its transaction id (`xid8 default pg_current_xact_id()`) and an identity
 * `seq`; readers take only rows with xid < pg_snapshot_xmin(pg_current_snapshot()) — every such
 * transaction has finished — ordered and paged by the compound key (xid, seq). A sequence alone is
 * not enough: a lower number can commit after a reader passed it.
 *
 * `regions` are the region codes the object belongs to after the change (the keys that decide who
 * may see it: an elder's household and residence villages, a stay's elder and facility villages, a
 * transaction's region and counterpart); `old_regions` those before an update, so that a county the
 * object left still gets a row (LEFT_SCOPE). When an elder or a facility moves, the stays, service
 * records and assessments whose visibility follows it get a row too.
 *
 * The outbox is append-only (UPDATE, DELETE and TRUNCATE rejected, even for the owner); the trigger
 * functions run as the owner, so the application role can read it but never write it directly.
 * `sync.epoch` names this database's lineage: a cursor from another one (a restore) is refused.
 * The access log gains `row_count` for exports (one row when an export starts, one when it ends).
 */
export class Migration20261201400000_sync extends Migration {
  override name = 'Migration20261201400000_sync';

  override up(): void {
    const sql = (text: string) => this.addSql(text);
    sql(`create schema sync`);
    sql(`grant usage on schema sync to sunshine_app`);

    sql(`create table sync.epoch (
      singleton boolean primary key default true check (singleton),
      epoch text not null default md5(random()::text || clock_timestamp()::text),
      created_at timestamptz not null default now())`);
    sql(`comment on table sync.epoch is 'the lineage of this database: feed cursors carry it, a restored copy gets a new one (RESYNC_REQUIRED)'`);
    sql(`insert into sync.epoch default values`);
    // The lineage a cursor is checked against: the epoch row (copied by pg_dump), the cluster's system
    // identifier (differs in another cluster) and the database oid. Security definer, because
    // pg_control_system() may be reserved to privileged roles; without the privilege it is left out.
    sql(`create function sync.database_epoch() returns text language plpgsql stable security definer set search_path = pg_catalog as $$
      declare
        system_id text;
      begin
        begin
          select c.system_identifier::text into system_id from pg_control_system() c;
        exception when insufficient_privilege then
          system_id := 'unknown';
        end;
        return (select e.epoch from sync.epoch e) || '-' || system_id || '-' || (select d.oid::text from pg_database d where d.datname = current_database());
      end $$`);
    sql(`revoke all on function sync.database_epoch() from public`);
    sql(`grant execute on function sync.database_epoch() to sunshine_app`);

    sql(`create table sync.change (
      xid xid8 not null default pg_current_xact_id(),
      seq bigint generated always as identity,
      entity_type text not null check (entity_type in ('Region', 'Elder', 'Facility', 'Caregiver', 'Stay', 'ServiceRecord', 'Assessment', 'LedgerTransaction', 'Lot')),
      entity_id text collate "C" not null,
      regions text[] collate "C" not null,
      old_regions text[] collate "C" not null default '{}',
      changed_at timestamptz not null default clock_timestamp(),
      primary key (xid, seq))`);
    sql(`comment on table sync.change is '变更流: one row per insert or change of an exported object, written in its transaction; read below the xmin horizon in (xid, seq) order'`);

    // The API's global object id, base64url("Type:key") (api/relay.ts), computed where the rows are read.
    sql(`create function sync.global_id(type text, key text) returns text language sql immutable parallel safe as $$
      select rtrim(translate(encode(convert_to(type || ':' || key, 'UTF8'), 'base64'), E'+/\\n', '-_'), '=') $$`);
    sql(`grant execute on function sync.global_id(text, text) to sunshine_app`);
    sql(`create sequence sync.export_id_seq`);
    sql(`alter table registry.access_log add column row_count bigint check (row_count >= 0)`);
    sql(`comment on column registry.access_log.row_count is 'for a snapshot export (entity_type Export): the rows sent, on the row written when it ended'`);

    // ---- append-only ----
    sql(`create function sync.reject_change() returns trigger language plpgsql as $$
      begin
        raise exception 'sync table %.% is append-only: % is not allowed', tg_table_schema, tg_table_name, tg_op using errcode = 'SY000';
      end $$`);
    for (const table of ['change', 'epoch']) {
      sql(`create trigger ${table}_append_only before update or delete on sync.${table} for each statement execute function sync.reject_change()`);
      sql(`create trigger ${table}_no_truncate before truncate on sync.${table} for each statement execute function sync.reject_change()`);
      sql(`revoke all on sync.${table} from public`);
      sql(`grant select on sync.${table} to sunshine_app`);
    }
    sql(`grant usage on sequence sync.export_id_seq to sunshine_app`);

    // ---- the triggers that fill the outbox ----
    // Each function is one INSERT … SELECT over the statement's transition table(s). They run as the
    // owner (security definer, fixed search_path) because the application role may not write the outbox.
    const fn = (name: string, body: string) =>
      sql(`create function sync.${name}() returns trigger language plpgsql security definer set search_path = pg_catalog, public as $$
        begin
          ${body};
          return null;
        end $$`);
    const trigger = (table: string, name: string, event: 'insert' | 'update', fnName: string) =>
      sql(`create trigger ${name} after ${event} on ${table}
        referencing ${event === 'update' ? 'old table as o ' : ''}new table as n
        for each statement execute function sync.${fnName}()`);
    const changes = `insert into sync.change (entity_type, entity_id, regions, old_regions)`;

    // Regions: the code is the key and the scope.
    fn('region_inserted', `${changes} select 'Region', n.code, array[n.code], '{}' from n order by n.code`);
    fn('region_updated', `${changes} select 'Region', n.code, array[n.code], array[o.code] from n join o using (code)
      where (n.name, n.parent_code, n.level) is distinct from (o.name, o.parent_code, o.level) order by n.code`);
    trigger('region', 'region_sync_insert', 'insert', 'region_inserted');
    trigger('region', 'region_sync_update', 'update', 'region_updated');

    // Elders: household and residence villages. A move also re-announces what follows the elder.
    fn('elder_inserted', `${changes} select 'Elder', n.id, array[n.hukou_village_code, n.residence_village_code], '{}' from n order by n.id`);
    fn('elder_updated', `
      ${changes} select 'Elder', n.id, array[n.hukou_village_code, n.residence_village_code], array[o.hukou_village_code, o.residence_village_code]
        from n join o using (id)
        where (n.id_masked, n.name_masked, n.phone_masked, n.sex, n.birth_date, n.hukou_village_code, n.residence_village_code, n.updated_at, n.updated_by)
          is distinct from (o.id_masked, o.name_masked, o.phone_masked, o.sex, o.birth_date, o.hukou_village_code, o.residence_village_code, o.updated_at, o.updated_by)
        order by n.id;
      ${changes} select 'Stay', s.id, array[n.hukou_village_code, n.residence_village_code, f.village_code], array[o.hukou_village_code, o.residence_village_code, f.village_code]
        from n join o using (id) join registry.stay s on s.elder_id = n.id join registry.facility f on f.id = s.facility_id
        where (n.hukou_village_code, n.residence_village_code) is distinct from (o.hukou_village_code, o.residence_village_code) order by s.id;
      ${changes} select 'ServiceRecord', r.id, array[r.village_code, n.hukou_village_code, n.residence_village_code, f.village_code],
               array[r.village_code, o.hukou_village_code, o.residence_village_code, f.village_code]
        from n join o using (id) join registry.service_record r on r.elder_id = n.id join registry.facility f on f.id = r.facility_id
        where (n.hukou_village_code, n.residence_village_code) is distinct from (o.hukou_village_code, o.residence_village_code) order by r.id;
      ${changes} select 'Assessment', a.id, array[n.hukou_village_code, n.residence_village_code], array[o.hukou_village_code, o.residence_village_code]
        from n join o using (id) join registry.assessment a on a.elder_id = n.id
        where (n.hukou_village_code, n.residence_village_code) is distinct from (o.hukou_village_code, o.residence_village_code) order by a.id`);
    trigger('registry.elder', 'elder_sync_insert', 'insert', 'elder_inserted');
    trigger('registry.elder', 'elder_sync_update', 'update', 'elder_updated');

    // Facilities: their village. A move re-announces the stays and service records at the facility.
    fn('facility_inserted', `${changes} select 'Facility', n.id, array[n.village_code], '{}' from n order by n.id`);
    fn('facility_updated', `
      ${changes} select 'Facility', n.id, array[n.village_code], array[o.village_code] from n join o using (id)
        where (n.name, n.type, n.village_code, n.operating_model, n.operator_name, n.uscc, n.status, n.operating_since, n.updated_at, n.updated_by)
          is distinct from (o.name, o.type, o.village_code, o.operating_model, o.operator_name, o.uscc, o.status, o.operating_since, o.updated_at, o.updated_by)
        order by n.id;
      ${changes} select 'Stay', s.id, array[e.hukou_village_code, e.residence_village_code, n.village_code], array[e.hukou_village_code, e.residence_village_code, o.village_code]
        from n join o using (id) join registry.stay s on s.facility_id = n.id join registry.elder e on e.id = s.elder_id
        where n.village_code <> o.village_code order by s.id;
      ${changes} select 'ServiceRecord', r.id, array[r.village_code, e.hukou_village_code, e.residence_village_code, n.village_code],
               array[r.village_code, e.hukou_village_code, e.residence_village_code, o.village_code]
        from n join o using (id) join registry.service_record r on r.facility_id = n.id join registry.elder e on e.id = r.elder_id
        where n.village_code <> o.village_code order by r.id`);
    trigger('registry.facility', 'facility_sync_insert', 'insert', 'facility_inserted');
    trigger('registry.facility', 'facility_sync_update', 'update', 'facility_updated');

    fn('caregiver_inserted', `${changes} select 'Caregiver', n.id, array[n.region_code], '{}' from n order by n.id`);
    fn('caregiver_updated', `${changes} select 'Caregiver', n.id, array[n.region_code], array[o.region_code] from n join o using (id)
      where (n.name_masked, n.region_code, n.certificate_no, n.certificate_level, n.updated_at) is distinct from (o.name_masked, o.region_code, o.certificate_no, o.certificate_level, o.updated_at)
      order by n.id`);
    trigger('registry.caregiver', 'caregiver_sync_insert', 'insert', 'caregiver_inserted');
    trigger('registry.caregiver', 'caregiver_sync_update', 'update', 'caregiver_updated');

    // Stays: visible from the elder's villages and the facility's (an admission, a discharge).
    const stayRegions = `array[e.hukou_village_code, e.residence_village_code, f.village_code]`;
    fn('stay_changed', `${changes} select 'Stay', n.id, ${stayRegions}, ${stayRegions} from n
      join registry.elder e on e.id = n.elder_id join registry.facility f on f.id = n.facility_id order by n.id`);
    trigger('registry.stay', 'stay_sync_insert', 'insert', 'stay_changed');
    sql(`create trigger stay_sync_update after update on registry.stay referencing new table as n for each statement execute function sync.stay_changed()`);

    fn('service_record_inserted', `${changes} select 'ServiceRecord', n.id, array[n.village_code, e.hukou_village_code, e.residence_village_code, f.village_code], '{}' from n
      join registry.elder e on e.id = n.elder_id join registry.facility f on f.id = n.facility_id order by n.id`);
    trigger('registry.service_record', 'service_record_sync_insert', 'insert', 'service_record_inserted');

    fn('assessment_inserted', `${changes} select 'Assessment', n.id, array[e.hukou_village_code, e.residence_village_code], '{}' from n
      join registry.elder e on e.id = n.elder_id order by n.id`);
    trigger('registry.assessment', 'assessment_sync_insert', 'insert', 'assessment_inserted');

    // The ledger: one row per transaction header (its postings are part of it) and one per lot.
    fn('transaction_inserted', `${changes} select 'LedgerTransaction', n.id, array_remove(array[n.region_code, n.counterpart_region_code], null), '{}' from n order by n.id`);
    trigger('ledger.transaction', 'transaction_sync_insert', 'insert', 'transaction_inserted');
    fn('lot_inserted', `${changes} select 'Lot', n.id, array[n.region_code], '{}' from n order by n.id`);
    trigger('ledger.lot', 'lot_sync_insert', 'insert', 'lot_inserted');
  }

  override down(): void {
    for (const [table, names] of [
      ['region', ['region_sync_insert', 'region_sync_update']],
      ['registry.elder', ['elder_sync_insert', 'elder_sync_update']],
      ['registry.facility', ['facility_sync_insert', 'facility_sync_update']],
      ['registry.caregiver', ['caregiver_sync_insert', 'caregiver_sync_update']],
      ['registry.stay', ['stay_sync_insert', 'stay_sync_update']],
      ['registry.service_record', ['service_record_sync_insert']],
      ['registry.assessment', ['assessment_sync_insert']],
      ['ledger.transaction', ['transaction_sync_insert']],
      ['ledger.lot', ['lot_sync_insert']],
    ] as const) {
      for (const name of names) this.addSql(`drop trigger ${name} on ${table}`);
    }
    this.addSql(`alter table registry.access_log drop column row_count`);
    this.addSql('drop schema sync cascade');
  }
}
