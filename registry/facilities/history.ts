/**
 * The append-only history of a facility: star ratings (等级评定) and bed inventory snapshots (床位台账).
 */
import { RegistryRoom, ts } from '../store.js';
import { RecordTable } from '../reads.js';
import type { BedInventoryRecord, RatingRecord } from '../types.js';
import { BED_INVENTORY_SOURCES } from '../vocabulary.js';
import * as v from '../validate.js';

const RATING = `r.id::text, r.facility_id::text as "facilityId", r.scheme, r.level, r.rated_on::text as "ratedOn", r.valid_until::text as "validUntil",
  r.certificate_no as "certificateNo", ${ts('r.recorded_at')} as "recordedAt", r.recorded_by as "recordedBy"`;
export const RATINGS = new RecordTable<RatingRecord>(RATING, 'registry.facility_rating r', 'r');
const BEDS = `b.id::text, b.facility_id::text as "facilityId", b.as_of::text as "asOf", b.approved, b.actual, b.nursing, b.inclusive, b.occupied, b.source,
  ${ts('b.recorded_at')} as "recordedAt", b.recorded_by as "recordedBy"`;
export const BED_INVENTORIES = new RecordTable<BedInventoryRecord>(BEDS, 'registry.bed_inventory b', 'b');

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
      return this.store.insertAtFacility(
        client,
        `insert into registry.facility_rating (facility_id, scheme, level, rated_on, valid_until, certificate_no, recorded_by)
         select f.id, $2, $3, $4, $5, $6, $7 from registry.facility f where f.id = $1 returning id::text`,
        [facilityId, v.optionalText(input.scheme, 'scheme', 60) ?? 'GB/T 37276-2018', level, ratedOn, validUntil, v.optionalFreeText(input.certificateNo, 'certificateNo', 100), actor],
      );
    });
    return RATINGS.written(this.sql, id);
  }

  async ratingsByFacilities(ids: readonly string[]): Promise<Map<string, RatingRecord[]>> {
    return RATINGS.byOwners(this.sql, 'r.facility_id', ids, 'r.rated_on, r.id');
  }

  async ratingsById(ids: readonly string[]): Promise<Map<string, RatingRecord>> {
    return RATINGS.byIds(this.sql, ids);
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
      return this.store.insertAtFacility(
        client,
        `insert into registry.bed_inventory (facility_id, as_of, approved, actual, nursing, inclusive, occupied, source, recorded_by)
         select f.id, $2, $3, $4, $5, $6, $7, $8, $9 from registry.facility f where f.id = $1 returning id::text`,
        [facilityId, asOf, approved, actual, nursing, inclusive, occupied, source, actor],
      );
    });
    return BED_INVENTORIES.written(this.sql, id);
  }

  async bedsByFacilities(ids: readonly string[]): Promise<Map<string, BedInventoryRecord[]>> {
    return BED_INVENTORIES.byOwners(this.sql, 'b.facility_id', ids, 'b.as_of, b.id');
  }

  async bedInventoriesById(ids: readonly string[]): Promise<Map<string, BedInventoryRecord>> {
    return BED_INVENTORIES.byIds(this.sql, ids);
  }
}
