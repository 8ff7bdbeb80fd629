/**
 * The append-only history of a facility: star ratings (等级评定) and bed inventory snapshots (床位台账).
 */
import { DomainError } from '../../platform/errors.js';
import { byId, group, RegistryRoom, ts } from '../store.js';
import type { BedInventoryRecord, RatingRecord } from '../types.js';
import { BED_INVENTORY_SOURCES } from '../vocabulary.js';
import * as v from '../validate.js';

const RATING = `r.id::text, r.facility_id::text as "facilityId", r.scheme, r.level, r.rated_on::text as "ratedOn", r.valid_until::text as "validUntil",
  r.certificate_no as "certificateNo", ${ts('r.recorded_at')} as "recordedAt", r.recorded_by as "recordedBy"`;
const BEDS = `b.id::text, b.facility_id::text as "facilityId", b.as_of::text as "asOf", b.approved, b.actual, b.nursing, b.inclusive, b.occupied, b.source,
  ${ts('b.recorded_at')} as "recordedAt", b.recorded_by as "recordedBy"`;

export class FacilityHistory extends RegistryRoom {
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

  async ratingsByFacilities(ids: readonly string[]): Promise<Map<string, RatingRecord[]>> {
    return group(
      await this.sql.query<RatingRecord & { key: string }>(
        `select r.facility_id::text as key, ${RATING} from registry.facility_rating r where r.facility_id = any($1::bigint[]) order by r.facility_id, r.rated_on, r.id`,
        [ids],
      ),
    );
  }

  async ratingsById(ids: readonly string[]): Promise<Map<string, RatingRecord>> {
    return byId(await this.sql.query<RatingRecord>(`select ${RATING} from registry.facility_rating r where r.id = any($1::bigint[])`, [ids]));
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

  async bedsByFacilities(ids: readonly string[]): Promise<Map<string, BedInventoryRecord[]>> {
    return group(
      await this.sql.query<BedInventoryRecord & { key: string }>(
        `select b.facility_id::text as key, ${BEDS} from registry.bed_inventory b where b.facility_id = any($1::bigint[]) order by b.facility_id, b.as_of, b.id`,
        [ids],
      ),
    );
  }

  async bedInventoriesById(ids: readonly string[]): Promise<Map<string, BedInventoryRecord>> {
    return byId(await this.sql.query<BedInventoryRecord>(`select ${BEDS} from registry.bed_inventory b where b.id = any($1::bigint[])`, [ids]));
  }
}
