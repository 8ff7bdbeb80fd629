/**
 * Caregivers (养老护理员, name sealed and masked) and their monthly assignments to facilities (排班).
 */
import { DomainError } from '../../platform/errors.js';
import { scopePrefixOf } from '../../platform/region-code.js';
import { maskName } from '../personal/pii.js';
import { inScope } from '../access.js';
import { join, param, raw, sql, type SqlFragment } from '../../platform/sql.js';
import { RegistryRoom, ts } from '../store.js';
import { RecordTable } from '../reads.js';
import type { AssignmentRecord, CaregiverRecord, Page } from '../types.js';
import { CERTIFICATE_LEVELS, STAFF_ROLES, type CertificateLevel, type StaffRole } from '../vocabulary.js';
import * as v from '../validate.js';

const CAREGIVER = `c.id::text, c.name_masked as "nameMasked", c.region_code as "regionCode", c.certificate_no as "certificateNo",
  c.certificate_level as "certificateLevel", ${ts('c.created_at')} as "createdAt", ${ts('c.updated_at')} as "updatedAt"`;
export const CAREGIVERS = new RecordTable<CaregiverRecord>(CAREGIVER, 'registry.caregiver c', 'c');
const ASSIGNMENT = `s.id::text, s.caregiver_id::text as "caregiverId", s.facility_id::text as "facilityId", to_char(s.month, 'YYYY-MM') as month,
  s.role, s.certified, ${ts('s.recorded_at')} as "recordedAt", s.recorded_by as "recordedBy"`;
export const ASSIGNMENTS = new RecordTable<AssignmentRecord>(ASSIGNMENT, 'registry.staff_assignment s', 's');

export interface CaregiverInput {
  name: string;
  regionCode: string;
  certificateNo?: string | null;
  certificateLevel?: CertificateLevel | null;
}

/** Which caregivers a list holds. */
export interface CaregiverFilter {
  scopePrefix: string;
  within?: string | null;
  certified?: boolean | null;
}

export class Caregivers extends RegistryRoom {
  async registerCaregiver(input: CaregiverInput, actor: string): Promise<CaregiverRecord> {
    const name = v.personName(input.name, 'name');
    const regionCode = v.regionCode(input.regionCode, 'regionCode');
    const certificateNo = v.optionalFreeText(input.certificateNo, 'certificateNo', 60);
    const certificateLevel = input.certificateLevel == null ? null : v.oneOf(input.certificateLevel, CERTIFICATE_LEVELS, 'certificateLevel');
    if ((certificateNo == null) !== (certificateLevel == null)) throw v.bad('certificateNo and certificateLevel go together', certificateNo ? 'certificateLevel' : 'certificateNo');
    const id = await this.tx(async (client) => {
      await this.store.requireRegions(client, [{ code: regionCode, field: 'regionCode' }]);
      return this.store.insert(
        client,
        `insert into registry.caregiver (name_enc, name_masked, key_id, region_code, certificate_no, certificate_level, created_by, updated_by)
         values ($1, $2, $3, $4, $5, $6, $7, $7) returning id::text`,
        [this.pii.encrypt(name, 'caregiver.name'), maskName(name), this.pii.currentKeyId, regionCode, certificateNo, certificateLevel, actor],
      );
    });
    return (await this.caregivers([id])).get(id)!;
  }

  async caregivers(ids: readonly string[]): Promise<Map<string, CaregiverRecord>> {
    return CAREGIVERS.byIds(this.sql, ids);
  }

  async listCaregivers(filter: CaregiverFilter, page: Page): Promise<CaregiverRecord[]> {
    return CAREGIVERS.page(this.sql, caregiverWhere(filter), page);
  }

  async countCaregivers(filter: CaregiverFilter): Promise<number> {
    return CAREGIVERS.count(this.sql, caregiverWhere(filter));
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
      return this.store.insertAtFacility(
        client,
        `insert into registry.staff_assignment (caregiver_id, facility_id, month, role, certified, recorded_by)
         select $1, f.id, ($3 || '-01')::date, $4, $5, $6 from registry.facility f where f.id = $2 returning id::text`,
        [caregiverId, facilityId, month, role, input.certified ?? caregiver.certified, actor],
      );
    });
    return ASSIGNMENTS.written(this.sql, id);
  }

  async assignmentsByCaregivers(ids: readonly string[]): Promise<Map<string, AssignmentRecord[]>> {
    return ASSIGNMENTS.byOwners(this.sql, 's.caregiver_id', ids, 's.month, s.id');
  }

  async assignmentsByFacilities(ids: readonly string[], month: string): Promise<Map<string, AssignmentRecord[]>> {
    return ASSIGNMENTS.byOwners(this.sql, 's.facility_id', ids, 's.id', sql`and s.month = (${month} || '-01')::date`);
  }

  async assignmentsById(ids: readonly string[]): Promise<Map<string, AssignmentRecord>> {
    return ASSIGNMENTS.byIds(this.sql, ids);
  }
}

function caregiverWhere(filter: CaregiverFilter): SqlFragment {
  const where = [inScope('c.region_code', param(filter.scopePrefix))];
  if (filter.within) where.push(inScope('c.region_code', param(scopePrefixOf(filter.within))));
  if (filter.certified != null) where.push(raw(filter.certified ? 'c.certificate_no is not null' : 'c.certificate_no is null'));
  return join(where, ' and ');
}
