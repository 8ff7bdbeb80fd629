/**
 * The staffing standard (1 certified caregiver per {RESIDENTS_PER_CERTIFIED_CAREGIVER} residents) per facility and month,
 * from stays and assignments.
 */
import { inScope } from '../access.js';
import { join, param, queryRows, raw, sql, type SqlFragment } from '../../platform/sql.js';
import { scopePrefixOf } from '../../platform/region-code.js';
import { RegistryRoom } from '../store.js';
import type { Page, StaffingRecord } from '../types.js';
import { RESIDENTS_PER_CERTIFIED_CAREGIVER } from '../vocabulary.js';

/** Which facilities a staffing list holds. */
export interface StaffingFilter {
  scopePrefix: string;
  within?: string | null;
  month: string;
  belowStandardOnly: boolean;
}

export class Staffing extends RegistryRoom {
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

  /** Facilities in scope with residents or caregivers in the month, with their ratio; optionally only those below 1:10. */
  async staffingList(filter: StaffingFilter, page: Page): Promise<StaffingRecord[]> {
    const rows = await queryRows<{ facilityId: string; residents: number; caregivers: number; certified: number }>(
      this.sql,
      sql`${staffingSql(filter)} select x.id::text as "facilityId", x.residents, x.caregivers, x.certified from x where x.id > ${page.after ?? '0'}::bigint order by x.id limit ${page.first + 1}`,
    );
    return rows.map((r) => staffingOf(r.facilityId, filter.month, r.residents, r.caregivers, r.certified));
  }

  async countStaffing(filter: StaffingFilter): Promise<number> {
    const [row] = await queryRows<{ n: number }>(this.sql, sql`${staffingSql(filter)} select count(*)::int as n from x`);
    return row?.n ?? 0;
  }
}

function staffingSql(filter: StaffingFilter): SqlFragment {
  const month = param(filter.month);
  const where = [inScope('f.village_code', param(filter.scopePrefix))];
  if (filter.within) where.push(inScope('f.village_code', param(scopePrefixOf(filter.within))));
  return sql`with m as (select (${month} || '-01')::date as first, ((${month} || '-01')::date + interval '1 month')::date as next),
     r as (select s.facility_id, count(distinct s.elder_id)::int as residents from registry.stay s, m
           where s.admitted_on < m.next and (s.discharged_on is null or s.discharged_on > m.first) group by s.facility_id),
     c as (select a.facility_id, count(distinct a.caregiver_id)::int as caregivers,
             count(distinct a.caregiver_id) filter (where a.certified)::int as certified
           from registry.staff_assignment a, m where a.month = m.first and a.role = 'CAREGIVER' group by a.facility_id),
     x as (select f.id, coalesce(r.residents, 0) as residents, coalesce(c.caregivers, 0) as caregivers, coalesce(c.certified, 0) as certified
           from registry.facility f left join r on r.facility_id = f.id left join c on c.facility_id = f.id
           where ${join(where, ' and ')} and (r.residents is not null or c.caregivers is not null)
             ${raw(filter.belowStandardOnly ? `and coalesce(c.certified, 0) * ${RESIDENTS_PER_CERTIFIED_CAREGIVER} < coalesce(r.residents, 0)` : '')})`;
}

export function staffingOf(facilityId: string, month: string, residents: number, caregivers: number, certified: number): StaffingRecord {
  const requiredCertified = Math.ceil(residents / RESIDENTS_PER_CERTIFIED_CAREGIVER);
  return { facilityId, month, residents, caregivers, certifiedCaregivers: certified, requiredCertified, meetsStandard: certified >= requiredCertified };
}
