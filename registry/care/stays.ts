/**
 * Stays (入住): an elder in a facility from admission (inclusive) to discharge (exclusive); no two
 * stays of one elder overlap (an exclusion constraint), only an open stay's discharge may be set, once.
 */
import { DomainError } from '../../platform/errors.js';
import { RegistryRoom, requireBorn, ts } from '../store.js';
import { RecordTable, type Extra } from '../reads.js';
import { param, sql } from '../../platform/sql.js';
import type { Page, StayRecord } from '../types.js';
import { STAY_FUNDING_MODES, type StayFundingMode } from '../vocabulary.js';
import * as v from '../validate.js';

const STAY = `s.id::text, s.elder_id::text as "elderId", s.facility_id::text as "facilityId", s.admitted_on::text as "admittedOn",
  s.discharged_on::text as "dischargedOn", s.bed_code as "bedCode", s.funding_mode as "fundingMode", ${ts('s.recorded_at')} as "recordedAt", s.recorded_by as "recordedBy"`;
export const STAYS = new RecordTable<StayRecord>(STAY, 'registry.stay s', 's');

export class Stays extends RegistryRoom {
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
      const life = await this.store.elderLife(client, elderId);
      if (!(await this.one(client, `select 1 from registry.facility where id = $1`, [facilityId]))) throw new DomainError('NOT_FOUND', 'no such facility', 'facilityId');
      requireBorn(life, admittedOn, 'admittedOn');
      if (life.deathDate && admittedOn > life.deathDate) throw v.bad(`the elder died on ${life.deathDate}: no admission after that`, 'admittedOn');
      return this.store.insert(
        client,
        `insert into registry.stay (elder_id, facility_id, admitted_on, discharged_on, bed_code, funding_mode, recorded_by, discharged_by)
         values ($1, $2, $3, $4, $5, $6, $7, case when $4::date is null then null else $7 end) returning id::text`,
        [elderId, facilityId, admittedOn, dischargedOn, v.optionalFreeText(input.bedCode, 'bedCode', 40), fundingMode, actor],
      );
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
    return STAYS.byIds(this.sql, ids);
  }

  /** A page of stays per elder (or facility), newest admission first; `activeOn` keeps those covering that date. */
  async stayPages(by: 'elder' | 'facility', owners: readonly string[], activeOn: string | null, page: Page): Promise<Map<string, StayRecord[]>> {
    const column = by === 'elder' ? 'elder_id' : 'facility_id';
    return STAYS.ownerPages(this.sql, column, owners, page, activeOn ? coveringDate(activeOn) : undefined);
  }

  async stayCounts(by: 'elder' | 'facility', owners: readonly string[], activeOn: string | null): Promise<Map<string, number>> {
    const column = by === 'elder' ? 'elder_id' : 'facility_id';
    return STAYS.ownerCounts(this.sql, column, owners, activeOn ? coveringDate(activeOn) : undefined);
  }
}

/** Stays covering `date` (admitted on or before it, not discharged by then), its parameter numbered `n`. */
function coveringDate(date: string): Extra {
  const on = param(date);
  return sql`and s.admitted_on <= ${on}::date and (s.discharged_on is null or s.discharged_on > ${on}::date)`;
}
