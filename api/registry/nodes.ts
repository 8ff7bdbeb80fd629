/** node(id:) loaders of the registry's types: the record as the domain lets the caller see it (registry/visible.ts), as its GraphQL object. */
import type { Context } from '../context.js';
import { visibleNode, type RegistryNodeRecord, type RegistryNodeType } from '../../registry/visible.js';
import { AccessLogEntry } from './access-log.type.js';
import { Assessment } from './assessment.type.js';
import { ServiceRecord, Stay } from './care.type.js';
import { Caregiver, StaffAssignment } from './caregiver.type.js';
import { CategoryMembership, Elder, VitalEvent } from './elder.type.js';
import { BedInventory, Facility, FacilityRating } from './facility.type.js';

/** The GraphQL object of each registry type (every type the domain's node rules know, and no other). */
const OBJECTS: { [T in RegistryNodeType]: (record: RegistryNodeRecord<T>) => object } = {
  Elder: Elder.from,
  Facility: Facility.from,
  Caregiver: Caregiver.from,
  Assessment: Assessment.from,
  Stay: Stay.from,
  ServiceRecord: ServiceRecord.from,
  CategoryMembership: CategoryMembership.from,
  VitalEvent: VitalEvent.from,
  FacilityRating: FacilityRating.from,
  BedInventory: BedInventory.from,
  StaffAssignment: StaffAssignment.from,
  AccessLogEntry: AccessLogEntry.from,
};

function registryNode<T extends RegistryNodeType>(type: T) {
  const toObject = OBJECTS[type] as (record: RegistryNodeRecord<T>) => object;
  return async (key: string, ctx: Context): Promise<object | null> => {
    const record = await visibleNode(ctx.viewer, ctx.registryLoaders, type, key);
    return record ? toObject(record) : null;
  };
}

/** Loaders for node(id): FORBIDDEN outside the jurisdiction, null when absent. */
export const registryNodeLoaders: Record<string, (key: string, ctx: Context) => Promise<object | null>> = Object.fromEntries(
  (Object.keys(OBJECTS) as RegistryNodeType[]).map((type) => [type, registryNode(type)]),
);
