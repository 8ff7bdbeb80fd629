/**
 * The registry over GraphQL. Transport only: parse arguments, call one domain function, map the
 * result. Permissions are declared (@Authorized); who may see or write which record is the
 * domain's, applied once there:
 *  - single objects (by id, node(id), nested references) outside the jurisdiction → FORBIDDEN
 *    (registry/visible.ts, with the rules of registry/access.ts);
 *  - lists are filtered to the jurisdiction in SQL, and a `within` filter outside it → FORBIDDEN;
 *  - writes check the villages and records they name, then write (registry/commands.ts);
 *  - personal values in clear need `personal:unmask` and a reason, and are logged;
 *  - assessment details need `health:read`; payments need `ledger:read`.
 */
import { Arg, Args, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { Authorized } from '../authorization.js';
import type { Context } from '../context.js';
import { badUserInput } from '../errors.js';
import { fromGlobalId, PageArgs } from '../relay.js';
import { elderByIdNumber, visibleCaregiver, visibleElder, visibleFacility } from '../../registry/visible.js';
import * as v from '../../registry/validate.js';
import { AccessLogConnection, AccessLogConnectionTypes, AccessLogEntry } from './access-log.type.js';
import { Assessment, RecordAssessmentInput } from './assessment.type.js';
import { AdmitInput, DefineServiceTypeInput, DischargeInput, RecordServiceInput, ServiceRecord, ServiceType, Stay } from './care.type.js';
import { AssignCaregiverInput, Caregiver, CaregiverConnection, CaregiverConnectionTypes, RegisterCaregiverInput, StaffAssignment } from './caregiver.type.js';
import { ReferenceEntry } from './common.type.js';
import { AddCategoryInput, CategoryMembership, Elder, ElderConnection, ElderConnectionTypes, EndCategoryInput, RecordVitalStatusInput, RegisterElderInput, UpdateElderInput, VitalEvent } from './elder.type.js';
import { BedInventory, Facility, FacilityConnection, FacilityConnectionTypes, FacilityRating, FacilityStaffing, FacilityStaffingConnection, FacilityStaffingConnectionTypes, RateFacilityInput, RecordBedInventoryInput, RegisterFacilityInput, Staffing, UpdateFacilityInput } from './facility.type.js';

import {
  isId,
  page,
  internalId,
  dateArg,
  monthArg,
  withinPrefix,
  ElderFilterInput,
  FacilityFilterInput,
  AccessLogFilterInput,
  StaffingArgs,
} from './shared.js';
import { ElderResolver, AssessmentResolver } from './elder.resolver.js';
import { FacilityResolver } from './facility.resolver.js';
import { CaregiverResolver, StaffAssignmentResolver, StayResolver, ServiceRecordResolver } from './care.resolver.js';
import { LedgerPayeeResolver } from './payee.resolver.js';

// ---- queries and mutations --------------------------------------------------------------------------

@Resolver()
export class RegistryResolver {
  @Query(() => Elder, { nullable: true, description: 'An elder by global id; null if none; FORBIDDEN outside your jurisdiction.' })
  @Authorized('registry:read')
  async elder(@Arg('id', () => ID, { description: 'Global id of the elder.' }) id: string, @Ctx() ctx: Context): Promise<Elder | null> {
    const r = await visibleElder(ctx.viewer, ctx.registryLoaders, internalId(id, 'Elder', 'id'));
    return r && Elder.from(r);
  }

  @Query(() => Elder, {
    nullable: true,
    description:
      'An elder by ID number (looked up by its keyed hash; 15-digit numbers are converted). Confirming that a number belongs to ' +
      'someone is as good as reading it in clear (the masked form, birth month and check character leave a handful of candidates), ' +
      'so it needs personal:unmask and a reason, and a hit is written to the access log. Null when no elder with this number is ' +
      'registered in your jurisdiction — an elder registered elsewhere is not revealed.',
  })
  @Authorized('registry:read', 'personal:unmask')
  async elderByIdNumber(@Arg('idNumber', { description: '身份证号: the 18-character ID number (GB 11643) to look up.' }) idNumber: string, @Arg('reason', { description: '查询理由: why, written to the access log.' }) reason: string, @Ctx() ctx: Context): Promise<Elder | null> {
    const r = await elderByIdNumber(ctx.viewer, ctx.registry, ctx.registryLoaders, idNumber, reason);
    return r && Elder.from(r);
  }

  @Query(() => ElderConnection, { description: 'Elders in your jurisdiction (household or residence village), in registration order.' })
  @Authorized('registry:read')
  async elders(
    @Arg('filter', () => ElderFilterInput, { nullable: true, description: 'Which elders; all given conditions must hold.' }) filter: ElderFilterInput | null,
    @Args(() => PageArgs) args: PageArgs,
    @Ctx() ctx: Context,
  ): Promise<ElderConnection> {
    const resolved = page(args);
    const f = filter ?? {};
    const asOf = dateArg(f.asOf, 'filter.asOf');
    let min = f.minAge ?? null;
    let max = f.maxAge ?? null;
    if (f.ageBand) {
      const [lo, hi] = { ACTIVE_60_69: [60, 69], COMFORT_70_79: [70, 79], SECURE_80_PLUS: [80, null] }[f.ageBand] as [number, number | null];
      min = Math.max(min ?? 0, lo);
      max = hi == null ? max : Math.min(max ?? hi, hi);
    }
    if (f.category != null && !(await ctx.registry.categories()).some((c) => c.code === f.category)) {
      throw badUserInput(`unknown category ${f.category} (see specialCategories)`, 'filter.category');
    }
    if (min != null) v.intRange(min, 'filter.minAge', 0, 150);
    if (max != null) v.intRange(max, 'filter.maxAge', 0, 150);
    const query = {
      scopePrefix: ctx.viewer.scopePrefix,
      within: withinPrefix(ctx, f.within, 'filter.within'),
      sex: f.sex ?? null,
      minAge: min,
      maxAge: max,
      category: f.category ?? null,
      vitalStatus: f.vitalStatus ?? null,
      asOf,
    };
    const rows = resolved.first === 0 ? [] : await ctx.registry.listElders(query, resolved);
    for (const row of rows) ctx.registryLoaders.elder.prime(row.id, row);
    return ElderConnectionTypes.build(rows.map(Elder.from), resolved, (e) => e.record.id, () => ctx.registry.countElders(query));
  }

  @Query(() => Facility, { nullable: true, description: 'A facility by global id; FORBIDDEN outside your jurisdiction.' })
  @Authorized('registry:read')
  async facility(@Arg('id', () => ID, { description: 'Global id of the facility.' }) id: string, @Ctx() ctx: Context): Promise<Facility | null> {
    const r = await visibleFacility(ctx.viewer, ctx.registryLoaders, internalId(id, 'Facility', 'id'));
    return r && Facility.from(r);
  }

  @Query(() => FacilityConnection, { description: 'Facilities in your jurisdiction, in registration order.' })
  @Authorized('registry:read')
  async facilities(
    @Arg('filter', () => FacilityFilterInput, { nullable: true, description: 'Which facilities; all given conditions must hold.' }) filter: FacilityFilterInput | null,
    @Args(() => PageArgs) args: PageArgs,
    @Ctx() ctx: Context,
  ): Promise<FacilityConnection> {
    const resolved = page(args);
    const query = {
      scopePrefix: ctx.viewer.scopePrefix,
      within: withinPrefix(ctx, filter?.within, 'filter.within'),
      type: filter?.type ?? null,
      status: filter?.status ?? null,
      operatingModel: filter?.operatingModel ?? null,
    };
    const rows = resolved.first === 0 ? [] : await ctx.registry.listFacilities(query, resolved);
    for (const row of rows) ctx.registryLoaders.facility.prime(row.id, row);
    return FacilityConnectionTypes.build(rows.map(Facility.from), resolved, (f) => f.record.id, () => ctx.registry.countFacilities(query));
  }

  @Query(() => Caregiver, { nullable: true, description: 'A caregiver by global id; FORBIDDEN outside your jurisdiction.' })
  @Authorized('registry:read')
  async caregiver(@Arg('id', () => ID, { description: 'Global id of the caregiver.' }) id: string, @Ctx() ctx: Context): Promise<Caregiver | null> {
    const r = await visibleCaregiver(ctx.viewer, ctx.registryLoaders, internalId(id, 'Caregiver', 'id'));
    return r && Caregiver.from(r);
  }

  @Query(() => CaregiverConnection, { description: 'Caregivers registered in your jurisdiction.' })
  @Authorized('registry:read')
  async caregivers(
    @Arg('within', () => String, { nullable: true, description: 'Region subtree to look in (12-digit code or prefix); default the caller’s jurisdiction.' }) within: string | null,
    @Arg('certified', () => Boolean, { nullable: true, description: 'true: only caregivers with a certificate; false: only those without; omitted: all.' }) certified: boolean | null,
    @Args(() => PageArgs) args: PageArgs,
    @Ctx() ctx: Context,
  ): Promise<CaregiverConnection> {
    const resolved = page(args);
    const query = { scopePrefix: ctx.viewer.scopePrefix, within: withinPrefix(ctx, within), certified };
    const rows = resolved.first === 0 ? [] : await ctx.registry.listCaregivers(query, resolved);
    return CaregiverConnectionTypes.build(rows.map(Caregiver.from), resolved, (c) => c.record.id, () => ctx.registry.countCaregivers(query));
  }

  @Query(() => FacilityStaffingConnection, { description: '1:10 staffing per facility for a month: facilities in your jurisdiction with residents or caregivers that month.' })
  @Authorized('registry:read')
  async staffingRatios(@Args(() => StaffingArgs) args: StaffingArgs, @Ctx() ctx: Context): Promise<FacilityStaffingConnection> {
    const resolved = page(args);
    const month = monthArg(args.month, 'month');
    const query = { scopePrefix: ctx.viewer.scopePrefix, within: withinPrefix(ctx, args.within), month, belowStandardOnly: args.belowStandardOnly };
    const rows = resolved.first === 0 ? [] : await ctx.registry.staffingList(query, resolved);
    const facilities = await Promise.all(rows.map((r) => ctx.registryLoaders.facility.load(r.facilityId)));
    const items = rows.map((r, i) => Object.assign(new FacilityStaffing(), { facility: Facility.from(facilities[i]!), staffing: Staffing.from(r) }));
    return FacilityStaffingConnectionTypes.build(items, resolved, (s) => s.facility.record.id, () => ctx.registry.countStaffing(query));
  }

  @Query(() => [ReferenceEntry], { description: '特殊群体类别: the special categories an elder may hold (reference data).' })
  @Authorized('registry:read')
  async specialCategories(@Ctx() ctx: Context): Promise<ReferenceEntry[]> {
    return (await ctx.registry.categories()).map((r) => Object.assign(new ReferenceEntry(), r));
  }

  @Query(() => [ReferenceEntry], { description: '设施类型: facility types (reference data).' })
  @Authorized('registry:read')
  async facilityTypes(@Ctx() ctx: Context): Promise<ReferenceEntry[]> {
    return (await ctx.registry.facilityTypes()).map((r) => Object.assign(new ReferenceEntry(), r));
  }

  @Query(() => [ServiceType], { description: '服务类型: configurable service types (the six assists 六助 are bundle SIX_ASSISTS).' })
  @Authorized('registry:read')
  async serviceTypes(@Ctx() ctx: Context): Promise<ServiceType[]> {
    return (await ctx.registry.serviceTypes()).map((r) => Object.assign(new ServiceType(), r));
  }

  @Query(() => AccessLogConnection, { description: '个人信息查阅日志: clear-text accesses to personal data of records in your jurisdiction, and exports of its books (needs access-log:read).' })
  @Authorized('access-log:read')
  async accessLog(
    @Arg('filter', () => AccessLogFilterInput, { nullable: true, description: 'Which access-log entries (by subject, record, time).' }) filter: AccessLogFilterInput | null,
    @Args(() => PageArgs) args: PageArgs,
    @Ctx() ctx: Context,
  ): Promise<AccessLogConnection> {
    const resolved = page(args);
    let entityType: string | null = null;
    let entityId: string | null = null;
    if (filter?.entityId) {
      const decoded = fromGlobalId(filter.entityId, 'filter.entityId');
      if (!['Elder', 'Caregiver'].includes(decoded.type) || !isId(decoded.key)) throw badUserInput('entityId must be an Elder or Caregiver id', 'filter.entityId');
      entityType = decoded.type;
      entityId = decoded.key;
    }
    const ts = (value: string | null | undefined, field: string) => (value == null ? null : v.isoDateTime(value, field));
    const subject = filter?.subject == null ? null : v.text(filter.subject, 'filter.subject', 200);
    const query = { scopePrefix: ctx.viewer.scopePrefix, subject, entityType, entityId, from: ts(filter?.from, 'filter.from'), to: ts(filter?.to, 'filter.to') };
    const rows = resolved.first === 0 ? [] : await ctx.registry.accessLog(query, resolved);
    return AccessLogConnectionTypes.build(rows.map(AccessLogEntry.from), resolved, (e) => e.recordId, () => ctx.registry.countAccessLog(query));
  }

  // ---- mutations ----

  @Mutation(() => Elder, { description: 'Register an elder (needs registry:write in the household and the residence village). A registered ID number → ALREADY_EXISTS.' })
  @Authorized('registry:write')
  async registerElder(@Arg('input', () => RegisterElderInput, { description: 'The mutation’s input (each field described on its input type).' }) input: RegisterElderInput, @Ctx() ctx: Context): Promise<Elder> {
    return Elder.from(await ctx.registryCommands.registerElder(input));
  }

  @Mutation(() => Elder, { description: 'Change an elder’s name, phone or villages (registry:write; the elder in your jurisdiction, and for a move the current and the new village).' })
  async updateElder(@Arg('id', () => ID, { description: 'Global id of the elder to change.' }) id: string, @Arg('input', () => UpdateElderInput, { description: 'The mutation’s input (each field described on its input type).' }) input: UpdateElderInput, @Ctx() ctx: Context): Promise<Elder> {
    return Elder.from(await ctx.registryCommands.updateElder(id, input));
  }

  @Mutation(() => CategoryMembership, { description: 'Append a special-category membership (registry:verify).' })
  async addElderCategory(@Arg('input', () => AddCategoryInput, { description: 'The mutation’s input (each field described on its input type).' }) input: AddCategoryInput, @Ctx() ctx: Context): Promise<CategoryMembership> {
    return CategoryMembership.from(await ctx.registryCommands.addCategory(input));
  }

  @Mutation(() => CategoryMembership, { description: 'End a membership by appending an end record (registry:verify).' })
  @Authorized('registry:verify')
  async endElderCategory(@Arg('input', () => EndCategoryInput, { description: 'The mutation’s input (each field described on its input type).' }) input: EndCategoryInput, @Ctx() ctx: Context): Promise<CategoryMembership> {
    return CategoryMembership.from(await ctx.registryCommands.endCategory(input));
  }

  @Mutation(() => VitalEvent, { description: 'Append a vital-status report: death with date and source, or alive (registry:verify).' })
  async recordVitalStatus(@Arg('input', () => RecordVitalStatusInput, { description: 'The mutation’s input (each field described on its input type).' }) input: RecordVitalStatusInput, @Ctx() ctx: Context): Promise<VitalEvent> {
    return VitalEvent.from(await ctx.registryCommands.recordVitalStatus({ ...input, source: input.source as never }));
  }

  @Mutation(() => Assessment, { description: 'Record a GB/T 42195-2022 capability assessment; the level is computed (registry:write).' })
  async recordAssessment(@Arg('input', () => RecordAssessmentInput, { description: 'The mutation’s input (each field described on its input type).' }) input: RecordAssessmentInput, @Ctx() ctx: Context): Promise<Assessment> {
    const { items, ...rest } = input;
    return Assessment.from(await ctx.registryCommands.recordAssessment({ ...rest, items: { ...items }, diagnoses: input.diagnoses ?? [], riskEventCount: input.riskEventCount ?? 0 }));
  }

  @Mutation(() => Facility, { description: 'Register a facility (registry:write in its village).' })
  @Authorized('registry:write')
  async registerFacility(@Arg('input', () => RegisterFacilityInput, { description: 'The mutation’s input (each field described on its input type).' }) input: RegisterFacilityInput, @Ctx() ctx: Context): Promise<Facility> {
    return Facility.from(await ctx.registryCommands.registerFacility(input));
  }

  @Mutation(() => Facility, { description: 'Change a facility (registry:write).' })
  async updateFacility(@Arg('id', () => ID, { description: 'Global id of the facility to change.' }) id: string, @Arg('input', () => UpdateFacilityInput, { description: 'The mutation’s input (each field described on its input type).' }) input: UpdateFacilityInput, @Ctx() ctx: Context): Promise<Facility> {
    return Facility.from(await ctx.registryCommands.updateFacility(id, input));
  }

  @Mutation(() => FacilityRating, { description: 'Append a star rating (registry:write).' })
  async rateFacility(@Arg('input', () => RateFacilityInput, { description: 'The mutation’s input (each field described on its input type).' }) input: RateFacilityInput, @Ctx() ctx: Context): Promise<FacilityRating> {
    return FacilityRating.from(await ctx.registryCommands.rateFacility(input));
  }

  @Mutation(() => BedInventory, { description: 'Append a bed-inventory snapshot (registry:write).' })
  async recordBedInventory(@Arg('input', () => RecordBedInventoryInput, { description: 'The mutation’s input (each field described on its input type).' }) input: RecordBedInventoryInput, @Ctx() ctx: Context): Promise<BedInventory> {
    return BedInventory.from(await ctx.registryCommands.recordBedInventory(input));
  }

  @Mutation(() => Caregiver, { description: 'Register a caregiver (registry:write in the region).' })
  @Authorized('registry:write')
  async registerCaregiver(@Arg('input', () => RegisterCaregiverInput, { description: 'The mutation’s input (each field described on its input type).' }) input: RegisterCaregiverInput, @Ctx() ctx: Context): Promise<Caregiver> {
    return Caregiver.from(await ctx.registryCommands.registerCaregiver(input));
  }

  @Mutation(() => StaffAssignment, { description: 'Assign a caregiver to a facility for a month (registry:write; both in your jurisdiction).' })
  async assignCaregiver(@Arg('input', () => AssignCaregiverInput, { description: 'The mutation’s input (each field described on its input type).' }) input: AssignCaregiverInput, @Ctx() ctx: Context): Promise<StaffAssignment> {
    return StaffAssignment.from(await ctx.registryCommands.assignCaregiver(input));
  }

  @Mutation(() => Stay, { description: 'Admit an elder to a facility; an overlapping stay → STAY_OVERLAP (registry:write; both in your jurisdiction).' })
  async admitElder(@Arg('input', () => AdmitInput, { description: 'The mutation’s input (each field described on its input type).' }) input: AdmitInput, @Ctx() ctx: Context): Promise<Stay> {
    return Stay.from(await ctx.registryCommands.admit(input));
  }

  @Mutation(() => Stay, { description: 'End an open stay (registry:write at the facility).' })
  @Authorized('registry:write')
  async dischargeElder(@Arg('input', () => DischargeInput, { description: 'The mutation’s input (each field described on its input type).' }) input: DischargeInput, @Ctx() ctx: Context): Promise<Stay> {
    return Stay.from(await ctx.registryCommands.discharge(input));
  }

  @Mutation(() => ServiceType, { description: 'Add or change a service type of the city’s configurable list (registry:write with a city-wide or wider jurisdiction).' })
  @Authorized('registry:write')
  async defineServiceType(@Arg('input', () => DefineServiceTypeInput, { description: 'The mutation’s input (each field described on its input type).' }) input: DefineServiceTypeInput, @Ctx() ctx: Context): Promise<ServiceType> {
    return Object.assign(new ServiceType(), await ctx.registryCommands.defineServiceType(input));
  }

  @Mutation(() => ServiceRecord, { description: 'Record a service delivered to an elder (registry:verify; the elder in your jurisdiction).' })
  async recordService(@Arg('input', () => RecordServiceInput, { description: 'The mutation’s input (each field described on its input type).' }) input: RecordServiceInput, @Ctx() ctx: Context): Promise<ServiceRecord> {
    return ServiceRecord.from(await ctx.registryCommands.recordService(input));
  }
}

export const registryResolvers = [
  RegistryResolver,
  ElderResolver,
  AssessmentResolver,
  FacilityResolver,
  CaregiverResolver,
  StaffAssignmentResolver,
  StayResolver,
  ServiceRecordResolver,
  LedgerPayeeResolver,
] as const;
