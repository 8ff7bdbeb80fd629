/** Fields of Caregiver (护理员), StaffAssignment, Stay (入住) and ServiceRecord (服务记录). */
import { Arg, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { Authorized } from '../authorization.js';
import type { Context } from '../context.js';
import { badUserInput } from '../errors.js';
import { forbidden } from '../../auth/viewer.js';
import { requireCaregiver, requireElder, requireFacility } from '../../registry/access.js';
import { ServiceRecord, ServiceType, Stay } from './care.type.js';
import { Caregiver, CaregiverPersonalData, StaffAssignment } from './caregiver.type.js';
import { Elder } from './elder.type.js';
import { Facility } from './facility.type.js';

import {
  actorOf,
} from './shared.js';

// ---- Caregiver, StaffAssignment, Stay, ServiceRecord fields ----------------------------------------------

@Resolver(() => Caregiver)
export class CaregiverResolver {
  @FieldResolver(() => CaregiverPersonalData, { nullable: true, description: 'The clear name (needs personal:unmask and a reason; logged).' })
  @Authorized('personal:unmask')
  async personal(@Root() caregiver: Caregiver, @Arg('reason', { description: '查看理由: why personal data is needed in clear; written to the access log (PERSONAL_DATA_IN_TEXT refuses ID and phone numbers).' }) reason: string, @Ctx() ctx: Context): Promise<CaregiverPersonalData> {
    if (typeof reason !== 'string' || reason.trim().length === 0) throw badUserInput('a reason is required to see personal data', 'reason');
    requireCaregiver(ctx.viewer, caregiver.record, 'personal:unmask');
    const clear = await ctx.registryLoaders.unmaskCaregiver(caregiver.record.id, reason.trim(), actorOf(ctx), ctx.viewer.scopePrefix);
    if (!clear) throw forbidden('caregiver is outside your jurisdiction');
    return Object.assign(new CaregiverPersonalData(), clear);
  }

  @FieldResolver(() => [StaffAssignment], { description: 'Monthly assignments, oldest first (at facilities in your jurisdiction).' })
  async assignments(@Root() caregiver: Caregiver, @Ctx() ctx: Context): Promise<StaffAssignment[]> {
    // A caregiver of the county may also work at facilities elsewhere: those assignments are not the caller's.
    const assignments = await ctx.registryLoaders.caregiverAssignments.load(caregiver.record.id);
    const facilities = await ctx.registryLoaders.facility.loadMany(assignments.map((a) => a.facilityId));
    return assignments.filter((_, i) => { const f = facilities[i]; return f && !(f instanceof Error) && ctx.viewer.inScope(f.villageCode); }).map(StaffAssignment.from);
  }
}

@Resolver(() => StaffAssignment)
export class StaffAssignmentResolver {
  @FieldResolver(() => Caregiver, { nullable: true, description: 'Visible when the assignment’s facility or the caregiver’s region is in your jurisdiction; otherwise null with a FORBIDDEN error.' })
  async caregiver(@Root() a: StaffAssignment, @Ctx() ctx: Context): Promise<Caregiver> {
    const [c, f] = await Promise.all([ctx.registryLoaders.caregiver.load(a.record.caregiverId), ctx.registryLoaders.facility.load(a.record.facilityId)]);
    // A facility's roster shows its caregivers, wherever they are registered.
    if (!(f && ctx.viewer.inScope(f.villageCode))) requireCaregiver(ctx.viewer, c!);
    return Caregiver.from(c!);
  }

  @FieldResolver(() => Facility, { nullable: true, description: 'Null with a FORBIDDEN error outside your jurisdiction.' })
  async facility(@Root() a: StaffAssignment, @Ctx() ctx: Context): Promise<Facility> {
    const f = await ctx.registryLoaders.facility.load(a.record.facilityId);
    requireFacility(ctx.viewer, f!);
    return Facility.from(f!);
  }
}

@Resolver(() => Stay)
export class StayResolver {
  @FieldResolver(() => Elder, { nullable: true, description: 'The resident; null with a FORBIDDEN error when outside your jurisdiction.' })
  async elder(@Root() s: Stay, @Ctx() ctx: Context): Promise<Elder> {
    const e = await ctx.registryLoaders.elder.load(s.record.elderId);
    requireElder(ctx.viewer, e!);
    return Elder.from(e!);
  }

  @FieldResolver(() => Facility, { nullable: true, description: 'The facility; null with a FORBIDDEN error when outside your jurisdiction.' })
  async facility(@Root() s: Stay, @Ctx() ctx: Context): Promise<Facility> {
    const f = await ctx.registryLoaders.facility.load(s.record.facilityId);
    requireFacility(ctx.viewer, f!);
    return Facility.from(f!);
  }
}

@Resolver(() => ServiceRecord)
export class ServiceRecordResolver {
  @FieldResolver(() => Elder, { nullable: true, description: 'The elder served; null with a FORBIDDEN error when outside your jurisdiction.' })
  async elder(@Root() r: ServiceRecord, @Ctx() ctx: Context): Promise<Elder> {
    const e = await ctx.registryLoaders.elder.load(r.record.elderId);
    requireElder(ctx.viewer, e!);
    return Elder.from(e!);
  }

  @FieldResolver(() => Facility, { nullable: true, description: 'The provider; null with a FORBIDDEN error when outside your jurisdiction.' })
  async provider(@Root() r: ServiceRecord, @Ctx() ctx: Context): Promise<Facility> {
    const f = await ctx.registryLoaders.facility.load(r.record.facilityId);
    requireFacility(ctx.viewer, f!);
    return Facility.from(f!);
  }

  @FieldResolver(() => ServiceType, { nullable: true, description: 'The service type’s reference entry (names, bundles).' })
  async serviceTypeInfo(@Root() r: ServiceRecord, @Ctx() ctx: Context): Promise<ServiceType | null> {
    const found = (await ctx.registryLoaders.serviceTypes()).find((t) => t.code === r.serviceType);
    return found ? Object.assign(new ServiceType(), found) : null;
  }
}
