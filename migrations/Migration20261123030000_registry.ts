import { Migration } from '@mikro-orm/migrations';

/**
 * The registry (登记): elders, facilities, caregivers, stays and services — the people and places the
 * ledger's payees are. Schema `registry`. See docs/registry.md.
 *
 * Personal data: ID numbers, names and phones are stored AES-256-GCM encrypted (`*_enc`, key id in
 * `key_id`) next to their masked forms; the ID number also as an HMAC-SHA256 (`id_hash`), unique, for
 * look-up and de-duplication. No personal value is a key or appears in an index in clear.
 *
 * History is appended, never overwritten: categories, vital status, assessments, ratings, bed
 * inventories, staff assignments, service records and the access log reject UPDATE, DELETE and
 * TRUNCATE through triggers (even for their owner); a stay may only be closed (discharge date set
 * once). Registry records themselves are never deleted. The application role `sunshine_app` holds
 * only the privileges the code needs.
 */
export class Migration20261123030000_registry extends Migration {
  override name = 'Migration20261123030000_registry';

  override up(): void {
    const sql = (text: string) => this.addSql(text);
    sql(`create extension if not exists btree_gist`);
    sql(`create schema registry`);
    sql(`grant usage on schema registry to sunshine_app`);
    const village = (column: string) => `check (region_level_of(${column}) = 'VILLAGE')`;
    const recorded = `recorded_at timestamptz not null default now(), recorded_by text not null check (length(btrim(recorded_by)) between 1 and 200)`;

    // ---- reference data (configurable) ----
    sql(`create table registry.category (
      code text primary key check (code ~ '^[A-Z][A-Z0-9_]{1,39}$'),
      name_zh text not null, name_en text not null, source_system text not null, sort_order int not null default 100)`);
    sql(`comment on table registry.category is '特殊群体类别: special categories an elder may hold (reference data)'`);
    sql(`insert into registry.category (code, name_zh, name_en, source_system, sort_order) values
      ('EXTREME_HARDSHIP', '特困人员', 'persons in extreme hardship (三无/五保)', 'civil-affairs social assistance', 1),
      ('DIBAO', '低保对象', 'minimum-living-guarantee recipient', 'civil-affairs social assistance', 2),
      ('NEAR_DIBAO', '低保边缘', 'near-dibao / low-income household', 'civil-affairs social assistance', 3),
      ('CHILDLESS_WIDOWED', '孤寡老人', 'no spouse or children', 'village verification', 4),
      ('LOST_ONLY_CHILD', '失独', 'parents who lost their only child', 'health commission', 5),
      ('LIVING_ALONE', '独居', 'living alone', 'visits', 6),
      ('EMPTY_NEST', '空巢', 'empty nest (children away)', 'visits', 7),
      ('LEFT_BEHIND', '留守老人', 'left-behind (rural)', 'visits', 8),
      ('DISABILITY_CERTIFIED', '残疾老人', 'holds a disability certificate', 'disabled persons'' federation', 9),
      ('ENTITLED_VETERAN', '优抚对象', 'entitled veteran or family', 'veterans affairs', 10),
      ('MARTYR_FAMILY', '烈属', 'martyr''s family', 'veterans affairs', 11),
      ('ECONOMIC_HARDSHIP', '经济困难老年人', 'economically disadvantaged', 'composite', 12),
      ('TEMPORARY_HARDSHIP', '阶段性临时困难', 'temporary difficulty', 'visits', 13)`);

    sql(`create table registry.facility_type (
      code text primary key check (code ~ '^[A-Z][A-Z0-9_]{1,39}$'),
      name_zh text not null, name_en text not null, residential boolean not null, sort_order int not null default 100)`);
    sql(`comment on table registry.facility_type is '设施类型: kinds of elderly-care facilities and service points (reference data)'`);
    sql(`insert into registry.facility_type (code, name_zh, name_en, residential, sort_order) values
      ('ELDERLY_CARE_INSTITUTION', '养老机构', 'residential elderly-care institution', true, 1),
      ('RURAL_WELFARE_HOME', '乡镇敬老院', 'rural township old people''s home', true, 2),
      ('REGIONAL_CARE_CENTRE', '区域性养老服务中心', 'rural regional elderly-care service centre', true, 3),
      ('SOCIAL_WELFARE_INSTITUTE', '社会福利院', 'municipal social welfare institute', true, 4),
      ('VETERANS_HONOUR_HOME', '光荣院', 'veterans'' honour home', true, 5),
      ('EMBEDDED_INSTITUTION', '嵌入式托老机构', 'embedded small institution', true, 6),
      ('TOWNSHIP_CARE_CENTRE', '街道(乡镇)养老照料中心', 'township care centre', true, 7),
      ('COMMUNITY_NODE', '社区养老服务节点', 'community elderly-care service node', false, 8),
      ('COMMUNITY_STATION', '社区养老服务驿站', 'community elderly-care station', false, 9),
      ('DAY_CARE_CENTRE', '日间照料中心', 'day-care centre', false, 10),
      ('MEAL_POINT', '老年助餐点', 'meal-assistance point', false, 11),
      ('CENTRAL_KITCHEN', '中央厨房', 'central kitchen', false, 12),
      ('HUB_CANTEEN', '中心食堂', 'hub canteen', false, 13),
      ('RURAL_MICRO_STATION', '农村养老微站点', 'rural micro-station', false, 14),
      ('MUTUAL_AID_POINT', '互助养老点', 'mutual-aid point', false, 15),
      ('ONE_STOP_COMPLEX', '一站式综合服务体', 'one-stop community complex', false, 16),
      ('VIRTUAL_CARE_HOME', '虚拟养老院', 'virtual nursing home', false, 17),
      ('SENIOR_UNIVERSITY', '老年大学', 'university for the elderly', false, 18)`);

    sql(`create table registry.service_type (
      code text primary key check (code ~ '^[A-Z][A-Z0-9_]{1,39}$'),
      name_zh text not null, name_en text not null,
      bundles text[] not null default '{}',
      active boolean not null default true, sort_order int not null default 100)`);
    sql(`comment on table registry.service_type is '服务类型: configurable service types; bundles name the city''s packages (SIX_ASSISTS = 六助)'`);
    sql(`insert into registry.service_type (code, name_zh, name_en, bundles, sort_order) values
      ('MEAL', '助餐', 'meals', '{SIX_ASSISTS}', 1),
      ('BATH', '助浴', 'bathing', '{SIX_ASSISTS}', 2),
      ('CLEAN', '助洁', 'cleaning', '{SIX_ASSISTS}', 3),
      ('MEDICAL', '助医', 'medical', '{SIX_ASSISTS}', 4),
      ('MOBILITY', '助行', 'mobility', '{SIX_ASSISTS}', 5),
      ('EMERGENCY', '助急', 'emergency', '{SIX_ASSISTS}', 6),
      ('CARE', '助养', 'care and nursing', '{}', 7),
      ('VISIT', '探访关爱', 'visiting and caring', '{}', 8),
      ('REHAB', '助康', 'rehabilitation', '{}', 9),
      ('RESPITE', '喘息服务', 'respite care', '{}', 10)`);

    // ---- elders ----
    sql(`create table registry.elder (
      id bigint generated always as identity primary key,
      id_hash bytea not null unique check (length(id_hash) = 32),
      id_enc bytea not null,
      id_masked text not null check (id_masked ~ '^[0-9]{4}[*]{10}[0-9]{3}[0-9X]$'),
      name_enc bytea not null,
      name_masked text not null check (length(name_masked) between 1 and 50),
      phone_enc bytea,
      phone_masked text,
      key_id text not null,
      sex text not null check (sex in ('MALE', 'FEMALE')),
      birth_date date not null check (birth_date >= date '1880-01-01'),
      hukou_village_code text collate "C" not null references region (code) ${village('hukou_village_code')},
      residence_village_code text collate "C" not null references region (code) ${village('residence_village_code')},
      created_at timestamptz not null default now(),
      created_by text not null,
      updated_at timestamptz not null default now(),
      updated_by text not null,
      constraint elder_phone_pair check ((phone_enc is null) = (phone_masked is null)))`);
    sql(`comment on table registry.elder is '老年人: an older person; ID number, name and phone encrypted (PIPL), masked forms beside them'`);
    sql(`create index elder_hukou_idx on registry.elder (hukou_village_code, id)`);
    sql(`create index elder_residence_idx on registry.elder (residence_village_code, id)`);
    sql(`create index elder_birth_idx on registry.elder (birth_date)`);

    sql(`create table registry.change_log (
      id bigint generated always as identity primary key,
      entity_type text not null check (entity_type in ('Elder', 'Facility', 'Caregiver')),
      entity_id bigint not null,
      fields text[] not null,
      ${recorded})`);
    sql(`comment on table registry.change_log is '变更记录: which fields of a registry record changed, when and by whom (never the values)'`);
    sql(`create index change_log_entity_idx on registry.change_log (entity_type, entity_id, id)`);

    sql(`create table registry.category_membership (
      id bigint generated always as identity primary key,
      elder_id bigint not null references registry.elder (id),
      category text not null references registry.category (code),
      valid_from date not null,
      valid_to date check (valid_to >= valid_from),
      source_system text check (length(source_system) <= 100),
      source_ref text check (length(source_ref) <= 100),
      ${recorded})`);
    sql(`comment on table registry.category_membership is '身份: an elder holds a category from valid_from to valid_to (open when null); ended by appending a category_membership_end'`);
    sql(`create index category_membership_elder_idx on registry.category_membership (elder_id, category, valid_from)`);
    sql(`create table registry.category_membership_end (
      membership_id bigint primary key references registry.category_membership (id),
      ended_on date not null,
      reason text not null check (length(btrim(reason)) between 1 and 500),
      ${recorded})`);
    sql(`comment on table registry.category_membership_end is '身份终止: the date a membership ended (appended; at most one per membership)'`);

    sql(`create table registry.vital_event (
      id bigint generated always as identity primary key,
      elder_id bigint not null references registry.elder (id),
      status text not null check (status in ('ALIVE', 'DECEASED')),
      death_date date,
      source text not null check (source in ('HOUSEHOLD_REGISTER', 'DEATH_CERTIFICATE', 'CREMATION', 'HOSPITAL', 'VILLAGE_REPORT', 'OTHER')),
      source_ref text check (length(source_ref) <= 100),
      ${recorded},
      constraint vital_death_date check ((status = 'DECEASED') = (death_date is not null)))`);
    sql(`comment on table registry.vital_event is '生存状态: reports of death (with date and source) or of being alive (a correction); the latest report is the current status'`);
    sql(`create index vital_event_elder_idx on registry.vital_event (elder_id, id)`);

    sql(`create table registry.assessment (
      id bigint generated always as identity primary key,
      elder_id bigint not null references registry.elder (id),
      assessed_on date not null,
      reason text not null check (reason in ('FIRST', 'ROUTINE', 'IMMEDIATE', 'DISPUTE', 'OTHER')),
      scheme text not null default 'GB/T 42195-2022',
      items jsonb not null,
      self_care int not null check (self_care between 0 and 32),
      mobility int not null check (mobility between 0 and 15),
      mental_state int not null check (mental_state between 0 and 28),
      perception_social int not null check (perception_social between 0 and 15),
      total int not null check (total between 0 and 90),
      preliminary_level int not null check (preliminary_level between 0 and 4),
      adjustments text[] not null,
      final_level int not null check (final_level between 0 and 4),
      diagnoses text[] not null,
      risk_event_count int not null check (risk_event_count >= 0),
      valid_until date check (valid_until >= assessed_on),
      assessor text check (length(assessor) <= 200),
      agency text check (length(agency) <= 200),
      ${recorded},
      constraint assessment_total check (total = self_care + mobility + mental_state + perception_social),
      constraint assessment_final check (final_level >= preliminary_level))`);
    sql(`comment on table registry.assessment is '能力评估: GB/T 42195-2022 capability assessments, never overwritten; the latest valid one is current'`);
    sql(`create index assessment_elder_idx on registry.assessment (elder_id, assessed_on, id)`);

    // ---- facilities ----
    sql(`create table registry.facility (
      id bigint generated always as identity primary key,
      name text not null check (length(btrim(name)) between 1 and 200),
      type text not null references registry.facility_type (code),
      village_code text collate "C" not null references region (code) ${village('village_code')},
      operating_model text not null check (operating_model in ('PUBLIC_BUILT_PUBLIC_RUN', 'PUBLIC_BUILT_PRIVATE_RUN', 'PUBLIC_BUILT_SOE_RUN', 'PRIVATE_NONPROFIT', 'PRIVATE_FORPROFIT')),
      operator_name text check (length(operator_name) <= 200),
      uscc text unique check (uscc ~ '^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$'),
      status text not null check (status in ('PLANNED', 'BUILDING', 'OPERATING', 'SUSPENDED', 'CLOSED')),
      operating_since date,
      created_at timestamptz not null default now(),
      created_by text not null,
      updated_at timestamptz not null default now(),
      updated_by text not null,
      constraint facility_name_unique unique (village_code, name))`);
    sql(`comment on table registry.facility is '养老服务设施: an elderly-care facility or service point in a village'`);
    sql(`create index facility_village_idx on registry.facility (village_code, id)`);

    sql(`create table registry.facility_rating (
      id bigint generated always as identity primary key,
      facility_id bigint not null references registry.facility (id),
      scheme text not null default 'GB/T 37276-2018' check (length(scheme) between 1 and 60),
      level int not null check (level between 1 and 5),
      rated_on date not null,
      valid_until date check (valid_until > rated_on),
      certificate_no text check (length(certificate_no) <= 100),
      ${recorded})`);
    sql(`comment on table registry.facility_rating is '等级评定: star ratings 1–5 with validity, appended'`);
    sql(`create index facility_rating_idx on registry.facility_rating (facility_id, rated_on, id)`);

    sql(`create table registry.bed_inventory (
      id bigint generated always as identity primary key,
      facility_id bigint not null references registry.facility (id),
      as_of date not null,
      approved int not null check (approved >= 0),
      actual int not null check (actual >= 0),
      nursing int not null check (nursing >= 0 and nursing <= actual),
      inclusive int not null check (inclusive >= 0 and inclusive <= actual),
      occupied int not null check (occupied >= 0 and occupied <= actual),
      source text not null default 'REGISTRATION' check (source in ('REGISTRATION', 'INSPECTION', 'SELF_REPORT')),
      ${recorded})`);
    sql(`comment on table registry.bed_inventory is '床位台账: bed inventory snapshots (approved 核定, actual 实有, nursing 护理型, inclusive 普惠, occupied 在住), appended'`);
    sql(`create index bed_inventory_idx on registry.bed_inventory (facility_id, as_of, id)`);

    // ---- workforce ----
    sql(`create table registry.caregiver (
      id bigint generated always as identity primary key,
      name_enc bytea not null,
      name_masked text not null,
      key_id text not null,
      region_code text collate "C" not null references region (code),
      certificate_no text unique check (length(btrim(certificate_no)) between 1 and 60),
      certificate_level text check (certificate_level in ('JUNIOR', 'INTERMEDIATE', 'SENIOR', 'TECHNICIAN', 'SENIOR_TECHNICIAN')),
      created_at timestamptz not null default now(),
      created_by text not null,
      updated_at timestamptz not null default now(),
      updated_by text not null,
      constraint caregiver_certificate check ((certificate_no is null) = (certificate_level is null)))`);
    sql(`comment on table registry.caregiver is '养老护理员: a caregiver (name encrypted), certified when a certificate is recorded'`);
    sql(`create index caregiver_region_idx on registry.caregiver (region_code, id)`);

    sql(`create table registry.staff_assignment (
      id bigint generated always as identity primary key,
      caregiver_id bigint not null references registry.caregiver (id),
      facility_id bigint not null references registry.facility (id),
      month date not null check (extract(day from month) = 1),
      role text not null check (role in ('CAREGIVER', 'NURSE', 'SOCIAL_WORKER', 'SAFETY_OFFICER', 'DIRECTOR', 'VILLAGE_CARE_AIDE', 'OTHER')),
      certified boolean not null,
      ${recorded},
      constraint staff_assignment_once unique (caregiver_id, facility_id, month))`);
    sql(`comment on table registry.staff_assignment is '排班: a caregiver working at a facility in a month, certified (持证) or not; appended'`);
    sql(`create index staff_assignment_facility_idx on registry.staff_assignment (facility_id, month)`);

    // ---- stays and services ----
    sql(`create table registry.stay (
      id bigint generated always as identity primary key,
      elder_id bigint not null references registry.elder (id),
      facility_id bigint not null references registry.facility (id),
      admitted_on date not null,
      discharged_on date check (discharged_on > admitted_on),
      bed_code text check (length(bed_code) <= 40),
      funding_mode text not null default 'SELF_PAY' check (funding_mode in ('HARDSHIP_CENTRALISED', 'SELF_PAY', 'INCLUSIVE_DISCOUNT', 'OTHER')),
      ${recorded},
      discharged_by text,
      constraint stay_no_overlap exclude using gist (elder_id with =, daterange(admitted_on, discharged_on, '[)') with &&))`);
    sql(`comment on table registry.stay is '入住: an elder living in a facility from admitted_on (inclusive) to discharged_on (exclusive; open when null). One elder never has two overlapping stays'`);
    sql(`create index stay_facility_idx on registry.stay (facility_id, admitted_on)`);
    sql(`create index stay_elder_idx on registry.stay (elder_id, admitted_on)`);

    sql(`create table registry.service_record (
      id bigint generated always as identity primary key,
      elder_id bigint not null references registry.elder (id),
      facility_id bigint not null references registry.facility (id),
      service_type text not null references registry.service_type (code),
      village_code text collate "C" not null references region (code),
      started_at timestamptz not null,
      ended_at timestamptz check (ended_at >= started_at),
      subsidised boolean not null,
      unit_price_fen bigint check (unit_price_fen >= 0),
      ${recorded})`);
    sql(`comment on table registry.service_record is '服务记录: a service delivered to an elder by a provider; village_code is the elder''s residence village at the time (scope)'`);
    sql(`create index service_record_elder_idx on registry.service_record (elder_id, started_at)`);
    sql(`create index service_record_facility_idx on registry.service_record (facility_id, started_at)`);
    sql(`create index service_record_village_idx on registry.service_record (village_code, id)`);

    // ---- personal-data access log ----
    sql(`create table registry.access_log (
      id bigint generated always as identity primary key,
      accessed_at timestamptz not null default now(),
      subject text not null,
      roles text[] not null,
      token_id text,
      reason text not null check (length(btrim(reason)) between 1 and 500),
      entity_type text not null,
      entity_id bigint not null,
      region_code text collate "C" not null,
      fields text[] not null check (cardinality(fields) > 0))`);
    sql(`comment on table registry.access_log is '个人信息查阅日志: one row per clear-text access to personal data, written in the transaction of the read'`);
    sql(`create index access_log_region_idx on registry.access_log (region_code, id)`);
    sql(`create index access_log_entity_idx on registry.access_log (entity_type, entity_id, id)`);
    sql(`create index access_log_subject_idx on registry.access_log (subject, accessed_at)`);

    // ---- append-only enforcement ----
    sql(`create function registry.reject_change() returns trigger language plpgsql as $$
      begin
        raise exception 'registry table %.% is append-only: % is not allowed', tg_table_schema, tg_table_name, tg_op using errcode = 'SR000';
      end $$`);
    const history = ['change_log', 'category_membership', 'category_membership_end', 'vital_event', 'assessment', 'facility_rating',
      'bed_inventory', 'staff_assignment', 'service_record', 'access_log'];
    for (const table of history) {
      sql(`create trigger ${table}_append_only before update or delete on registry.${table} for each statement execute function registry.reject_change()`);
    }
    const records = ['elder', 'facility', 'caregiver', 'stay', 'category', 'facility_type', 'service_type'];
    for (const table of records) {
      sql(`create trigger ${table}_no_delete before delete on registry.${table} for each row execute function registry.reject_change()`);
    }
    for (const table of [...history, ...records]) {
      sql(`create trigger ${table}_no_truncate before truncate on registry.${table} for each statement execute function registry.reject_change()`);
      sql(`revoke all on registry.${table} from public`);
      sql(`grant select, insert on registry.${table} to sunshine_app`);
    }
    sql(`grant update on registry.elder, registry.facility, registry.caregiver, registry.service_type to sunshine_app`);
    sql(`grant update (discharged_on, discharged_by) on registry.stay to sunshine_app`);
    // A stay may only be closed, once.
    sql(`create function registry.stay_guard() returns trigger language plpgsql as $$
      begin
        if old.discharged_on is not null or (new.elder_id, new.facility_id, new.admitted_on, new.bed_code, new.funding_mode, new.recorded_at, new.recorded_by)
           is distinct from (old.elder_id, old.facility_id, old.admitted_on, old.bed_code, old.funding_mode, old.recorded_at, old.recorded_by) then
          raise exception 'registry.stay: only an open stay''s discharge date may be set' using errcode = 'SR000';
        end if;
        return new;
      end $$`);
    sql(`create trigger stay_close_only before update on registry.stay for each row execute function registry.stay_guard()`);
    sql(`grant usage on all sequences in schema registry to sunshine_app`);
  }

  override down(): void {
    this.addSql('drop schema registry cascade');
  }
}
