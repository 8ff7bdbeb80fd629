/**
 * Single registry records as a caller may read them: the record by its internal id with the scope
 * rule of access.ts applied — FORBIDDEN outside the jurisdiction, null when absent. The API's
 * queries by id, node(id:), nested references (a stay's elder, an assignment's caregiver) and
 * clear personal values all come through here, so each rule is applied in one place and no
 * resolver decides who may see a record. Lists apply the same rules in their SQL (access.ts).
 */
import { forbidden, type Viewer } from '../auth/viewer.js';
import type { Permission } from '../auth/roles.js';
import { DomainError } from '../platform/errors.js';
import { characters } from '../platform/validate.js';
import {
  elderInScope, requireAccessLogEntry, requireCaregiver, requireElder, requireElderOf, requireFacility, requireFacilityOf, requireLink,
  type RegistryLookup,
} from './access.js';
import type { PersonalField } from './personal/unmask.js';
import type { RegistryService } from './registry.js';
import type {
  AccessLogRecord, Actor, AssessmentRecord, AssignmentRecord, BedInventoryRecord, CaregiverRecord, CategoryMembershipRecord, ElderClear,
  ElderRecord, FacilityRecord, RatingRecord, ServiceRecordRecord, StayRecord, VitalEventRecord,
} from './types.js';

type Loads<T> = { load(id: string): Promise<T | null> };

/**
 * Every batched look-up a single-record read needs (the API passes its per-request DataLoaders,
 * which also hold the per-request quota of clear reads).
 */
export interface RegistryRecords extends RegistryLookup {
  caregiver: Loads<CaregiverRecord>;
  assessment: Loads<AssessmentRecord>;
  stay: Loads<StayRecord>;
  serviceRecord: Loads<ServiceRecordRecord>;
  membership: Loads<CategoryMembershipRecord>;
  vitalEvent: Loads<VitalEventRecord>;
  rating: Loads<RatingRecord>;
  bedInventory: Loads<BedInventoryRecord>;
  assignment: Loads<AssignmentRecord>;
  accessLogEntry: Loads<AccessLogRecord>;
  caregiverAssignments: { load(caregiverId: string): Promise<AssignmentRecord[]> };
  facility: RegistryLookup['facility'] & { loadMany(ids: readonly string[]): Promise<(FacilityRecord | null | Error)[]> };
  unmaskElder(id: string, fields: PersonalField[], reason: string, actor: Actor, scopePrefix: string): Promise<Partial<ElderClear> | null>;
  unmaskCaregiver(id: string, reason: string, actor: Actor, scopePrefix: string): Promise<{ name: string } | null>;
}

/** A registry record's internal id: a positive bigint in decimal. */
export const isRecordId = (key: string) => /^[1-9][0-9]{0,17}$/.test(key);

/** Who reads or writes, as the access log records it. */
export const actorOf = (viewer: Viewer): Actor => ({ subject: viewer.subject, roles: viewer.roles, tokenId: viewer.tokenId });

export async function visibleElder(viewer: Viewer, records: RegistryLookup, id: string): Promise<ElderRecord | null> {
  const record = await records.elder.load(id);
  if (record) requireElder(viewer, record);
  return record;
}

export async function visibleFacility(viewer: Viewer, records: RegistryLookup, id: string): Promise<FacilityRecord | null> {
  const record = await records.facility.load(id);
  if (record) requireFacility(viewer, record);
  return record;
}

export async function visibleCaregiver(viewer: Viewer, records: Pick<RegistryRecords, 'caregiver'>, id: string): Promise<CaregiverRecord | null> {
  const record = await records.caregiver.load(id);
  if (record) requireCaregiver(viewer, record);
  return record;
}

/** An assignment's caregiver: a facility's roster shows its caregivers wherever they are registered; otherwise the caregiver's own rule. */
export async function assignedCaregiver(viewer: Viewer, records: RegistryRecords, a: AssignmentRecord): Promise<CaregiverRecord | null> {
  const [c, f] = await Promise.all([records.caregiver.load(a.caregiverId), records.facility.load(a.facilityId)]);
  if (!(f && viewer.inScope(f.villageCode))) requireCaregiver(viewer, c!);
  return c;
}

/** A caregiver's assignments at facilities in scope: a caregiver of the county may also work elsewhere, and those are not the caller's. */
export async function assignmentsInScope(viewer: Viewer, records: RegistryRecords, caregiverId: string): Promise<AssignmentRecord[]> {
  const assignments = await records.caregiverAssignments.load(caregiverId);
  const facilities = await records.facility.loadMany(assignments.map((a) => a.facilityId));
  return assignments.filter((_, i) => {
    const f = facilities[i];
    return f && !(f instanceof Error) && viewer.inScope(f.villageCode);
  });
}

// ---- clear personal values: the permission and scope first, then the read, logged in its transaction ----

/** A reason is required to read personal values in clear; it is written to the access log. */
function reasonFor(reason: string, what: string, maxCharacters?: number): string {
  if (typeof reason !== 'string' || reason.trim().length === 0) throw new DomainError('BAD_USER_INPUT', `a reason is required to ${what}`, 'reason');
  if (maxCharacters != null && characters(reason.trim()) > maxCharacters) throw new DomainError('BAD_USER_INPUT', `reason must be at most ${maxCharacters} characters`, 'reason');
  return reason.trim();
}

