/**
 * The registry (登记): writes that validate every field and append history, and batched reads
 * (every read method takes many keys and runs ONE statement, so DataLoaders bound a nested query's
 * statements by its depth). No GraphQL here: scripts (import, demo) use it directly.
 *
 * Writes: one PostgreSQL transaction each, as the application role `sunshine_app`; database errors
 * become DomainErrors with a code and field (a duplicate ID number → ALREADY_EXISTS).
 * Scope: list reads take the caller's scope prefix (every region code in scope starts with it) and
 * filter in SQL with an index range; single records are checked by the API against the viewer.
 */
import type pg from 'pg';
import { DomainError } from '../platform/errors.js';
import { AS_APP_ROLE, inTransaction, type Sql } from '../platform/sql.js';
import { parseIdNumber, requireAgreement, todayInChina, type Sex } from './id-number.js';
import { maskBirthDate, maskIdNumber, maskName, maskPhone, normalisePhone, Pii } from './personal/pii.js';
import { scoreAssessment, type AssessmentInput } from './assessment.js';
import * as v from './validate.js';
import {
  ASSESSMENT_REASONS,
  CERTIFICATE_LEVELS,
  FACILITY_STATUSES,
  OPERATING_MODELS,
  RESIDENTS_PER_CERTIFIED_CAREGIVER,
  STAFF_ROLES,
  BED_INVENTORY_SOURCES,
  STAY_FUNDING_MODES,
  VITAL_SOURCES,
  VITAL_STATUSES,
  type AssessmentReason,
  type CertificateLevel,
  type FacilityStatus,
  type OperatingModel,
  type StaffRole,
  type StayFundingMode,
  type VitalSource,
  type VitalStatus,
} from './vocabulary.js';
import type {
  AccessLogRecord,
  Actor,
  AssessmentRecord,
  AssignmentRecord,
  BedInventoryRecord,
  CaregiverRecord,
  CategoryMembershipRecord,
  ElderClear,
  ElderRecord,
  FacilityRecord,
  Page,
  RatingRecord,
  ReferenceRow,
  ServiceRecordRecord,
  ServiceTypeRow,
  StaffingRecord,
  StayRecord,
  VitalEventRecord,
} from './types.js';
import { LOCK_CLASS } from '../platform/locks.js';
import { scopePrefixOf } from '../hierarchy/region-code.js';
import { insertElders } from './elders/writer.js';
import { inScopeSql } from './access.js';
import { unmaskCaregivers, unmaskElders, type PersonalField, type PersonalStore } from './personal/unmask.js';
import { reencrypt } from './personal/rekey.js';

const ts = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const ELDER = `e.id::text, e.id_masked as "idMasked", e.name_masked as "nameMasked", e.phone_masked as "phoneMasked", e.sex,
  e.birth_date::text as "birthDate", e.hukou_village_code as "hukouVillageCode", e.residence_village_code as "residenceVillageCode",
  ${ts('e.created_at')} as "createdAt", ${ts('e.updated_at')} as "updatedAt", e.created_by as "createdBy", e.updated_by as "updatedBy"`;
const MEMBERSHIP = `m.id::text, m.elder_id::text as "elderId", m.category, m.valid_from::text as "validFrom",
  coalesce(least(x.ended_on, m.valid_to), x.ended_on, m.valid_to)::text as "validTo", m.valid_to::text as "plannedValidTo",
  x.ended_on::text as "endedOn", x.reason as "endReason", m.source_system as "sourceSystem", m.source_ref as "sourceRef",
  ${ts('m.recorded_at')} as "recordedAt", m.recorded_by as "recordedBy"`;
const VITAL = `v.id::text, v.elder_id::text as "elderId", v.status, v.death_date::text as "deathDate", v.source, v.source_ref as "sourceRef",
  ${ts('v.recorded_at')} as "recordedAt", v.recorded_by as "recordedBy"`;
const ASSESSMENT = `a.id::text, a.elder_id::text as "elderId", a.assessed_on::text as "assessedOn", a.reason, a.scheme, a.items,
  a.self_care as "selfCare", a.mobility, a.mental_state as "mentalState", a.perception_social as "perceptionSocial", a.total,
  a.preliminary_level as "preliminaryLevel", a.adjustments, a.final_level as "finalLevel", a.diagnoses, a.risk_event_count as "riskEventCount",
  a.valid_until::text as "validUntil", a.assessor, a.agency, ${ts('a.recorded_at')} as "recordedAt", a.recorded_by as "recordedBy"`;
const FACILITY = `f.id::text, f.name, f.type, f.village_code as "villageCode", f.operating_model as "operatingModel", f.operator_name as "operatorName",
  f.uscc, f.status, f.operating_since::text as "operatingSince", ${ts('f.created_at')} as "createdAt", ${ts('f.updated_at')} as "updatedAt",
  f.created_by as "createdBy", f.updated_by as "updatedBy"`;
const RATING = `r.id::text, r.facility_id::text as "facilityId", r.scheme, r.level, r.rated_on::text as "ratedOn", r.valid_until::text as "validUntil",
  r.certificate_no as "certificateNo", ${ts('r.recorded_at')} as "recordedAt", r.recorded_by as "recordedBy"`;
const BEDS = `b.id::text, b.facility_id::text as "facilityId", b.as_of::text as "asOf", b.approved, b.actual, b.nursing, b.inclusive, b.occupied, b.source,
  ${ts('b.recorded_at')} as "recordedAt", b.recorded_by as "recordedBy"`;
const CAREGIVER = `c.id::text, c.name_masked as "nameMasked", c.region_code as "regionCode", c.certificate_no as "certificateNo",
  c.certificate_level as "certificateLevel", ${ts('c.created_at')} as "createdAt", ${ts('c.updated_at')} as "updatedAt"`;
const ASSIGNMENT = `s.id::text, s.caregiver_id::text as "caregiverId", s.facility_id::text as "facilityId", to_char(s.month, 'YYYY-MM') as month,
  s.role, s.certified, ${ts('s.recorded_at')} as "recordedAt", s.recorded_by as "recordedBy"`;
const STAY = `s.id::text, s.elder_id::text as "elderId", s.facility_id::text as "facilityId", s.admitted_on::text as "admittedOn",
  s.discharged_on::text as "dischargedOn", s.bed_code as "bedCode", s.funding_mode as "fundingMode", ${ts('s.recorded_at')} as "recordedAt", s.recorded_by as "recordedBy"`;
const SERVICE = `r.id::text, r.elder_id::text as "elderId", r.facility_id::text as "facilityId", r.service_type as "serviceType", r.village_code as "villageCode",
  ${ts('r.started_at')} as "startedAt", ${ts('r.ended_at')} as "endedAt", r.subsidised, r.unit_price_fen::text as "unitPriceFen",
  ${ts('r.recorded_at')} as "recordedAt", r.recorded_by as "recordedBy"`;
const ACCESS = `l.id::text, ${ts('l.accessed_at')} as "accessedAt", l.subject, l.roles, l.token_id as "tokenId", l.reason, l.entity_type as "entityType",
  l.entity_id::text as "entityId", l.region_code as "regionCode", l.residence_region_code as "residenceRegionCode", l.fields, l.row_count::int as "rowCount",
  l.export_format as "exportFormat", l.period_from::text as "periodFrom", l.period_to::text as "periodTo"`;


function group<T>(rows: (T & { key: string })[]): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const { key, ...row } of rows) {
    const list = map.get(key);
    if (list) list.push(row as unknown as T);
    else map.set(key, [row as unknown as T]);
  }
  return map;
}

const byId = <T extends { id: string }>(rows: T[]) => new Map(rows.map((r) => [r.id, r]));

/** Maps constraint violations to errors a caller can act on. */
export function fromDatabaseError(error: unknown): DomainError | null {
  const e = error as { code?: string; constraint?: string; message?: string; column?: string };
  if (error instanceof DomainError) return error;
  switch (e?.code) {
    case '23505':
      if (e.constraint === 'elder_id_hash_key') return new DomainError('ALREADY_EXISTS', 'an elder with this ID number is already registered', 'idNumber');
      if (e.constraint === 'facility_uscc_key') return new DomainError('ALREADY_EXISTS', 'a facility with this unified social credit code is already registered', 'uscc');
      if (e.constraint === 'facility_name_unique') return new DomainError('ALREADY_EXISTS', 'a facility of this name is already registered in this village', 'name');
      if (e.constraint === 'caregiver_certificate_no_key') return new DomainError('ALREADY_EXISTS', 'a caregiver with this certificate number is already registered', 'certificateNo');
      if (e.constraint === 'staff_assignment_once') return new DomainError('ALREADY_EXISTS', 'this caregiver is already assigned to this facility for this month', 'month');
      if (e.constraint === 'category_membership_end_pkey') return new DomainError('ALREADY_EXISTS', 'this membership has already been ended', 'membershipId');
      return new DomainError('ALREADY_EXISTS', 'a record with these values already exists');
    case '23P01':
      return new DomainError('STAY_OVERLAP', 'the elder already has a stay overlapping these dates', 'admittedOn');
    case '23503':
      return new DomainError('NOT_FOUND', 'a referenced record does not exist');
    case '23514':
      return new DomainError('BAD_USER_INPUT', `a value is out of range (${e.constraint ?? 'check'})`);
    case 'SR000':
      return new DomainError('APPEND_ONLY', e.message ?? 'registry history is append-only');
    default:
      return null;
  }
}

