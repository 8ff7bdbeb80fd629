/**
 * Service records (服务记录): a service of a type given to an elder by a provider facility, append-only;
 * refused after the elder's death.
 */
import { DomainError } from '../../platform/errors.js';
import { RegistryRoom, requireBorn, ts } from '../store.js';
import { RecordTable, type Extra } from '../reads.js';
import { sql } from '../../platform/sql.js';
import type { Page, ServiceRecordRecord } from '../types.js';
import * as v from '../validate.js';
import { todayInChina } from '../../platform/id-number.js';

const SERVICE = `r.id::text, r.elder_id::text as "elderId", r.facility_id::text as "facilityId", r.service_type as "serviceType", r.village_code as "villageCode",
  ${ts('r.started_at')} as "startedAt", ${ts('r.ended_at')} as "endedAt", r.subsidised, r.unit_price_fen::text as "unitPriceFen",
  ${ts('r.recorded_at')} as "recordedAt", r.recorded_by as "recordedBy"`;
export const SERVICES = new RecordTable<ServiceRecordRecord>(SERVICE, 'registry.service_record r', 'r');

export class Services extends RegistryRoom {
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
      const elder = await this.store.elderLife(client, elderId);
      if (!(await this.one(client, `select 1 from registry.facility where id = $1`, [facilityId]))) throw new DomainError('NOT_FOUND', 'no such facility', 'facilityId');
      // Dated by its day in China, where birth and death dates are: 2026-05-10T07:30+08:00 is the 9th in UTC.
      const startedOn = todayInChina(startedAt);
      requireBorn(elder, startedOn, 'startedAt');
      // A service dated after the death is refused at entry (audit rule AR-01 looks for exactly this).
      if (elder.deathDate && startedOn > elder.deathDate) throw v.bad(`the elder died on ${elder.deathDate}: no service after that`, 'startedAt');
      return this.store.insert(
        client,
        `insert into registry.service_record (elder_id, facility_id, service_type, village_code, started_at, ended_at, subsidised, unit_price_fen, recorded_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id::text`,
        [elderId, facilityId, serviceType, elder.residenceVillageCode, startedAt, endedAt, input.subsidised, input.unitPriceFen?.toString() ?? null, actor],
      );
    });
    return SERVICES.written(this.sql, id);
  }

  async serviceRecordsById(ids: readonly string[]): Promise<Map<string, ServiceRecordRecord>> {
    return SERVICES.byIds(this.sql, ids);
  }

  /** A page of service records per elder or provider, in id order (newest last). */
  async servicePages(by: 'elder' | 'facility', owners: readonly string[], serviceType: string | null, page: Page): Promise<Map<string, ServiceRecordRecord[]>> {
    const column = by === 'elder' ? 'elder_id' : 'facility_id';
    return SERVICES.ownerPages(this.sql, column, owners, page, serviceType ? ofType(serviceType) : undefined);
  }

  async serviceCounts(by: 'elder' | 'facility', owners: readonly string[], serviceType: string | null): Promise<Map<string, number>> {
    const column = by === 'elder' ? 'elder_id' : 'facility_id';
    return SERVICES.ownerCounts(this.sql, column, owners, serviceType ? ofType(serviceType) : undefined);
  }
}

/** A point in time with its offset (2026-11-23T09:30:00+08:00), by the one date rule (no 2026-02-30T…, which Date would roll over). */
function timestamp(value: unknown, field: string): Date {
  return new Date(v.isoDateTime(value, field, { requireOffset: true }));
}

/** Service records of one type, its parameter numbered `n`. */
function ofType(serviceType: string): Extra {
  return sql`and r.service_type = ${serviceType}`;
}
