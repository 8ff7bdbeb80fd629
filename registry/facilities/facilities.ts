/**
 * Facilities (养老服务设施): registration and changes (logged by field name), batched and scoped list reads.
 */
import type pg from 'pg';
import { DomainError } from '../../platform/errors.js';
import { scopePrefixOf } from '../../platform/region-code.js';
import { inScope } from '../access.js';
import { join, param, raw, sql, type SqlFragment } from '../../platform/sql.js';
import { RegistryRoom, ts, type RegistryStore } from '../store.js';
import { RecordTable } from '../reads.js';
import type { FacilityRecord, Page } from '../types.js';
import { FACILITY_STATUSES, OPERATING_MODELS, type FacilityStatus, type OperatingModel } from '../vocabulary.js';
import * as v from '../validate.js';

const FACILITY = `f.id::text, f.name, f.type, f.village_code as "villageCode", f.operating_model as "operatingModel", f.operator_name as "operatorName",
  f.uscc, f.status, f.operating_since::text as "operatingSince", ${ts('f.created_at')} as "createdAt", ${ts('f.updated_at')} as "updatedAt",
  f.created_by as "createdBy", f.updated_by as "updatedBy"`;
export const FACILITIES = new RecordTable<FacilityRecord>(FACILITY, 'registry.facility f', 'f');

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

export class Facilities extends RegistryRoom {
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

  async registerFacility(input: FacilityInput, actor: string): Promise<FacilityRecord> {
    const f = this.prepareFacility(input);
    const id = await this.tx(async (client) => {
      await this.store.requireRegions(client, [{ code: f.villageCode, field: 'villageCode' }]);
      await requireFacilityType(this.store, client, f.type);
      return this.store.insert(
        client,
        `insert into registry.facility (name, type, village_code, operating_model, operator_name, uscc, status, operating_since, created_by, updated_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) returning id::text`,
        [f.name, f.type, f.villageCode, f.operatingModel, f.operatorName, f.uscc, f.status, f.operatingSince, actor],
      );
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
      if (merged.villageCode !== current.villageCode) await this.store.requireRegions(client, [{ code: merged.villageCode, field: 'villageCode' }]);
      if (merged.type !== current.type) await requireFacilityType(this.store, client, merged.type);
      const sets = join(changed.map(([key, column]) => sql`${raw(column)} = ${merged[key]}`), ', ');
      await client.query(sql`update registry.facility set ${sets}, updated_at = now(), updated_by = ${actor} where id = ${id}`.build());
      await client.query(`insert into registry.change_log (entity_type, entity_id, fields, recorded_by) values ('Facility', $1, $2, $3)`, [id, changed.map(([k]) => k), actor]);
    });
    return (await this.facilities([id])).get(id)!;
  }

  async facilities(ids: readonly string[]): Promise<Map<string, FacilityRecord>> {
    return FACILITIES.byIds(this.sql, ids);
  }

  async listFacilities(filter: FacilityFilter, page: Page): Promise<FacilityRecord[]> {
    await this.requireKnownType(filter);
    return FACILITIES.page(this.sql, facilityWhere(filter), page);
  }

  async countFacilities(filter: FacilityFilter): Promise<number> {
    await this.requireKnownType(filter);
    return FACILITIES.count(this.sql, facilityWhere(filter));
  }

  /** A filter by an unknown facility type is a mistake, not an empty list (found in review). */
  private async requireKnownType(filter: FacilityFilter): Promise<void> {
    if (filter.type == null) return;
    const rows = await this.sql.query(`select 1 from registry.facility_type where code = $1`, [filter.type]);
    if (!rows.length) throw v.bad(`unknown facility type ${String(filter.type).slice(0, 40)} (see facilityTypes)`, 'filter.type');
  }
}

async function requireFacilityType(store: RegistryStore, client: pg.PoolClient, type: string): Promise<void> {
  if (!(await store.one(client, `select 1 from registry.facility_type where code = $1`, [type]))) throw v.bad(`unknown facility type ${type} (see facilityTypes)`, 'type');
}

function facilityWhere(filter: FacilityFilter): SqlFragment {
  const where = [inScope('f.village_code', param(filter.scopePrefix))];
  if (filter.within) where.push(inScope('f.village_code', param(scopePrefixOf(filter.within))));
  if (filter.type != null) where.push(sql`f.type = ${filter.type}`);
  if (filter.status) where.push(sql`f.status = ${filter.status}`);
  if (filter.operatingModel) where.push(sql`f.operating_model = ${filter.operatingModel}`);
  return join(where, ' and ');
}