export interface RegisterElderInput {
  idNumber: string;
  name: string;
  sex?: Sex | null;
  birthDate?: string | null;
  hukouVillageCode: string;
  residenceVillageCode?: string | null;
  phone?: string | null;
}

export interface UpdateElderInput {
  name?: string | null;
  phone?: string | null;
  /** Explicitly remove the phone number. */
  clearPhone?: boolean | null;
  hukouVillageCode?: string | null;
  residenceVillageCode?: string | null;
}

export interface ChangeRecord {
  id: string;
  fields: string[];
  recordedAt: string;
  recordedBy: string;
}

export interface ElderFilter {
  scopePrefix: string;
  /** Region code (any level) whose subtree the elder's household or residence village lies in. */
  within?: string | null;
  sex?: Sex | null;
  /** Born on or after / on or before (derived from age bands by the API). */
  bornFrom?: string | null;
  bornTo?: string | null;
  /** Holds this category on `asOf`. */
  category?: string | null;
  vitalStatus?: VitalStatus | null;
  asOf: string;
}

export interface FacilityInput {
  name: string;
  type: string;
  villageCode: string;
  operatingModel: OperatingModel;
  operatorName?: string | null;
  uscc?: string | null;
  status?: FacilityStatus | null;
  operatingSince?: string | null;
}

export interface FacilityFilter {
  scopePrefix: string;
  within?: string | null;
  type?: string | null;
  status?: FacilityStatus | null;
  operatingModel?: OperatingModel | null;
}

export interface CaregiverInput {
  name: string;
  regionCode: string;
  certificateNo?: string | null;
  certificateLevel?: CertificateLevel | null;
}

export interface AccessLogFilter {
  scopePrefix: string;
  subject?: string | null;
  entityType?: string | null;
  entityId?: string | null;
  from?: string | null;
  to?: string | null;
}

export type { PersonalField } from './personal/unmask.js';

/** The encrypted and masked columns of an elder (personal data never stored in clear). */
export interface ElderRow {
  idHash: Buffer;
  idEnc: Buffer;
  idMasked: string;
  nameEnc: Buffer;
  nameMasked: string;
  phoneEnc: Buffer | null;
  phoneMasked: string | null;
  keyId: string;
}

export class RegistryService {
  readonly pii: Pii;

  /** What the personal-data functions need: the transaction runner and the keys. */
  private readonly personal: PersonalStore;

  constructor(
    private readonly pool: pg.Pool,
    private readonly sql: Sql,
    pii?: Pii,
  ) {
    this.pii = pii ?? new Pii();
    this.personal = { tx: (fn) => this.tx(fn), pii: this.pii };
  }

  // ---- transactions ---------------------------------------------------------------------------

