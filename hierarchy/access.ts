/**
 * Who may see which region: the hierarchy's scope rules, applied once, here, for the regions a
 * request names (region(code:), node(id:), a list's parent or subtree filter) and the relations
 * below a region. Lists keep every row to the jurisdiction in their SQL (the viewer's scopeRange).
 *
 * - A region record may be seen when it is inside the jurisdiction or on the path above it
 *   (Viewer.canSeeRegion): a county officer sees the names of their city and province.
 * - What lies below a region (children, descendants, counts) needs the region itself in scope:
 *   an ancestor's other branches are not the caller's.
 *
 * Out of scope is FORBIDDEN and names what was asked for; a region that does not exist is null
 * (asked for by code) or NOT_FOUND (named as a filter).
 */
import type { Viewer } from '../auth/viewer.js';
import { DomainError } from '../platform/errors.js';
import { parseRegionCode } from '../platform/region-code.js';
import type { RegionRecord } from './region-record.js';

/** Batched look-ups of regions (the API passes its per-request DataLoader). */
export interface RegionLookup {
  regionByCode: { load(code: string): Promise<RegionRecord | null> };
}

/** FORBIDDEN unless the region may be seen (in scope, or on the path above the jurisdiction). */
export function requireRegionVisible(viewer: Viewer, code: string, what: string): void {
  if (!viewer.canSeeRegion(code)) viewer.requireInScope(code, what);
}

/** May the viewer follow the relations below this region? (The same rule as requireBelowVisible, as a test.) */
export function canSeeBelow(viewer: Viewer, code: string): boolean {
  return viewer.can('hierarchy:read') && viewer.inScope(code);
}

/** FORBIDDEN unless the viewer may follow the relations below this region. */
export function requireBelowVisible(viewer: Viewer, code: string): void {
  viewer.requireAt('hierarchy:read', code, 'region');
}

/** A region a record refers to (a transaction's region, a region's parent): null when the viewer may not see it or there is none. */
export async function regionIfVisible(viewer: Viewer, lookup: RegionLookup, code: string | null | undefined): Promise<RegionRecord | null> {
  if (!code || !viewer.canSeeRegion(code)) return null;
  return lookup.regionByCode.load(code);
}

/** Of a list of regions (a region's ancestors), those the viewer may see. */
export function regionsVisible<R extends { code: string }>(viewer: Viewer, regions: R[]): R[] {
  return regions.filter((r) => viewer.canSeeRegion(r.code));
}

/** A region asked for by its 12-digit code: needs hierarchy:read, then a region the viewer may see; null when unknown. */
export async function visibleRegion(viewer: Viewer, lookup: RegionLookup, code: string, what: string): Promise<RegionRecord | null> {
  viewer.require('hierarchy:read');
  requireRegionVisible(viewer, code, what);
  return lookup.regionByCode.load(code);
}

/** A region a request names as a filter (12 digits or a prefix): its code; FORBIDDEN out of sight, NOT_FOUND if it does not exist. */
export async function namedRegion(viewer: Viewer, lookup: RegionLookup, input: string, field: string): Promise<string> {
  const code = parseRegionCode(input, field);
  requireRegionVisible(viewer, code, `${field} ${code}`);
  if (!(await lookup.regionByCode.load(code))) throw new DomainError('NOT_FOUND', `no region with code ${code} (${field})`);
  return code;
}