/** The fields asked for of an elder in clear (none asked: nothing read, nothing logged). */
export async function clearElder(viewer: Viewer, records: RegistryRecords, elder: ElderRecord, fields: PersonalField[], reason: string): Promise<Partial<ElderClear>> {
  const why = reasonFor(reason, 'see personal data', 500);
  requireElder(viewer, elder, 'personal:unmask');
  if (!fields.length) return {};
  const clear = await records.unmaskElder(elder.id, fields, why, actorOf(viewer), viewer.scopePrefix);
  if (!clear) throw forbidden('elder is outside your jurisdiction');
  return clear;
}

/** A caregiver's name in clear (the reason's length is checked where it is logged, registry/personal/unmask.ts). */
export async function clearCaregiver(viewer: Viewer, records: RegistryRecords, caregiver: CaregiverRecord, reason: string): Promise<{ name: string }> {
  const why = reasonFor(reason, 'see personal data');
  requireCaregiver(viewer, caregiver, 'personal:unmask');
  const clear = await records.unmaskCaregiver(caregiver.id, why, actorOf(viewer), viewer.scopePrefix);
  if (!clear) throw forbidden('caregiver is outside your jurisdiction');
  return clear;
}

/**
 * An elder by ID number. Confirming that a number belongs to someone is as good as reading it in
 * clear, so it needs personal:unmask and a reason and a hit is logged; an elder registered outside
 * the jurisdiction is null, not FORBIDDEN (the number is not revealed to belong to anyone).
 */
export async function elderByIdNumber(viewer: Viewer, registry: Pick<RegistryService, 'elderByIdNumber'>, records: RegistryRecords, idNumber: string, reason: string): Promise<ElderRecord | null> {
  viewer.require('registry:read');
  viewer.require('personal:unmask');
  const why = reasonFor(reason, 'look an elder up by ID number', 500);
  const record = await registry.elderByIdNumber(idNumber);
  if (!record || !elderInScope(viewer, record)) return null;
  // Logged like any clear read of the ID number, in its own transaction with the quota check.
  await records.unmaskElder(record.id, ['idNumber'], why, actorOf(viewer), viewer.scopePrefix);
  return record;
}

// ---- node(id:) ------------------------------------------------------------------------------------

interface NodeRule<R> {
  permission: Permission;
  load: (records: RegistryRecords) => Loads<R>;
  /** The scope rule of access.ts for this kind (FORBIDDEN outside the jurisdiction). */
  guard: (viewer: Viewer, records: RegistryRecords, record: R) => void | Promise<void>;
}

const rule = <R>(load: NodeRule<R>['load'], guard: NodeRule<R>['guard'], permission: Permission = 'registry:read'): NodeRule<R> => ({ permission, load, guard });
const ofElder = (viewer: Viewer, records: RegistryRecords, r: { elderId: string }) => requireElderOf(viewer, records, r.elderId);
const ofFacility = (viewer: Viewer, records: RegistryRecords, r: { facilityId: string }) => requireFacilityOf(viewer, records, r.facilityId);

const NODE_RULES = {
  Elder: rule((r) => r.elder, (viewer, _, e) => requireElder(viewer, e)),
  Facility: rule((r) => r.facility, (viewer, _, f) => requireFacility(viewer, f)),
  Caregiver: rule((r) => r.caregiver, (viewer, _, c) => requireCaregiver(viewer, c)),
  // An assessment whose elder is gone is shown as it is (the elder's own rules no longer apply).
  Assessment: rule((r) => r.assessment, async (viewer, records, a) => {
    const elder = await records.elder.load(a.elderId);
    if (elder) requireElder(viewer, elder);
  }),
  Stay: rule((r) => r.stay, (viewer, records, s) => requireLink(viewer, records, { elderId: s.elderId, facilityId: s.facilityId }, `stay ${s.id}`)),
  ServiceRecord: rule((r) => r.serviceRecord, (viewer, records, s) => requireLink(viewer, records, s, `service record ${s.id}`)),
  CategoryMembership: rule((r) => r.membership, ofElder),
  VitalEvent: rule((r) => r.vitalEvent, ofElder),
  FacilityRating: rule((r) => r.rating, ofFacility),
  BedInventory: rule((r) => r.bedInventory, ofFacility),
  StaffAssignment: rule((r) => r.assignment, ofFacility),
  AccessLogEntry: rule((r) => r.accessLogEntry, (viewer, _, e) => requireAccessLogEntry(viewer, e), 'access-log:read'),
};

export type RegistryNodeType = keyof typeof NODE_RULES;
export type RegistryNodeRecord<T extends RegistryNodeType> = (typeof NODE_RULES)[T] extends NodeRule<infer R> ? R : never;

/** node(id:) of a registry type: the permission first, then the record (null when the key is malformed or absent), then its scope rule. */
export async function visibleNode<T extends RegistryNodeType>(viewer: Viewer, records: RegistryRecords, type: T, key: string): Promise<RegistryNodeRecord<T> | null> {
  const nodeRule = NODE_RULES[type] as unknown as NodeRule<RegistryNodeRecord<T>>;
  viewer.require(nodeRule.permission);
  const record = isRecordId(key) ? await nodeRule.load(records).load(key) : null;
  if (!record) return null;
  await nodeRule.guard(viewer, records, record);
  return record;
}
