/**
 * Who may see which registry record: the scope rules of the registry, written once, here, for single
 * records — applied by visible.ts (node(id:), elder(id:), nested fields, clear values) and commands.ts
 * (the targets of writes), payments/payees.ts and audit/evidence.ts, never by a resolver. Lists apply the same rules in their SQL (every list read of the registry takes the caller's scope prefix and uses inScope below, or inScopeSql where the statement numbers its parameters by hand).
 *
 * - An elder is in scope when the household-registration village (户籍地) or the residence village
 *   (居住地) is: both counties serve the elder.
 * - A facility and a caregiver are in scope by their village or region.
 * - A record that links an elder and a facility (a stay, a service record) is visible when either
 *   side is in scope, or, for a service, the village served; following the link to the other side
 *   is checked on its own.
 *
 * Out of scope is FORBIDDEN, never NOT_FOUND: the message names what was asked for, never where an
 * out-of-scope record is.
 */
import { forbidden, type Viewer } from '../auth/viewer.js';
import type { Permission } from '../auth/roles.js';
import type { AccessLogRecord, CaregiverRecord, ElderRecord, FacilityRecord } from './types.js';
import { elderNo, facilityNo } from './validate.js';
import { raw, sql, type Param, type SqlFragment } from '../platform/sql.js';
import { parseRegionCode, scopePrefixOf } from '../platform/region-code.js';

/** Batched look-ups of the records a rule needs (the API passes its per-request DataLoaders). */
export interface RegistryLookup {
  elder: { load(id: string): Promise<ElderRecord | null> };
  facility: { load(id: string): Promise<FacilityRecord | null> };
}

export const elderInScope = (viewer: Viewer, e: ElderRecord) => viewer.inScope(e.hukouVillageCode) || viewer.inScope(e.residenceVillageCode);

export const facilityInScope = (viewer: Viewer, f: FacilityRecord) => viewer.inScope(f.villageCode);

export function requireElder(viewer: Viewer, e: ElderRecord, permission: Permission = 'registry:read'): void {
  viewer.require(permission);
  if (!elderInScope(viewer, e)) throw forbidden(`elder ${elderNo(e.id)} is outside your jurisdiction ${viewer.jurisdiction}`);
}

export function requireFacility(viewer: Viewer, f: FacilityRecord, permission: Permission = 'registry:read'): void {
  viewer.requireAt(permission, f.villageCode, `facility ${facilityNo(f.id)} in village`);
}

export function requireCaregiver(viewer: Viewer, c: CaregiverRecord, permission: Permission = 'registry:read'): void {
  viewer.requireAt(permission, c.regionCode, 'caregiver in region');
}

/** A record of an elder (membership, vital event): visible with its elder. */
export async function requireElderOf(viewer: Viewer, lookup: RegistryLookup, elderId: string): Promise<void> {
  const e = await lookup.elder.load(elderId);
  if (!e) throw forbidden('record of an unknown elder');
  requireElder(viewer, e);
}

/** A record of a facility (rating, beds, staff): visible with its facility. */
export async function requireFacilityOf(viewer: Viewer, lookup: RegistryLookup, facilityId: string): Promise<void> {
  const f = await lookup.facility.load(facilityId);
  if (!f) throw forbidden('record of an unknown facility');
  requireFacility(viewer, f);
}

/** A stay or service record: visible when the elder, the facility or (for a service) the village served is in scope. */
export async function requireLink(viewer: Viewer, lookup: RegistryLookup, link: { elderId: string; facilityId: string; villageCode?: string }, what: string): Promise<void> {
  if (link.villageCode && viewer.inScope(link.villageCode)) return;
  const [elder, facility] = await Promise.all([lookup.elder.load(link.elderId), lookup.facility.load(link.facilityId)]);
  if ((elder && elderInScope(viewer, elder)) || (facility && facilityInScope(viewer, facility))) return;
  throw forbidden(`${what} concerns neither an elder nor a facility in your jurisdiction ${viewer.jurisdiction}`);
}

/** An access-log entry: visible where the elder is registered or lives. */
export function requireAccessLogEntry(viewer: Viewer, r: AccessLogRecord): void {
  if (!viewer.inScope(r.regionCode) && !viewer.inScope(r.residenceRegionCode)) throw forbidden('access-log entry is outside your jurisdiction');
}

/** A list's region filter (`within`, 12 digits or a prefix): its scope prefix; FORBIDDEN outside the jurisdiction. */
export function withinScope(viewer: Viewer, within: string, field: string): string {
  const code = parseRegionCode(within, field);
  viewer.requireInScope(code, `${field} ${code}`);
  return scopePrefixOf(code);
}

/** A scope prefix as an index range on a region code column: code between prefix and prefix padded with 9s. */
export function inScopeSql(column: string, prefixParam: number): string {
  return `${column} between $${prefixParam} and rpad($${prefixParam}, 12, '9')`;
}

/** inScopeSql as a fragment: `prefix` is a Param, so both ends of the range bind the one parameter. */
export function inScope(column: string, prefix: Param): SqlFragment {
  return sql`${raw(column)} between ${prefix} and rpad(${prefix}, 12, '9')`;
}
