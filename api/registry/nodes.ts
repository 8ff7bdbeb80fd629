/** node(id:) loaders of the registry's types: one builder, one table (permission, record, scope rule of registry/access.ts, object). */
import type { Context } from '../context.js';
import type { Permission } from '../../auth/roles.js';
import type {
  AccessLogRecord, AssessmentRecord, BedInventoryRecord, CaregiverRecord, CategoryMembershipRecord, ElderRecord, RatingRecord,
  FacilityRecord, ServiceRecordRecord, AssignmentRecord, StayRecord, VitalEventRecord,
} from '../../registry/types.js';
import { requireAccessLogEntry, requireCaregiver, requireElder, requireElderOf, requireFacility, requireFacilityOf, requireLink } from '../../registry/access.js';
import { AccessLogEntry } from './access-log.type.js';
import { Assessment } from './assessment.type.js';
import { ServiceRecord, Stay } from './care.type.js';
import { Caregiver, StaffAssignment } from './caregiver.type.js';
import { CategoryMembership, Elder, VitalEvent } from './elder.type.js';
import { BedInventory, Facility, FacilityRating } from './facility.type.js';

import {
  isId,
} from './shared.js';

/** The registry loaders that batch records by internal id. */
type RegistryLoaderName = 'elder' | 'facility' | 'caregiver' | 'assessment' | 'stay' | 'serviceRecord' | 'membership' | 'vitalEvent' | 'rating' | 'bedInventory' | 'assignment' | 'accessLogEntry';

/**
 * A node(id) loader of one registry type: the permission, the record by its internal id (null when
 * absent), the scope rule of registry/access.ts (FORBIDDEN outside the jurisdiction), the GraphQL object.
 */
function registryNode<R>(loader: RegistryLoaderName, guard: (ctx: Context, record: R) => void | Promise<void>, toObject: (record: R) => object, permission: Permission = 'registry:read') {
  return async (key: string, ctx: Context): Promise<object | null> => {
    ctx.viewer.require(permission);
    const record = isId(key) ? ((await ctx.registryLoaders[loader].load(key)) as R | null) : null;
    if (!record) return null;
    await guard(ctx, record);
    return toObject(record);
  };
}

const ofElder = (ctx: Context, r: { elderId: string }) => requireElderOf(ctx.viewer, ctx.registryLoaders, r.elderId);
const ofFacility = (ctx: Context, r: { facilityId: string }) => requireFacilityOf(ctx.viewer, ctx.registryLoaders, r.facilityId);

/** Loaders for node(id): FORBIDDEN outside the jurisdiction, null when absent. */
export const registryNodeLoaders: Record<string, (key: string, ctx: Context) => Promise<object | null>> = {
  Elder: registryNode<ElderRecord>('elder', (ctx, r) => requireElder(ctx.viewer, r), Elder.from),
  Facility: registryNode<FacilityRecord>('facility', (ctx, r) => requireFacility(ctx.viewer, r), Facility.from),
  Caregiver: registryNode<CaregiverRecord>('caregiver', (ctx, r) => requireCaregiver(ctx.viewer, r), Caregiver.from),
  // An assessment whose elder is gone is shown as it is (the elder's own rules no longer apply).
  Assessment: registryNode<AssessmentRecord>('assessment', async (ctx, r) => {
    const elder = await ctx.registryLoaders.elder.load(r.elderId);
    if (elder) requireElder(ctx.viewer, elder);
  }, Assessment.from),
  Stay: registryNode<StayRecord>('stay', (ctx, r) => requireLink(ctx.viewer, ctx.registryLoaders, { elderId: r.elderId, facilityId: r.facilityId }, `stay ${r.id}`), Stay.from),
  ServiceRecord: registryNode<ServiceRecordRecord>('serviceRecord', (ctx, r) => requireLink(ctx.viewer, ctx.registryLoaders, r, `service record ${r.id}`), ServiceRecord.from),
  CategoryMembership: registryNode<CategoryMembershipRecord>('membership', ofElder, CategoryMembership.from),
  VitalEvent: registryNode<VitalEventRecord>('vitalEvent', ofElder, VitalEvent.from),
  FacilityRating: registryNode<RatingRecord>('rating', ofFacility, FacilityRating.from),
  BedInventory: registryNode<BedInventoryRecord>('bedInventory', ofFacility, BedInventory.from),
  StaffAssignment: registryNode<AssignmentRecord>('assignment', ofFacility, StaffAssignment.from),
  AccessLogEntry: registryNode<AccessLogRecord>('accessLogEntry', (ctx, r) => requireAccessLogEntry(ctx.viewer, r), AccessLogEntry.from, 'access-log:read'),
};
