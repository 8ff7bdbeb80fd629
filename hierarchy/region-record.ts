/**
 * 行政区划 — one administrative division at any of the five levels, as the hierarchy module hands it
 * out (plain data). Table `region` (migrations/Migration20261123000000_hierarchy.ts) is read with
 * hand-written, batched SQL (hierarchy/region.repository.ts): lateral joins and range scans that an
 * ORM mapping would not express, so there is no MikroORM entity to keep in step with the table.
 */
import type { RegionLevel } from '../platform/region-code.js';

export interface RegionRecord {
  code: string;
  parentCode: string | null;
  level: RegionLevel;
  name: string;
  /** ISO-8601 UTC timestamp of the last change by an import. */
  updatedAt: string;
}
