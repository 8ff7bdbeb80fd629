/** Fields of Caregiver (护理员), StaffAssignment, Stay (入住) and ServiceRecord (服务记录). */
import { Arg, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { Authorized } from '../authorization.js';
import type { Context } from '../context.js';
import { assignedCaregiver, assignmentsInScope, clearCaregiver, visibleElder, visibleFacility } from '../../registry/visible.js';
import { ServiceRecord, ServiceType, Stay } from './care.type.js';
import { Caregiver, CaregiverPersonalData, StaffAssignment } from './caregiver.type.js';
import { Elder } from './elder.type.js';
import { Facility } from './facility.type.js';

// ---- Caregiver, StaffAssignment, Stay, ServiceRecord fields ----------------------------------------------

@Resolver(() => Caregiver)
export class CaregiverResolver {
  @FieldResolver(() => CaregiverPersonalData, { nullable: true, description: 'The clear name (needs personal:unmask and a reason; logged).' })
  @Authorized('personal:unmask')
  async personal(@Root() caregiver: Caregiver, @Arg('reason', { description: '查看理由: why personal data is needed in clear; written to the access log (PERSONAL_DATA_IN_TEXT refuses ID and phone numbers).' }) reason: string, @Ctx() ctx: Context): Promise<CaregiverPersonalData> {
    return Object.assign(new CaregiverPersonalData(), await clearCaregiver(ctx.viewer, ctx.registryLoaders, caregiver.record, reason));
  }

  @FieldResolver(() => [StaffAssignment], { description: 'Monthly assignments, oldest first (at facilities in your jurisdiction).' })
  async assignments(@Root() caregiver: Caregiver, @Ctx() ctx: Context): Promise<StaffAssignment[]> {
    return (await assignmentsInScope(ctx.viewer, ctx.registryLoaders, caregiver.record.id)).map(StaffAssignment.from);
  }
}

@Resolver(() => StaffAssignment)
export class StaffAssignmentResolver {
  @FieldResolver(() => Caregiver, { nullable: true, description: 'Visible when the assignment’s facility or the caregiver’s region is in your jurisdiction; otherwise null with a FORBIDDEN error.' })
  async caregiver(@Root() a: StaffAssignment, @Ctx() ctx: Context): Promise<Caregiver> {
    return Caregiver.from((await assignedCaregiver(ctx.viewer, ctx.registryLoaders, a.record))!);
  }

  @FieldResolver(() => Facility, { nullable: true, description: 'Null with a FORBIDDEN error outside your jurisdiction.' })
  async facility(@Root() a: StaffAssignment, @Ctx() ctx: Context): Promise<Facility> {
    return Facility.from((await visibleFacility(ctx.viewer, ctx.registryLoaders, a.record.facilityId))!);
  }
}

@Resolver(() => Stay)
export class StayResolver {
  @FieldResolver(() => Elder, { nullable: true, description: 'The resident; null with a FORBIDDEN error when outside your jurisdiction.' })
  async elder(@Root() s: Stay, @Ctx() ctx: Context): Promise<Elder> {
    return Elder.from((await visibleElder(ctx.viewer, ctx.registryLoaders, s.record.elderId))!);
  }

  @FieldResolver(() => Facility, { nullable: true, description: 'The facility; null with a FORBIDDEN error when outside your jurisdiction.' })
  async facility(@Root() s: Stay, @Ctx() ctx: Context): Promise<Facility> {
    return Facility.from((await visibleFacility(ctx.viewer, ctx.registryLoaders, s.record.facilityId))!);
  }
}

@Resolver(() => ServiceRecord)
export class ServiceRecordResolver {
  @FieldResolver(() => Elder, { nullable: true, description: 'The elder served; null with a FORBIDDEN error when outside your jurisdiction.' })
  async elder(@Root() r: ServiceRecord, @Ctx() ctx: Context): Promise<Elder> {
    return Elder.from((await visibleElder(ctx.viewer, ctx.registryLoaders, r.record.elderId))!);
  }

  @FieldResolver(() => Facility, { nullable: true, description: 'The provider; null with a FORBIDDEN error when outside your jurisdiction.' })
  async provider(@Root() r: ServiceRecord, @Ctx() ctx: Context): Promise<Facility> {
    return Facility.from((await visibleFacility(ctx.viewer, ctx.registryLoaders, r.record.facilityId))!);
  }

  @FieldResolver(() => ServiceType, { nullable: true, description: 'The service type’s reference entry (names, bundles).' })
  async serviceTypeInfo(@Root() r: ServiceRecord, @Ctx() ctx: Context): Promise<ServiceType | null> {
    const found = (await ctx.registryLoaders.serviceTypes()).find((t) => t.code === r.serviceType);
    return found ? Object.assign(new ServiceType(), found) : null;
  }
}