  /** Runs `fn` in one transaction as the application role; database errors become DomainErrors. */
  async tx<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    try {
      return await inTransaction(this.pool, fn, AS_APP_ROLE);
    } catch (error) {
      throw fromDatabaseError(error) ?? error;
    }
  }

  private async one<T>(client: pg.PoolClient, text: string, params: unknown[]): Promise<T | undefined> {
    return (await client.query(text, params)).rows[0] as T | undefined;
  }

  /** Village codes must exist (FK would say so too, but without naming the field). */
  private async requireRegions(client: pg.PoolClient | null, codes: { code: string; field: string }[]): Promise<void> {
    const wanted = codes.map((c) => c.code);
    const rows = client
      ? (await client.query<{ code: string }>(`select code from region where code = any($1::text[])`, [wanted])).rows
      : await this.sql.query<{ code: string }>(`select code from region where code = any($1::text[])`, [wanted]);
    const found = new Set(rows.map((r) => r.code));
    const missing = codes.find((c) => !found.has(c.code));
    if (missing) throw new DomainError('BAD_USER_INPUT', `no region with code ${missing.code}`, missing.field);
  }

  /** The death date of the elder per the latest vital report, if it reports death. */
  private async deathDate(client: pg.PoolClient, elderId: string): Promise<string | null> {
    const row = await this.one<{ status: string; deathDate: string | null }>(
      client,
      `select status, death_date::text as "deathDate" from registry.vital_event where elder_id = $1 order by id desc limit 1`,
      [elderId],
    );
    return row?.status === 'DECEASED' ? row.deathDate : null;
  }

  // ---- elders: writes ---------------------------------------------------------------------------

  /** Validates an elder (ID number against birth date and sex, villages, name, phone) without writing. */
  prepareElder(input: RegisterElderInput, today = todayInChina()) {
    const id = parseIdNumber(input.idNumber, 'idNumber', today);
    const sex = input.sex == null ? null : v.oneOf(input.sex, ['MALE', 'FEMALE'] as const, 'sex');
    const birthDate = v.optionalDate(input.birthDate, 'birthDate');
    requireAgreement(id, { sex, birthDate });
    const name = v.personName(input.name, 'name');
    const hukou = v.villageCode(input.hukouVillageCode, 'hukouVillageCode');
    const residence = input.residenceVillageCode == null ? hukou : v.villageCode(input.residenceVillageCode, 'residenceVillageCode');
    let phone: string | null = null;
    if (input.phone != null && input.phone.trim() !== '') {
      phone = normalisePhone(input.phone);
      if (!phone) throw v.bad('phone must be a mainland mobile (11 digits) or landline number', 'phone');
    }
    return { id, name, hukou, residence, phone, sex: id.sex, birthDate: id.birthDate };
  }

  /** The row to insert for a prepared elder (encrypted and masked columns). */
  elderRow(p: ReturnType<RegistryService['prepareElder']>): ElderRow {
    return {
      idHash: this.pii.idHash(p.id.value),
      idEnc: this.pii.encrypt(p.id.value, 'elder.id_number'),
      idMasked: maskIdNumber(p.id.value),
      nameEnc: this.pii.encrypt(p.name, 'elder.name'),
      nameMasked: maskName(p.name),
      phoneEnc: p.phone ? this.pii.encrypt(p.phone, 'elder.phone') : null,
      phoneMasked: p.phone ? maskPhone(p.phone) : null,
      keyId: this.pii.currentKeyId,
    };
  }

  async registerElder(input: RegisterElderInput, actor: string): Promise<ElderRecord> {
    const p = this.prepareElder(input);
    const row = this.elderRow(p);
    const id = await this.tx(async (client) => {
      await this.requireRegions(client, [
        { code: p.hukou, field: 'hukouVillageCode' },
        { code: p.residence, field: 'residenceVillageCode' },
      ]);
      const [inserted] = await insertElders(client, [{ row, sex: p.sex, birthDate: p.birthDate, hukouVillageCode: p.hukou, residenceVillageCode: p.residence }], actor);
      return inserted!.id;
    });
    return (await this.elders([id])).get(id)!;
  }

  async updateElder(elderId: string, input: UpdateElderInput, actor: string): Promise<ElderRecord> {
    const id = v.recordId(elderId, 'id');
    const sets: string[] = [];
    const params: unknown[] = [id, actor];
    const fields: string[] = [];
    if (input.name != null) {
      const name = v.personName(input.name, 'name');
      sets.push(`name_enc = $${params.push(this.pii.encrypt(name, 'elder.name'))}`, `name_masked = $${params.push(maskName(name))}`);
      fields.push('name');
    }
    if (input.clearPhone) {
      if (input.phone != null) throw v.bad('give either phone or clearPhone', 'clearPhone');
      sets.push('phone_enc = null', 'phone_masked = null');
      fields.push('phone');
    } else if (input.phone != null) {
      const phone = normalisePhone(input.phone);
      if (!phone) throw v.bad('phone must be a mainland mobile (11 digits) or landline number', 'phone');
      sets.push(`phone_enc = $${params.push(this.pii.encrypt(phone, 'elder.phone'))}`, `phone_masked = $${params.push(maskPhone(phone))}`);
      fields.push('phone');
    }
    const regions: { code: string; field: string }[] = [];
    if (input.hukouVillageCode != null) {
      const code = v.villageCode(input.hukouVillageCode, 'hukouVillageCode');
      regions.push({ code, field: 'hukouVillageCode' });
      sets.push(`hukou_village_code = $${params.push(code)}`);
      fields.push('hukouVillage');
    }
    if (input.residenceVillageCode != null) {
      const code = v.villageCode(input.residenceVillageCode, 'residenceVillageCode');
      regions.push({ code, field: 'residenceVillageCode' });
      sets.push(`residence_village_code = $${params.push(code)}`);
      fields.push('residenceVillage');
    }
    if (!sets.length) throw v.bad('nothing to update', 'input');
    const touchesSealed = sets.some((s) => s.startsWith('name_enc') || s.startsWith('phone_enc'));
    await this.tx(async (client) => {
      if (regions.length) await this.requireRegions(client, regions);
      if (touchesSealed) {
        // One key id per row: values not being changed are re-sealed with the current key too, so every
        // ciphertext of the row opens with the key the row names.
        const row = await this.one<{ id_enc: Buffer; name_enc: Buffer; phone_enc: Buffer | null; key_id: string }>(
          client,
          `select id_enc, name_enc, phone_enc, key_id from registry.elder where id = $1 for update`,
          [id],
        );
        if (!row) throw new DomainError('NOT_FOUND', 'no such elder', 'id');
        if (row.key_id !== this.pii.currentKeyId) {
          const reseal = (sealed: Buffer, field: string) => this.pii.encrypt(this.pii.decrypt(sealed, row.key_id, field), field);
          sets.push(`id_enc = $${params.push(reseal(row.id_enc, 'elder.id_number'))}`);
          if (!sets.some((x) => x.startsWith('name_enc'))) sets.push(`name_enc = $${params.push(reseal(row.name_enc, 'elder.name'))}`);
          if (!sets.some((x) => x.startsWith('phone_enc')) && row.phone_enc) sets.push(`phone_enc = $${params.push(reseal(row.phone_enc, 'elder.phone'))}`);
        }
        sets.push(`key_id = $${params.push(this.pii.currentKeyId)}`);
      }
      const updated = await client.query(
        `update registry.elder set ${sets.join(', ')}, updated_at = now(), updated_by = $2 where id = $1`,
        params,
      );
      if (updated.rowCount !== 1) throw new DomainError('NOT_FOUND', 'no such elder', 'id');
      await client.query(`insert into registry.change_log (entity_type, entity_id, fields, recorded_by) values ('Elder', $1, $2, $3)`, [id, fields, actor]);
    });
    return (await this.elders([id])).get(id)!;
  }

  async addCategory(
    input: { elderId: string; category: string; validFrom: string; validTo?: string | null; sourceSystem?: string | null; sourceRef?: string | null },
    actor: string,
  ): Promise<CategoryMembershipRecord> {
    const elderId = v.recordId(input.elderId, 'elderId');
    const category = v.text(input.category, 'category', 40);
    const validFrom = v.isoDate(input.validFrom, 'validFrom');
    const validTo = v.optionalDate(input.validTo, 'validTo');
    if (validTo && validTo < validFrom) throw v.bad('validTo must not be before validFrom', 'validTo');
    const id = await this.tx(async (client) => {
      if (!(await this.one(client, `select 1 from registry.category where code = $1`, [category]))) {
        throw v.bad(`unknown category ${category} (see specialCategories)`, 'category');
      }
      // Serialise category writes per elder, so the overlap check below cannot race.
      await client.query(`select pg_advisory_xact_lock($1, hashtext($2))`, [LOCK_CLASS.REGISTRY_CATEGORY, elderId]);
      // The same category may be held again later, never twice at once.
      const overlapping = await this.one(
        client,
        `select 1 from registry.category_membership m left join registry.category_membership_end x on x.membership_id = m.id
         where m.elder_id = $1 and m.category = $2
           and daterange(m.valid_from, coalesce(least(x.ended_on, m.valid_to), x.ended_on, m.valid_to), '[]') && daterange($3::date, $4::date, '[]')`,
        [elderId, category, validFrom, validTo],
      );
      if (overlapping) throw new DomainError('ALREADY_EXISTS', 'the elder already holds this category for part of this period', 'validFrom');
      const row = await this.one<{ id: string }>(
        client,
        `insert into registry.category_membership (elder_id, category, valid_from, valid_to, source_system, source_ref, recorded_by)
         values ($1, $2, $3, $4, $5, $6, $7) returning id::text`,
        [elderId, category, validFrom, validTo, v.optionalText(input.sourceSystem, 'sourceSystem', 100), v.optionalText(input.sourceRef, 'sourceRef', 100), actor],
      );
      return row!.id;
    });
    return (await this.membershipsById([id])).get(id)!;
  }

  async endCategory(input: { membershipId: string; endedOn: string; reason: string }, actor: string): Promise<CategoryMembershipRecord> {
    const id = v.recordId(input.membershipId, 'membershipId');
    const endedOn = v.isoDate(input.endedOn, 'endedOn');
    const reason = v.freeText(input.reason, 'reason', 500);
    await this.tx(async (client) => {
      const m = await this.one<{ validFrom: string; validTo: string | null }>(
        client,
        `select valid_from::text as "validFrom", valid_to::text as "validTo" from registry.category_membership where id = $1`,
        [id],
      );
      if (!m) throw new DomainError('NOT_FOUND', 'no such membership', 'membershipId');
      if (endedOn < m.validFrom) throw v.bad('endedOn must not be before the membership started', 'endedOn');
      await client.query(`insert into registry.category_membership_end (membership_id, ended_on, reason, recorded_by) values ($1, $2, $3, $4)`, [id, endedOn, reason, actor]);
    });
    return (await this.membershipsById([id])).get(id)!;
  }

  async recordVitalStatus(
    input: { elderId: string; status: VitalStatus; deathDate?: string | null; source: VitalSource; sourceRef?: string | null },
    actor: string,
  ): Promise<VitalEventRecord> {
    const elderId = v.recordId(input.elderId, 'elderId');
    const status = v.oneOf(input.status, VITAL_STATUSES, 'status');
    const source = v.oneOf(input.source, VITAL_SOURCES, 'source');
    const deathDate = v.optionalDate(input.deathDate, 'deathDate');
    if (status === 'DECEASED' && !deathDate) throw v.bad('deathDate is required when status is DECEASED', 'deathDate');
    if (status === 'ALIVE' && deathDate) throw v.bad('deathDate must be empty when status is ALIVE', 'deathDate');
    if (deathDate && deathDate > todayInChina()) throw v.bad('deathDate is in the future', 'deathDate');
    const id = await this.tx(async (client) => {
      const elder = await this.one<{ birthDate: string }>(client, `select birth_date::text as "birthDate" from registry.elder where id = $1`, [elderId]);
      if (!elder) throw new DomainError('NOT_FOUND', 'no such elder', 'elderId');
      if (deathDate && deathDate < elder.birthDate) throw v.bad('deathDate is before the birth date', 'deathDate');
      const row = await this.one<{ id: string }>(
        client,
        `insert into registry.vital_event (elder_id, status, death_date, source, source_ref, recorded_by) values ($1, $2, $3, $4, $5, $6) returning id::text`,
        [elderId, status, deathDate, source, v.optionalText(input.sourceRef, 'sourceRef', 100), actor],
      );
      return row!.id;
    });
    const rows = await this.sql.query<VitalEventRecord>(`select ${VITAL} from registry.vital_event v where v.id = $1`, [id]);
    return rows[0]!;
  }

  async recordAssessment(
    input: AssessmentInput & {
      elderId: string;
      assessedOn: string;
      reason: AssessmentReason;
      validUntil?: string | null;
      assessor?: string | null;
      agency?: string | null;
    },
    actor: string,
  ): Promise<AssessmentRecord> {
    const elderId = v.recordId(input.elderId, 'elderId');
    const assessedOn = v.isoDate(input.assessedOn, 'assessedOn');
    if (assessedOn > todayInChina()) throw v.bad('assessedOn is in the future', 'assessedOn');
    const reason = v.oneOf(input.reason, ASSESSMENT_REASONS, 'reason');
    const validUntil = v.optionalDate(input.validUntil, 'validUntil');
    if (validUntil && validUntil < assessedOn) throw v.bad('validUntil must not be before assessedOn', 'validUntil');
    const score = scoreAssessment(input);
    const id = await this.tx(async (client) => {
      const elder = await this.one<{ birthDate: string }>(client, `select birth_date::text as "birthDate" from registry.elder where id = $1`, [elderId]);
      if (!elder) throw new DomainError('NOT_FOUND', 'no such elder', 'elderId');
      if (assessedOn < elder.birthDate) throw v.bad('assessedOn is before the birth date', 'assessedOn');
      const death = await this.deathDate(client, elderId);
      if (death && assessedOn > death) throw v.bad(`the elder died on ${death}: no assessment after that`, 'assessedOn');
      const row = await this.one<{ id: string }>(
        client,
        `insert into registry.assessment (elder_id, assessed_on, reason, items, self_care, mobility, mental_state, perception_social, total,
           preliminary_level, adjustments, final_level, diagnoses, risk_event_count, valid_until, assessor, agency, recorded_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) returning id::text`,
        [
          elderId, assessedOn, reason, JSON.stringify(score.items), score.dimensions.selfCare, score.dimensions.mobility, score.dimensions.mentalState,
          score.dimensions.perceptionSocial, score.total, score.preliminaryLevel, score.adjustments, score.finalLevel,
          (input.diagnoses ?? []).map((d) => d.trim().toUpperCase()), input.riskEventCount ?? 0, validUntil,
          v.optionalText(input.assessor, 'assessor', 200), v.optionalText(input.agency, 'agency', 200), actor,
        ],
      );
      return row!.id;
    });
    const rows = await this.sql.query<AssessmentRecord>(`select ${ASSESSMENT} from registry.assessment a where a.id = $1`, [id]);
    return rows[0]!;
  }

  // ---- elders: reads ----------------------------------------------------------------------------

  async elders(ids: readonly string[]): Promise<Map<string, ElderRecord>> {
    return byId(await this.sql.query<ElderRecord>(`select ${ELDER} from registry.elder e where e.id = any($1::bigint[])`, [ids]));
  }

  async elderByIdNumber(idNumber: string): Promise<ElderRecord | null> {
    const parsed = parseIdNumber(idNumber, 'idNumber');
    const rows = await this.sql.query<ElderRecord>(`select ${ELDER} from registry.elder e where e.id_hash = $1`, [this.pii.idHash(parsed.value)]);
    return rows[0] ?? null;
  }

  private elderWhere(filter: ElderFilter, params: unknown[]): string {
    const p = params.push(filter.scopePrefix);
    const where = [`(${inScopeSql('e.hukou_village_code', p)} or ${inScopeSql('e.residence_village_code', p)})`];
    if (filter.within) {
      const w = params.push(scopePrefixOf(filter.within));
      where.push(`(${inScopeSql('e.hukou_village_code', w)} or ${inScopeSql('e.residence_village_code', w)})`);
    }
    if (filter.sex) where.push(`e.sex = $${params.push(filter.sex)}`);
    if (filter.bornFrom) where.push(`e.birth_date >= $${params.push(filter.bornFrom)}::date`);
    if (filter.bornTo) where.push(`e.birth_date <= $${params.push(filter.bornTo)}::date`);
    if (filter.category) {
      const asOf = params.push(filter.asOf);
      const c = params.push(filter.category);
      where.push(`exists (select 1 from registry.category_membership m left join registry.category_membership_end x on x.membership_id = m.id
        where m.elder_id = e.id and m.category = $${c} and m.valid_from <= $${asOf}::date
          and coalesce(least(x.ended_on, m.valid_to), x.ended_on, m.valid_to, 'infinity') >= $${asOf}::date)`);
    }
    if (filter.vitalStatus) {
      const latest = `(select v.status from registry.vital_event v where v.elder_id = e.id order by v.id desc limit 1)`;
      where.push(filter.vitalStatus === 'DECEASED' ? `${latest} = 'DECEASED'` : `coalesce(${latest}, 'ALIVE') = 'ALIVE'`);
    }
    return where.join(' and ');
  }

  async listElders(filter: ElderFilter, page: Page): Promise<ElderRecord[]> {
    const params: unknown[] = [];
    const where = this.elderWhere(filter, params);
    const after = params.push(page.after ?? '0');
    const limit = params.push(page.first + 1);
    return this.sql.query<ElderRecord>(`select ${ELDER} from registry.elder e where ${where} and e.id > $${after}::bigint order by e.id limit $${limit}`, params);
  }

  async countElders(filter: ElderFilter): Promise<number> {
    const params: unknown[] = [];
    const where = this.elderWhere(filter, params);
    const [row] = await this.sql.query<{ n: number }>(`select count(*)::int as n from registry.elder e where ${where}`, params);
    return row?.n ?? 0;
  }

  async membershipsById(ids: readonly string[]): Promise<Map<string, CategoryMembershipRecord>> {
    return byId(
      await this.sql.query<CategoryMembershipRecord>(
        `select ${MEMBERSHIP} from registry.category_membership m left join registry.category_membership_end x on x.membership_id = m.id
         where m.id = any($1::bigint[])`,
        [ids],
      ),
    );
  }

  async membershipsByElders(elderIds: readonly string[]): Promise<Map<string, CategoryMembershipRecord[]>> {
    return group(
      await this.sql.query<CategoryMembershipRecord & { key: string }>(
        `select m.elder_id::text as key, ${MEMBERSHIP} from registry.category_membership m
         left join registry.category_membership_end x on x.membership_id = m.id
         where m.elder_id = any($1::bigint[]) order by m.elder_id, m.valid_from, m.id`,
        [elderIds],
      ),
    );
  }

  async vitalEventsByElders(elderIds: readonly string[]): Promise<Map<string, VitalEventRecord[]>> {
    return group(
      await this.sql.query<VitalEventRecord & { key: string }>(
        `select v.elder_id::text as key, ${VITAL} from registry.vital_event v where v.elder_id = any($1::bigint[]) order by v.elder_id, v.id`,
        [elderIds],
      ),
    );
  }

  async assessmentsByElders(elderIds: readonly string[]): Promise<Map<string, AssessmentRecord[]>> {
    return group(
      await this.sql.query<AssessmentRecord & { key: string }>(
        `select a.elder_id::text as key, ${ASSESSMENT} from registry.assessment a where a.elder_id = any($1::bigint[])
         order by a.elder_id, a.assessed_on, a.id`,
        [elderIds],
      ),
    );
  }

  async assessments(ids: readonly string[]): Promise<Map<string, AssessmentRecord>> {
    return byId(await this.sql.query<AssessmentRecord>(`select ${ASSESSMENT} from registry.assessment a where a.id = any($1::bigint[])`, [ids]));
  }

  /** Clear personal values of elders, logged in the same transaction (registry/personal/unmask.ts). */
  unmaskElders(elderIds: readonly string[], fields: readonly PersonalField[], reason: string, actor: Actor, scopePrefix: string): Promise<Map<string, Partial<ElderClear>>> {
    return unmaskElders(this.personal, elderIds, fields, reason, actor, scopePrefix);
  }

  /** A caregiver's name in clear, logged in the same transaction (registry/personal/unmask.ts). */
  unmaskCaregivers(ids: readonly string[], reason: string, actor: Actor, scopePrefix: string): Promise<Map<string, { name: string }>> {
    return unmaskCaregivers(this.personal, ids, reason, actor, scopePrefix);
  }

  // ---- facilities -------------------------------------------------------------------------------

  prepareFacility(input: FacilityInput) {
    const uscc = v.optionalText(input.uscc, 'uscc', 18)?.toUpperCase() ?? null;
    if (uscc && !/^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$/.test(uscc)) throw v.bad('uscc must be an 18-character unified social credit code', 'uscc');
    const operatingSince = v.optionalDate(input.operatingSince, 'operatingSince');
    return {
      name: v.text(input.name, 'name', 200),
      type: v.text(input.type, 'type', 40),
      villageCode: v.villageCode(input.villageCode, 'villageCode'),
      operatingModel: v.oneOf(input.operatingModel, OPERATING_MODELS, 'operatingModel'),
      operatorName: v.optionalText(input.operatorName, 'operatorName', 200),
      uscc,
      status: input.status == null ? 'OPERATING' : v.oneOf(input.status, FACILITY_STATUSES, 'status'),
      operatingSince,
    };
  }

  private async requireFacilityType(client: pg.PoolClient, type: string): Promise<void> {
    if (!(await this.one(client, `select 1 from registry.facility_type where code = $1`, [type]))) throw v.bad(`unknown facility type ${type} (see facilityTypes)`, 'type');
  }

  async registerFacility(input: FacilityInput, actor: string): Promise<FacilityRecord> {
    const f = this.prepareFacility(input);
    const id = await this.tx(async (client) => {
      await this.requireRegions(client, [{ code: f.villageCode, field: 'villageCode' }]);
      await this.requireFacilityType(client, f.type);
      const row = await this.one<{ id: string }>(
        client,
        `insert into registry.facility (name, type, village_code, operating_model, operator_name, uscc, status, operating_since, created_by, updated_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) returning id::text`,
        [f.name, f.type, f.villageCode, f.operatingModel, f.operatorName, f.uscc, f.status, f.operatingSince, actor],
      );
      return row!.id;
    });
    return (await this.facilities([id])).get(id)!;
  }

  async updateFacility(facilityId: string, input: { [K in keyof FacilityInput]?: FacilityInput[K] | null }, actor: string): Promise<FacilityRecord> {
    const id = v.recordId(facilityId, 'id');
    const current = (await this.facilities([id])).get(id);
    if (!current) throw new DomainError('NOT_FOUND', 'no such facility', 'id');
    const merged = this.prepareFacility({ ...current, ...Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined && value !== null)) } as FacilityInput);
    const columns: [keyof typeof merged, string][] = [
      ['name', 'name'], ['type', 'type'], ['villageCode', 'village_code'], ['operatingModel', 'operating_model'], ['operatorName', 'operator_name'],
      ['uscc', 'uscc'], ['status', 'status'], ['operatingSince', 'operating_since'],
    ];
    const changed = columns.filter(([key]) => merged[key] !== (current as unknown as Record<string, unknown>)[key]);
    if (!changed.length) return current;
    await this.tx(async (client) => {
      if (merged.villageCode !== current.villageCode) await this.requireRegions(client, [{ code: merged.villageCode, field: 'villageCode' }]);
      if (merged.type !== current.type) await this.requireFacilityType(client, merged.type);
      const params: unknown[] = [id, actor];
      const sets = changed.map(([key, column]) => `${column} = $${params.push(merged[key])}`);
      await client.query(`update registry.facility set ${sets.join(', ')}, updated_at = now(), updated_by = $2 where id = $1`, params);
      await client.query(`insert into registry.change_log (entity_type, entity_id, fields, recorded_by) values ('Facility', $1, $2, $3)`, [id, changed.map(([k]) => k), actor]);
    });
    return (await this.facilities([id])).get(id)!;
  }

  async rateFacility(
    input: { facilityId: string; level: number; ratedOn: string; validUntil?: string | null; scheme?: string | null; certificateNo?: string | null },
    actor: string,
  ): Promise<RatingRecord> {
    const facilityId = v.recordId(input.facilityId, 'facilityId');
    const level = v.intRange(input.level, 'level', 1, 5);
    const ratedOn = v.isoDate(input.ratedOn, 'ratedOn');
    const validUntil = v.optionalDate(input.validUntil, 'validUntil');
    if (validUntil && validUntil <= ratedOn) throw v.bad('validUntil must be after ratedOn', 'validUntil');
    const id = await this.tx(async (client) => {
      const row = await this.one<{ id: string }>(
        client,
        `insert into registry.facility_rating (facility_id, scheme, level, rated_on, valid_until, certificate_no, recorded_by)
         select f.id, $2, $3, $4, $5, $6, $7 from registry.facility f where f.id = $1 returning id::text`,
        [facilityId, v.optionalText(input.scheme, 'scheme', 60) ?? 'GB/T 37276-2018', level, ratedOn, validUntil, v.optionalText(input.certificateNo, 'certificateNo', 100), actor],
      );
      if (!row) throw new DomainError('NOT_FOUND', 'no such facility', 'facilityId');
      return row.id;
    });
    return (await this.sql.query<RatingRecord>(`select ${RATING} from registry.facility_rating r where r.id = $1`, [id]))[0]!;
  }

  async recordBedInventory(
    input: { facilityId: string; asOf: string; approved: number; actual: number; nursing: number; inclusive: number; occupied: number; source?: string | null },
    actor: string,
  ): Promise<BedInventoryRecord> {
    const facilityId = v.recordId(input.facilityId, 'facilityId');
    const asOf = v.isoDate(input.asOf, 'asOf');
    const n = (key: 'approved' | 'actual' | 'nursing' | 'inclusive' | 'occupied') => v.intRange(input[key], key, 0, 100_000);
    const [approved, actual, nursing, inclusive, occupied] = [n('approved'), n('actual'), n('nursing'), n('inclusive'), n('occupied')];
    if (nursing > actual) throw v.bad('nursing beds cannot exceed actual beds', 'nursing');
    if (inclusive > actual) throw v.bad('inclusive beds cannot exceed actual beds', 'inclusive');
    if (occupied > actual) throw v.bad('occupied beds cannot exceed actual beds', 'occupied');
    const source = input.source == null ? 'REGISTRATION' : v.oneOf(input.source, BED_INVENTORY_SOURCES, 'source');
    const id = await this.tx(async (client) => {
      const row = await this.one<{ id: string }>(
        client,
        `insert into registry.bed_inventory (facility_id, as_of, approved, actual, nursing, inclusive, occupied, source, recorded_by)
         select f.id, $2, $3, $4, $5, $6, $7, $8, $9 from registry.facility f where f.id = $1 returning id::text`,
        [facilityId, asOf, approved, actual, nursing, inclusive, occupied, source, actor],
      );
      if (!row) throw new DomainError('NOT_FOUND', 'no such facility', 'facilityId');
      return row.id;
    });
    return (await this.sql.query<BedInventoryRecord>(`select ${BEDS} from registry.bed_inventory b where b.id = $1`, [id]))[0]!;
  }

  async facilities(ids: readonly string[]): Promise<Map<string, FacilityRecord>> {
    return byId(await this.sql.query<FacilityRecord>(`select ${FACILITY} from registry.facility f where f.id = any($1::bigint[])`, [ids]));
  }

  private facilityWhere(filter: FacilityFilter, params: unknown[]): string {
    const where = [inScopeSql('f.village_code', params.push(filter.scopePrefix))];
    if (filter.within) where.push(inScopeSql('f.village_code', params.push(scopePrefixOf(filter.within))));
    if (filter.type) where.push(`f.type = $${params.push(filter.type)}`);
    if (filter.status) where.push(`f.status = $${params.push(filter.status)}`);
    if (filter.operatingModel) where.push(`f.operating_model = $${params.push(filter.operatingModel)}`);
    return where.join(' and ');
  }

  async listFacilities(filter: FacilityFilter, page: Page): Promise<FacilityRecord[]> {
    const params: unknown[] = [];
    const where = this.facilityWhere(filter, params);
    const after = params.push(page.after ?? '0');
    const limit = params.push(page.first + 1);
    return this.sql.query<FacilityRecord>(`select ${FACILITY} from registry.facility f where ${where} and f.id > $${after}::bigint order by f.id limit $${limit}`, params);
  }

  async countFacilities(filter: FacilityFilter): Promise<number> {
    const params: unknown[] = [];
    const [row] = await this.sql.query<{ n: number }>(`select count(*)::int as n from registry.facility f where ${this.facilityWhere(filter, params)}`, params);
    return row?.n ?? 0;
  }

  async ratingsByFacilities(ids: readonly string[]): Promise<Map<string, RatingRecord[]>> {
    return group(
      await this.sql.query<RatingRecord & { key: string }>(
        `select r.facility_id::text as key, ${RATING} from registry.facility_rating r where r.facility_id = any($1::bigint[]) order by r.facility_id, r.rated_on, r.id`,
        [ids],
      ),
    );
  }

  async bedsByFacilities(ids: readonly string[]): Promise<Map<string, BedInventoryRecord[]>> {
    return group(
      await this.sql.query<BedInventoryRecord & { key: string }>(
        `select b.facility_id::text as key, ${BEDS} from registry.bed_inventory b where b.facility_id = any($1::bigint[]) order by b.facility_id, b.as_of, b.id`,
        [ids],
      ),
    );
  }

  // ---- caregivers -------------------------------------------------------------------------------

  async registerCaregiver(input: CaregiverInput, actor: string): Promise<CaregiverRecord> {
    const name = v.personName(input.name, 'name');
    const regionCode = v.regionCode(input.regionCode, 'regionCode');
    const certificateNo = v.optionalText(input.certificateNo, 'certificateNo', 60);
    const certificateLevel = input.certificateLevel == null ? null : v.oneOf(input.certificateLevel, CERTIFICATE_LEVELS, 'certificateLevel');
    if ((certificateNo == null) !== (certificateLevel == null)) throw v.bad('certificateNo and certificateLevel go together', certificateNo ? 'certificateLevel' : 'certificateNo');
    const id = await this.tx(async (client) => {
      await this.requireRegions(client, [{ code: regionCode, field: 'regionCode' }]);
      const row = await this.one<{ id: string }>(
        client,
        `insert into registry.caregiver (name_enc, name_masked, key_id, region_code, certificate_no, certificate_level, created_by, updated_by)
         values ($1, $2, $3, $4, $5, $6, $7, $7) returning id::text`,
        [this.pii.encrypt(name, 'caregiver.name'), maskName(name), this.pii.currentKeyId, regionCode, certificateNo, certificateLevel, actor],
      );
      return row!.id;
    });
    return (await this.caregivers([id])).get(id)!;
  }

  async assignCaregiver(
    input: { caregiverId: string; facilityId: string; month: string; role?: StaffRole | null; certified?: boolean | null },
    actor: string,
  ): Promise<AssignmentRecord> {
    const caregiverId = v.recordId(input.caregiverId, 'caregiverId');
    const facilityId = v.recordId(input.facilityId, 'facilityId');
    const month = v.month(input.month, 'month');
    const role = input.role == null ? 'CAREGIVER' : v.oneOf(input.role, STAFF_ROLES, 'role');
    const id = await this.tx(async (client) => {
      const caregiver = await this.one<{ certified: boolean }>(client, `select certificate_no is not null as certified from registry.caregiver where id = $1`, [caregiverId]);
      if (!caregiver) throw new DomainError('NOT_FOUND', 'no such caregiver', 'caregiverId');
      if (input.certified && !caregiver.certified) throw v.bad('the caregiver has no certificate on record', 'certified');
      const row = await this.one<{ id: string }>(
        client,
        `insert into registry.staff_assignment (caregiver_id, facility_id, month, role, certified, recorded_by)
         select $1, f.id, ($3 || '-01')::date, $4, $5, $6 from registry.facility f where f.id = $2 returning id::text`,
        [caregiverId, facilityId, month, role, input.certified ?? caregiver.certified, actor],
      );
      if (!row) throw new DomainError('NOT_FOUND', 'no such facility', 'facilityId');
      return row.id;
    });
    return (await this.sql.query<AssignmentRecord>(`select ${ASSIGNMENT} from registry.staff_assignment s where s.id = $1`, [id]))[0]!;
  }

  async caregivers(ids: readonly string[]): Promise<Map<string, CaregiverRecord>> {
    return byId(await this.sql.query<CaregiverRecord>(`select ${CAREGIVER} from registry.caregiver c where c.id = any($1::bigint[])`, [ids]));
  }

  private caregiverWhere(filter: { scopePrefix: string; within?: string | null; certified?: boolean | null }, params: unknown[]): string {
    const where = [inScopeSql('c.region_code', params.push(filter.scopePrefix))];
    if (filter.within) where.push(inScopeSql('c.region_code', params.push(scopePrefixOf(filter.within))));
    if (filter.certified != null) where.push(filter.certified ? 'c.certificate_no is not null' : 'c.certificate_no is null');
    return where.join(' and ');
  }

  async listCaregivers(filter: { scopePrefix: string; within?: string | null; certified?: boolean | null }, page: Page): Promise<CaregiverRecord[]> {
    const params: unknown[] = [];
    const where = this.caregiverWhere(filter, params);
    const after = params.push(page.after ?? '0');
    const limit = params.push(page.first + 1);
    return this.sql.query<CaregiverRecord>(`select ${CAREGIVER} from registry.caregiver c where ${where} and c.id > $${after}::bigint order by c.id limit $${limit}`, params);
  }

  async countCaregivers(filter: { scopePrefix: string; within?: string | null; certified?: boolean | null }): Promise<number> {
    const params: unknown[] = [];
    const [row] = await this.sql.query<{ n: number }>(`select count(*)::int as n from registry.caregiver c where ${this.caregiverWhere(filter, params)}`, params);
    return row?.n ?? 0;
  }

  async assignmentsByCaregivers(ids: readonly string[]): Promise<Map<string, AssignmentRecord[]>> {
    return group(
      await this.sql.query<AssignmentRecord & { key: string }>(
        `select s.caregiver_id::text as key, ${ASSIGNMENT} from registry.staff_assignment s where s.caregiver_id = any($1::bigint[]) order by s.caregiver_id, s.month, s.id`,
        [ids],
      ),
    );
  }

  async assignmentsByFacilities(ids: readonly string[], month: string): Promise<Map<string, AssignmentRecord[]>> {
    return group(
      await this.sql.query<AssignmentRecord & { key: string }>(
        `select s.facility_id::text as key, ${ASSIGNMENT} from registry.staff_assignment s
         where s.facility_id = any($1::bigint[]) and s.month = ($2 || '-01')::date order by s.facility_id, s.id`,
        [ids, month],
      ),
    );
  }

  /**
   * The 1:10 rule per facility and month: residents are the distinct elders with a stay overlapping
   * the month; certified caregivers are the distinct caregivers assigned as CAREGIVER and certified.
   */
  async staffing(facilityIds: readonly string[], month: string): Promise<Map<string, StaffingRecord>> {
    const rows = await this.sql.query<{ facilityId: string; residents: number; caregivers: number; certified: number }>(
      `with m as (select ($2 || '-01')::date as first, (($2 || '-01')::date + interval '1 month')::date as next)
       select f.id::text as "facilityId",
         (select count(distinct s.elder_id)::int from registry.stay s, m
          where s.facility_id = f.id and s.admitted_on < m.next and (s.discharged_on is null or s.discharged_on > m.first)) as residents,
         (select count(distinct a.caregiver_id)::int from registry.staff_assignment a, m
          where a.facility_id = f.id and a.month = m.first and a.role = 'CAREGIVER') as caregivers,
         (select count(distinct a.caregiver_id)::int from registry.staff_assignment a, m
          where a.facility_id = f.id and a.month = m.first and a.role = 'CAREGIVER' and a.certified) as certified
       from registry.facility f where f.id = any($1::bigint[])`,
      [facilityIds, month],
    );
    return new Map(rows.map((r) => [r.facilityId, staffingOf(r.facilityId, month, r.residents, r.caregivers, r.certified)]));
  }

  private staffingSql(filter: { scopePrefix: string; within?: string | null; month: string; belowStandardOnly: boolean }, params: unknown[]): string {
    params.push(filter.month);
    const where = [inScopeSql('f.village_code', params.push(filter.scopePrefix))];
    if (filter.within) where.push(inScopeSql('f.village_code', params.push(scopePrefixOf(filter.within))));
    return `with m as (select ($1 || '-01')::date as first, (($1 || '-01')::date + interval '1 month')::date as next),
       r as (select s.facility_id, count(distinct s.elder_id)::int as residents from registry.stay s, m
             where s.admitted_on < m.next and (s.discharged_on is null or s.discharged_on > m.first) group by s.facility_id),
       c as (select a.facility_id, count(distinct a.caregiver_id)::int as caregivers,
               count(distinct a.caregiver_id) filter (where a.certified)::int as certified
             from registry.staff_assignment a, m where a.month = m.first and a.role = 'CAREGIVER' group by a.facility_id),
       x as (select f.id, coalesce(r.residents, 0) as residents, coalesce(c.caregivers, 0) as caregivers, coalesce(c.certified, 0) as certified
             from registry.facility f left join r on r.facility_id = f.id left join c on c.facility_id = f.id
             where ${where.join(' and ')} and (r.residents is not null or c.caregivers is not null)
               ${filter.belowStandardOnly ? `and coalesce(c.certified, 0) * ${RESIDENTS_PER_CERTIFIED_CAREGIVER} < coalesce(r.residents, 0)` : ''})`;
  }

  /** Facilities in scope with residents or caregivers in the month, with their ratio; optionally only those below 1:10. */
  async staffingList(filter: { scopePrefix: string; within?: string | null; month: string; belowStandardOnly: boolean }, page: Page): Promise<StaffingRecord[]> {
    const params: unknown[] = [];
    const cte = this.staffingSql(filter, params);
    const after = params.push(page.after ?? '0');
    const limit = params.push(page.first + 1);
    const rows = await this.sql.query<{ facilityId: string; residents: number; caregivers: number; certified: number }>(
      `${cte} select x.id::text as "facilityId", x.residents, x.caregivers, x.certified from x where x.id > $${after}::bigint order by x.id limit $${limit}`,
      params,
    );
    return rows.map((r) => staffingOf(r.facilityId, filter.month, r.residents, r.caregivers, r.certified));
  }

  async countStaffing(filter: { scopePrefix: string; within?: string | null; month: string; belowStandardOnly: boolean }): Promise<number> {
    const params: unknown[] = [];
    const [row] = await this.sql.query<{ n: number }>(`${this.staffingSql(filter, params)} select count(*)::int as n from x`, params);
    return row?.n ?? 0;
  }

  // ---- stays ------------------------------------------------------------------------------------

  async admit(
    input: { elderId: string; facilityId: string; admittedOn: string; dischargedOn?: string | null; bedCode?: string | null; fundingMode?: StayFundingMode | null },
    actor: string,
  ): Promise<StayRecord> {
    const elderId = v.recordId(input.elderId, 'elderId');
    const facilityId = v.recordId(input.facilityId, 'facilityId');
    const admittedOn = v.isoDate(input.admittedOn, 'admittedOn');
    const dischargedOn = v.optionalDate(input.dischargedOn, 'dischargedOn');
    if (dischargedOn && dischargedOn <= admittedOn) throw v.bad('dischargedOn must be after admittedOn', 'dischargedOn');
    const fundingMode = input.fundingMode == null ? 'SELF_PAY' : v.oneOf(input.fundingMode, STAY_FUNDING_MODES, 'fundingMode');
    const id = await this.tx(async (client) => {
      if (!(await this.one(client, `select 1 from registry.elder where id = $1`, [elderId]))) throw new DomainError('NOT_FOUND', 'no such elder', 'elderId');
      if (!(await this.one(client, `select 1 from registry.facility where id = $1`, [facilityId]))) throw new DomainError('NOT_FOUND', 'no such facility', 'facilityId');
      const death = await this.deathDate(client, elderId);
      if (death && admittedOn > death) throw v.bad(`the elder died on ${death}: no admission after that`, 'admittedOn');
      const row = await this.one<{ id: string }>(
        client,
        `insert into registry.stay (elder_id, facility_id, admitted_on, discharged_on, bed_code, funding_mode, recorded_by, discharged_by)
         values ($1, $2, $3, $4, $5, $6, $7, case when $4::date is null then null else $7 end) returning id::text`,
        [elderId, facilityId, admittedOn, dischargedOn, v.optionalText(input.bedCode, 'bedCode', 40), fundingMode, actor],
      );
      return row!.id;
    });
    return (await this.stays([id])).get(id)!;
  }

  async discharge(input: { stayId: string; dischargedOn: string }, actor: string): Promise<StayRecord> {
    const id = v.recordId(input.stayId, 'stayId');
    const dischargedOn = v.isoDate(input.dischargedOn, 'dischargedOn');
    await this.tx(async (client) => {
      const stay = await this.one<{ admittedOn: string; dischargedOn: string | null }>(
        client,
        `select admitted_on::text as "admittedOn", discharged_on::text as "dischargedOn" from registry.stay where id = $1 for update`,
        [id],
      );
      if (!stay) throw new DomainError('NOT_FOUND', 'no such stay', 'stayId');
      if (stay.dischargedOn) throw new DomainError('ALREADY_EXISTS', 'this stay has already ended', 'stayId');
      if (dischargedOn <= stay.admittedOn) throw v.bad('dischargedOn must be after admittedOn', 'dischargedOn');
      await client.query(`update registry.stay set discharged_on = $2, discharged_by = $3 where id = $1`, [id, dischargedOn, actor]);
    });
    return (await this.stays([id])).get(id)!;
  }

  async stays(ids: readonly string[]): Promise<Map<string, StayRecord>> {
    return byId(await this.sql.query<StayRecord>(`select ${STAY} from registry.stay s where s.id = any($1::bigint[])`, [ids]));
  }

  /** A page of stays per elder (or facility), newest admission first; `activeOn` keeps those covering that date. */
  async stayPages(by: 'elder' | 'facility', owners: readonly string[], activeOn: string | null, page: Page): Promise<Map<string, StayRecord[]>> {
    const column = by === 'elder' ? 'elder_id' : 'facility_id';
    const active = activeOn ? `and s.admitted_on <= $4::date and (s.discharged_on is null or s.discharged_on > $4::date)` : '';
    const params: unknown[] = [owners, page.after ?? '0', page.first + 1];
    if (activeOn) params.push(activeOn);
    return group(
      await this.sql.query<StayRecord & { key: string }>(
        `select o.id::text as key, x.* from unnest($1::bigint[]) o (id)
         cross join lateral (select ${STAY} from registry.stay s where s.${column} = o.id ${active} and s.id > $2::bigint order by s.id limit $3) x
         order by o.id, x.id::bigint`,
        params,
      ),
    );
  }

  async stayCounts(by: 'elder' | 'facility', owners: readonly string[], activeOn: string | null): Promise<Map<string, number>> {
    const column = by === 'elder' ? 'elder_id' : 'facility_id';
    const active = activeOn ? `and s.admitted_on <= $2::date and (s.discharged_on is null or s.discharged_on > $2::date)` : '';
    const rows = await this.sql.query<{ key: string; n: number }>(
      `select s.${column}::text as key, count(*)::int as n from registry.stay s where s.${column} = any($1::bigint[]) ${active} group by s.${column}`,
      activeOn ? [owners, activeOn] : [owners],
    );
    return new Map(rows.map((r) => [r.key, r.n]));
  }

  // ---- service records ----------------------------------------------------------------------------

  async recordService(
    input: { elderId: string; facilityId: string; serviceType: string; startedAt: string; endedAt?: string | null; subsidised: boolean; unitPriceFen?: bigint | null },
    actor: string,
  ): Promise<ServiceRecordRecord> {
    const elderId = v.recordId(input.elderId, 'elderId');
    const facilityId = v.recordId(input.facilityId, 'facilityId');
    const serviceType = v.text(input.serviceType, 'serviceType', 40);
    const startedAt = timestamp(input.startedAt, 'startedAt');
    const endedAt = input.endedAt == null ? null : timestamp(input.endedAt, 'endedAt');
    if (endedAt && endedAt < startedAt) throw v.bad('endedAt must not be before startedAt', 'endedAt');
    if (startedAt.getTime() > Date.now() + 5 * 60_000) throw v.bad('startedAt is in the future', 'startedAt');
    if (typeof input.subsidised !== 'boolean') throw v.bad('subsidised is required', 'subsidised');
    if (input.unitPriceFen != null && (input.unitPriceFen < 0n || input.unitPriceFen > 100_000_000n)) throw v.bad('unitPrice must be 0–1,000,000 yuan in fen', 'unitPrice');
    const id = await this.tx(async (client) => {
      const type = await this.one<{ active: boolean }>(client, `select active from registry.service_type where code = $1`, [serviceType]);
      if (!type) throw v.bad(`unknown service type ${serviceType} (see serviceTypes)`, 'serviceType');
      if (!type.active) throw v.bad(`service type ${serviceType} is no longer in use`, 'serviceType');
      const elder = await this.one<{ village: string }>(client, `select residence_village_code as village from registry.elder where id = $1`, [elderId]);
      if (!elder) throw new DomainError('NOT_FOUND', 'no such elder', 'elderId');
      if (!(await this.one(client, `select 1 from registry.facility where id = $1`, [facilityId]))) throw new DomainError('NOT_FOUND', 'no such facility', 'facilityId');
      const death = await this.deathDate(client, elderId);
      // A service dated after the death is refused at entry (audit rule AR-01 looks for exactly this).
      if (death && startedAt.toISOString().slice(0, 10) > death) throw v.bad(`the elder died on ${death}: no service after that`, 'startedAt');
      const row = await this.one<{ id: string }>(
        client,
        `insert into registry.service_record (elder_id, facility_id, service_type, village_code, started_at, ended_at, subsidised, unit_price_fen, recorded_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id::text`,
        [elderId, facilityId, serviceType, elder.village, startedAt, endedAt, input.subsidised, input.unitPriceFen?.toString() ?? null, actor],
      );
      return row!.id;
    });
    return (await this.sql.query<ServiceRecordRecord>(`select ${SERVICE} from registry.service_record r where r.id = $1`, [id]))[0]!;
  }

  async serviceRecordsById(ids: readonly string[]): Promise<Map<string, ServiceRecordRecord>> {
    return byId(await this.sql.query<ServiceRecordRecord>(`select ${SERVICE} from registry.service_record r where r.id = any($1::bigint[])`, [ids]));
  }

  /** A page of service records per elder or provider, in id order (newest last). */
  async servicePages(by: 'elder' | 'facility', owners: readonly string[], serviceType: string | null, page: Page): Promise<Map<string, ServiceRecordRecord[]>> {
    const column = by === 'elder' ? 'elder_id' : 'facility_id';
    const params: unknown[] = [owners, page.after ?? '0', page.first + 1];
    const typeFilter = serviceType ? `and r.service_type = $${params.push(serviceType)}` : '';
    return group(
      await this.sql.query<ServiceRecordRecord & { key: string }>(
        `select o.id::text as key, x.* from unnest($1::bigint[]) o (id)
         cross join lateral (select ${SERVICE} from registry.service_record r where r.${column} = o.id ${typeFilter} and r.id > $2::bigint order by r.id limit $3) x
         order by o.id, x.id::bigint`,
        params,
      ),
    );
  }

  async serviceCounts(by: 'elder' | 'facility', owners: readonly string[], serviceType: string | null): Promise<Map<string, number>> {
    const column = by === 'elder' ? 'elder_id' : 'facility_id';
    const rows = await this.sql.query<{ key: string; n: number }>(
      `select r.${column}::text as key, count(*)::int as n from registry.service_record r where r.${column} = any($1::bigint[])
       ${serviceType ? 'and r.service_type = $2' : ''} group by r.${column}`,
      serviceType ? [owners, serviceType] : [owners],
    );
    return new Map(rows.map((r) => [r.key, r.n]));
  }

  // ---- reference data and the access log ---------------------------------------------------------

  async categories(): Promise<ReferenceRow[]> {
    return this.sql.query<ReferenceRow>(`select code, name_zh as "nameZh", name_en as "nameEn" from registry.category order by sort_order, code`);
  }

  async facilityTypes(): Promise<(ReferenceRow & { residential: boolean })[]> {
    return this.sql.query(`select code, name_zh as "nameZh", name_en as "nameEn", residential from registry.facility_type order by sort_order, code`);
  }

  async serviceTypes(): Promise<ServiceTypeRow[]> {
    return this.sql.query<ServiceTypeRow>(`select code, name_zh as "nameZh", name_en as "nameEn", bundles, active from registry.service_type order by sort_order, code`);
  }

  /** Adds a service type or changes its names, bundles and whether it is in use (types are never deleted: old records keep theirs). */
  async defineServiceType(input: { code: string; nameZh: string; nameEn: string; bundles?: string[] | null; active?: boolean | null }): Promise<ServiceTypeRow> {
    const code = v.text(input.code, 'code', 40);
    if (!/^[A-Z][A-Z0-9_]{1,39}$/.test(code)) throw v.bad('code must be 2–40 upper-case letters, digits or _ (e.g. MEAL)', 'code');
    const nameZh = v.text(input.nameZh, 'nameZh', 40);
    const nameEn = v.text(input.nameEn, 'nameEn', 80);
    const bundles = (input.bundles ?? []).map((b, i) => {
      const bundle = v.text(b, `bundles.${i}`, 40);
      if (!/^[A-Z][A-Z0-9_]{1,39}$/.test(bundle)) throw v.bad('a bundle is 2–40 upper-case letters, digits or _ (e.g. SIX_ASSISTS)', `bundles.${i}`);
      return bundle;
    });
    await this.tx((client) =>
      client.query(
        `insert into registry.service_type (code, name_zh, name_en, bundles, active) values ($1, $2, $3, $4, $5)
         on conflict (code) do update set name_zh = excluded.name_zh, name_en = excluded.name_en, bundles = excluded.bundles, active = excluded.active`,
        [code, nameZh, nameEn, [...new Set(bundles)], input.active ?? true],
      ),
    );
    return (await this.serviceTypes()).find((t) => t.code === code)!;
  }

  private accessWhere(filter: AccessLogFilter, params: unknown[]): string {
    const scope = params.push(filter.scopePrefix);
    // A read allowed by the household or by the residence jurisdiction is audited by either.
    const where = [`(${inScopeSql('l.region_code', scope)} or ${inScopeSql('l.residence_region_code', scope)})`];
    if (filter.subject) where.push(`l.subject = $${params.push(filter.subject)}`);
    if (filter.entityType) where.push(`l.entity_type = $${params.push(filter.entityType)}`);
    if (filter.entityId) where.push(`l.entity_id = $${params.push(filter.entityId)}::bigint`);
    if (filter.from) where.push(`l.accessed_at >= $${params.push(filter.from)}::timestamptz`);
    if (filter.to) where.push(`l.accessed_at < $${params.push(filter.to)}::timestamptz`);
    return where.join(' and ');
  }

  async accessLog(filter: AccessLogFilter, page: Page): Promise<AccessLogRecord[]> {
    const params: unknown[] = [];
    const where = this.accessWhere(filter, params);
    const after = params.push(page.after ?? '0');
    const limit = params.push(page.first + 1);
    return this.sql.query<AccessLogRecord>(`select ${ACCESS} from registry.access_log l where ${where} and l.id > $${after}::bigint order by l.id limit $${limit}`, params);
  }

  async countAccessLog(filter: AccessLogFilter): Promise<number> {
    const params: unknown[] = [];
    const [row] = await this.sql.query<{ n: number }>(`select count(*)::int as n from registry.access_log l where ${this.accessWhere(filter, params)}`, params);
    return row?.n ?? 0;
  }

  /** History rows by id (for node(id)), with the key that decides their scope. */
  async vitalEventsById(ids: readonly string[]): Promise<Map<string, VitalEventRecord>> {
    return byId(await this.sql.query<VitalEventRecord>(`select ${VITAL} from registry.vital_event v where v.id = any($1::bigint[])`, [ids]));
  }

  async ratingsById(ids: readonly string[]): Promise<Map<string, RatingRecord>> {
    return byId(await this.sql.query<RatingRecord>(`select ${RATING} from registry.facility_rating r where r.id = any($1::bigint[])`, [ids]));
  }

  async bedInventoriesById(ids: readonly string[]): Promise<Map<string, BedInventoryRecord>> {
    return byId(await this.sql.query<BedInventoryRecord>(`select ${BEDS} from registry.bed_inventory b where b.id = any($1::bigint[])`, [ids]));
  }

  async assignmentsById(ids: readonly string[]): Promise<Map<string, AssignmentRecord>> {
    return byId(await this.sql.query<AssignmentRecord>(`select ${ASSIGNMENT} from registry.staff_assignment s where s.id = any($1::bigint[])`, [ids]));
  }

  async accessLogById(ids: readonly string[]): Promise<Map<string, AccessLogRecord>> {
    return byId(await this.sql.query<AccessLogRecord>(`select ${ACCESS} from registry.access_log l where l.id = any($1::bigint[])`, [ids]));
  }

  /** Key rotation: re-encrypts what an older key sealed (registry/personal/rekey.ts). */
  reencrypt(batchSize = 2000, onBatch?: (table: string, done: number) => void): Promise<{ elders: number; caregivers: number }> {
    return reencrypt(this.personal, batchSize, onBatch);
  }

  /** Which fields of each record changed, when and by whom (never the values), oldest first. */
  async changes(entityType: 'Elder' | 'Facility' | 'Caregiver', ids: readonly string[]): Promise<Map<string, ChangeRecord[]>> {
    return group(
      await this.sql.query<ChangeRecord & { key: string }>(
        `select c.entity_id::text as key, c.id::text, c.fields, ${ts('c.recorded_at')} as "recordedAt", c.recorded_by as "recordedBy"
         from registry.change_log c where c.entity_type = $1 and c.entity_id = any($2::bigint[]) order by c.entity_id, c.id`,
        [entityType, ids],
      ),
    );
  }

  /** Is the registry empty (demo data is generated only then)? */
  async isEmpty(): Promise<boolean> {
    const rows = await this.sql.query(`select 1 from registry.elder limit 1`);
    return rows.length === 0;
  }
}

/** A point in time with its offset (2026-11-23T09:30:00+08:00), by the one date rule (no 2026-02-30T…, which Date would roll over). */
function timestamp(value: unknown, field: string): Date {
  return new Date(v.isoDateTime(value, field, { requireOffset: true }));
}

export function staffingOf(facilityId: string, month: string, residents: number, caregivers: number, certified: number): StaffingRecord {
  const requiredCertified = Math.ceil(residents / RESIDENTS_PER_CERTIFIED_CAREGIVER);
  return { facilityId, month, residents, caregivers, certifiedCaregivers: certified, requiredCertified, meetsStandard: certified >= requiredCertified };
}

export { maskBirthDate };
