/**
 * Reference data (参照表): special categories, facility types and service types; rows are added or
 * deactivated, never deleted (old records keep their codes).
 */
import { RegistryRoom } from './store.js';
import type { ReferenceRow, ServiceTypeRow } from './types.js';
import * as v from './validate.js';

export class ReferenceData extends RegistryRoom {
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
}
